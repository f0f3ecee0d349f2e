//! Typed settings: defaults in code, then an optional TOML file, then `MEDIAPORT__...`
//! environment variables, then command-line flags. Unknown keys are errors.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use mediaport_backends::search::OpenSearchConfig;
use mediaport_core::analysis::AnalysisDefaults;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Folder for the catalog, the embedded storage and generated secrets.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub catalog: CatalogSettings,
    pub identity: IdentitySettings,
    pub uploads: UploadSettings,
    pub worker: WorkerSettings,
    pub analysis: AnalysisDefaults,
    pub search: SearchSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// `tantivy`: an index on local disk; `opensearch`: an OpenSearch domain.
    pub kind: SearchKind,
    /// Folder of the tantivy index; `<data_dir>/search` when unset.
    pub path: Option<PathBuf>,
    pub opensearch: OpenSearchConfig,
    /// Where face and people embeddings are searched: `catalog` (the catalog's database,
    /// exact search in memory) or `opensearch` (k-NN indexes `<index>-vectors.<space>` on
    /// the `[search.opensearch]` domain).
    pub vectors: VectorsKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorsKind {
    #[default]
    Catalog,
    OpenSearch,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    #[default]
    Tantivy,
    OpenSearch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address of the API and the web app.
    pub listen: SocketAddr,
    /// The origin browsers use to open the app; defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Folder of the built web app; an empty path serves the API alone.
    pub web_dir: PathBuf,
    /// How `GET /api/events` answers: `stream` keeps the connection open and sends
    /// changes as they happen; `poll` sends what changed since the browser's last event
    /// and ends, and the browser asks again a few seconds later. Hosts that buffer whole
    /// answers need `poll`: the Lambda function (behind API Gateway) always uses it.
    pub events: EventsMode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventsMode {
    #[default]
    Stream,
    Poll,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// `embedded`: the server runs its own S3 endpoint; `s3`: any other S3 service.
    pub kind: StorageKind,
    /// S3 endpoint URL for `kind = "s3"`; unset means Amazon S3 itself.
    pub endpoint: Option<String>,
    /// Endpoint written into presigned URLs, reachable by browsers; defaults to `endpoint`.
    pub public_endpoint: Option<String>,
    pub region: String,
    /// Credentials; unset uses generated ones (embedded) or the AWS default chain.
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    /// Path-style addressing, needed by most S3-compatible servers.
    pub force_path_style: bool,
    /// Where originals land.
    pub ingest_bucket: String,
    /// Where proxies, thumbnails and analysis results go.
    pub proxy_bucket: String,
    pub embedded: EmbeddedStorageSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Embedded,
    S3,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddedStorageSettings {
    /// Address of the embedded S3 endpoint.
    pub listen: SocketAddr,
    /// Extra browser origins allowed to upload; the app's own origin always is.
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadSettings {
    /// How long a presigned part URL works, in seconds.
    pub part_url_ttl_secs: u64,
    /// An upload that has received no part for this many hours is aborted and its parts freed.
    pub abandon_after_hours: u64,
    /// How often abandoned uploads are swept, in seconds.
    pub sweep_interval_secs: u64,
    /// Objects copied straight into the ingest bucket become assets; when off, only
    /// uploads through the API and `POST /api/assets` do.
    pub adopt_copies: bool,
    /// How often the ingest bucket is scanned for objects copied in without the API, in
    /// seconds; 0 turns the scan off. Not used with the embedded endpoint, which reports
    /// new objects at once: the bucket is scanned at start and after missed reports.
    pub scan_interval_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run workers inside `mediaport serve`; turn off when `mediaport worker` processes do the work.
    pub in_server: bool,
    /// Jobs one worker process runs at once.
    pub concurrency: usize,
    /// Threads each ffmpeg run may use; 0 means one per core.
    pub threads: u32,
    /// How long a job's claim lasts without renewal, in seconds; a dead worker's job runs
    /// again after this.
    pub lease_secs: u64,
    /// How often an idle worker asks for work, in milliseconds.
    pub poll_ms: u64,
    /// Longest run of a metadata tool (ffprobe, exiftool, pdftoppm) in seconds; transcodes
    /// get four times the media's length on top.
    pub tool_timeout_secs: u64,
    /// How often an original being restored from an archive storage class (S3 Glacier,
    /// Deep Archive) is looked at again, in seconds; its ingest waits in the queue meanwhile.
    pub restore_check_secs: u64,
    /// Frames captured per second of video for analysis (per upload: `ai_options.frame_rate`).
    pub frame_rate: f64,
    /// Keep only frames that differ from the last kept one (`ai_options.dynamic_frames`).
    pub dynamic_frames: bool,
    /// Bits of the 64-bit perceptual hash that must differ for a frame to be kept.
    pub frame_min_distance: u32,
    /// Seconds a worker keeps its models in memory after their last use; 0 keeps them
    /// for good. They are loaded when a job first needs them.
    pub models_idle_secs: u64,
    /// Folder of the model files `models/fetch.py` fetches; unset means its cache,
    /// `$MEDIAPORT_CACHE/models` (`~/.cache/mediaport/models`).
    pub models_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// Database URL: `sqlite://PATH`, or `postgres://USER:PASSWORD@HOST/DB` for servers and
    /// workers on several machines; unset means `sqlite://<data_dir>/catalog.db`.
    pub url: Option<String>,
    /// A Secrets Manager secret (ARN or name) holding `{"username", "password"}` for a
    /// `postgres://` URL given without them, as RDS keeps a managed master password.
    /// Read at start and every five minutes, so a rotated password applies.
    pub credentials_secret: Option<String>,
    /// At most this many connections to PostgreSQL per process (the Lambda functions,
    /// many small processes, take a few each).
    pub connections: u32,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self { url: None, credentials_secret: None, connections: mediaport_backends::db::POSTGRES_CONNECTIONS }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// `local`: users in the catalog; `cognito`: an Amazon Cognito user pool.
    pub kind: IdentityKind,
    /// Lifetime of the local identity's access tokens, in seconds (Cognito sets its own).
    pub access_token_secs: u64,
    pub cognito: CognitoSettings,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    #[default]
    Local,
    Cognito,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CognitoSettings {
    /// e.g. `eu-west-1`.
    pub region: String,
    pub user_pool_id: String,
    /// An app client without a secret, allowing USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH.
    pub client_id: String,
    /// Cognito API endpoint; unset means AWS's.
    pub endpoint: Option<String>,
    /// Where the pool's signing keys are; unset means `<issuer>/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
    /// Expected `iss` of tokens; unset means `https://cognito-idp.<region>.amazonaws.com/<pool>`.
    pub issuer: Option<String>,
    /// Credentials for the admin APIs; unset uses the AWS default chain (role, environment).
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    /// Whether pool users in none of the admin, creator and viewer groups may read; by
    /// default they get no access (403 `no-group`).
    pub ungrouped_can_view: bool,
}

impl CognitoSettings {
    /// The adapter's configuration from these settings.
    pub fn to_config(&self) -> mediaport_backends::identity::CognitoConfig {
        mediaport_backends::identity::CognitoConfig {
            region: self.region.clone(),
            user_pool_id: self.user_pool_id.clone(),
            client_id: self.client_id.clone(),
            endpoint: self.endpoint.clone(),
            jwks_url: self.jwks_url.clone(),
            issuer: self.issuer.clone(),
            credentials: self.access_key.clone().zip(self.secret_key.clone()),
            ungrouped_can_view: self.ungrouped_can_view,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `mediaport=debug,info`.
    pub filter: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerSettings::default(),
            storage: StorageSettings::default(),
            catalog: CatalogSettings::default(),
            identity: IdentitySettings::default(),
            uploads: UploadSettings::default(),
            worker: WorkerSettings::default(),
            analysis: AnalysisDefaults::default(),
            search: SearchSettings::default(),
            log: LogSettings::default(),
        }
    }
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self { kind: IdentityKind::Local, access_token_secs: 900, cognito: CognitoSettings::default() }
    }
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            part_url_ttl_secs: 3600,
            abandon_after_hours: 168,
            sweep_interval_secs: 600,
            adopt_copies: true,
            scan_interval_secs: 300,
        }
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            in_server: true,
            concurrency: 1,
            threads: 0,
            lease_secs: 60,
            poll_ms: 1000,
            tool_timeout_secs: 600,
            restore_check_secs: 900,
            frame_rate: 1.0,
            dynamic_frames: false,
            frame_min_distance: 10,
            models_idle_secs: 300,
            models_dir: None,
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            web_dir: PathBuf::from("frontend/dist"),
            events: EventsMode::Stream,
        }
    }
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            kind: StorageKind::Embedded,
            endpoint: None,
            public_endpoint: None,
            region: "us-east-1".into(),
            access_key: None,
            secret_key: None,
            force_path_style: true,
            ingest_bucket: "mediaport-ingest".into(),
            proxy_bucket: "mediaport-proxy".into(),
            embedded: EmbeddedStorageSettings::default(),
        }
    }
}

impl Default for EmbeddedStorageSettings {
    fn default() -> Self {
        Self { listen: SocketAddr::from(([127, 0, 0, 1], 9000)), cors_origins: Vec::new() }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: LogFormat::Pretty, filter: "info".into() }
    }
}

/// A settings failure, worded for the person starting the server.
#[derive(Debug, thiserror::Error)]
#[error("invalid settings: {0}")]
pub struct SettingsError(String);

/// `http://host[:port]` or `https://host[:port]`, as a browser sends in `Origin`.
fn is_origin(text: &str) -> bool {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|host| {
        !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    })
}

impl Settings {
    /// The analysis options these settings give, every field set (frame capture included).
    pub fn ai_defaults(&self) -> mediaport_shared::AiOptions {
        mediaport_shared::AiOptions {
            frame_rate: Some(self.worker.frame_rate),
            dynamic_frames: Some(self.worker.dynamic_frames),
            frame_min_distance: Some(self.worker.frame_min_distance),
            ..self.analysis.as_options()
        }
    }

    /// Defaults, then `file` (if any), then `MEDIAPORT__SECTION__KEY` variables, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &impl Serialize) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(SettingsError(format!("config file {} does not exist", file.display())));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("MEDIAPORT__").split("__")).merge(Serialized::defaults(overrides));
        let settings: Settings = figment.extract().map_err(|e| SettingsError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if self.embedded_storage() && self.storage.endpoint.is_some() {
            return Err(SettingsError("storage.endpoint needs storage.kind = \"s3\"".into()));
        }
        if self.storage.access_key.is_some() != self.storage.secret_key.is_some() {
            return Err(SettingsError("storage.access_key and storage.secret_key must be set together".into()));
        }
        if self.identity.kind == IdentityKind::Cognito {
            let c = &self.identity.cognito;
            if c.region.is_empty() || c.user_pool_id.is_empty() || c.client_id.is_empty() {
                return Err(SettingsError(
                    "identity.kind = \"cognito\" needs identity.cognito.region, user_pool_id and client_id".into(),
                ));
            }
        }
        if self.search.kind == SearchKind::OpenSearch || self.search.vectors == VectorsKind::OpenSearch {
            let o = &self.search.opensearch;
            if !(o.url.starts_with("https://") || o.url.starts_with("http://")) || o.index.is_empty() {
                return Err(SettingsError(
                    "search.kind or search.vectors = \"opensearch\" needs search.opensearch.url (http:// or https://) and index"
                        .into(),
                ));
            }
            if o.username.is_some() != o.password.is_some() {
                return Err(SettingsError("search.opensearch.username and password must be set together".into()));
            }
        }
        // Uploads carry signed URLs: only named origins may read their answers, never any.
        if let Some(bad) = self.storage.embedded.cors_origins.iter().find(|o| !is_origin(o)) {
            return Err(SettingsError(format!(
                "storage.embedded.cors_origins: {bad:?} is not an origin; name each one as \
                 scheme://host[:port] (\"*\" is not allowed: it would let any site use signed upload URLs)"
            )));
        }
        if let Some(url) = &self.catalog.url {
            let known = ["sqlite://", "postgres://", "postgresql://"].iter().any(|scheme| url.starts_with(scheme));
            if !known {
                return Err(SettingsError("catalog.url must start with sqlite:// or postgres://".into()));
            }
        }
        if self.catalog.credentials_secret.is_some()
            && !self.catalog.url.as_deref().is_some_and(|u| u.starts_with("postgres"))
        {
            return Err(SettingsError(
                "catalog.credentials_secret needs catalog.url = \"postgres://HOST:PORT/DATABASE\" (without a user)"
                    .into(),
            ));
        }
        if let Err(err) = self.analysis.as_options().check() {
            return Err(SettingsError(format!("analysis.{}: {}", err.key, err.message)));
        }
        let w = &self.worker;
        if w.concurrency == 0 || w.lease_secs < 3 || w.poll_ms == 0 {
            return Err(SettingsError(
                "worker.concurrency, worker.poll_ms must be at least 1, worker.lease_secs at least 3".into(),
            ));
        }
        if !(1.0 / 60.0..=30.0).contains(&w.frame_rate) || w.frame_min_distance > 64 {
            return Err(SettingsError(
                "worker.frame_rate must be between 0.0167 (one a minute) and 30, worker.frame_min_distance at most 64"
                    .into(),
            ));
        }
        for bucket in [&self.storage.ingest_bucket, &self.storage.proxy_bucket] {
            let valid = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
            if !valid {
                return Err(SettingsError(format!("{bucket:?} is not a valid bucket name")));
            }
        }
        Ok(())
    }

    /// Whether this process runs the embedded S3 endpoint.
    pub fn embedded_storage(&self) -> bool {
        self.storage.kind == StorageKind::Embedded
    }

    /// The origin of the web app, as browsers see it.
    pub fn public_url(&self) -> String {
        self.server.public_url.clone().unwrap_or_else(|| format!("http://{}", self.server.listen))
    }

    /// The search index's folder.
    pub fn search_path(&self) -> PathBuf {
        self.search.path.clone().unwrap_or_else(|| self.data_dir.join("search"))
    }

    pub fn catalog_path(&self) -> PathBuf {
        self.data_dir.join("catalog.db")
    }

    /// Where workers keep originals being processed and their scratch folders.
    pub fn work_dir(&self) -> PathBuf {
        self.data_dir.join("work")
    }

    pub fn storage_root(&self) -> PathBuf {
        self.data_dir.join("storage")
    }

    /// The settings as TOML, with secrets masked (for `mediaport config`).
    pub fn to_display_toml(&self) -> String {
        let mut shown = self.clone();
        let secrets = [
            &mut shown.storage.secret_key,
            &mut shown.identity.cognito.secret_key,
            &mut shown.search.opensearch.password,
        ];
        for secret in secrets.into_iter().filter(|s| s.is_some()) {
            *secret = Some(MASK.into());
        }
        shown.catalog.url = shown.catalog.url.as_deref().map(mask_url_password);
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

const MASK: &str = "********";

/// `postgres://user:secret@host/db` shown as `postgres://user:********@host/db`.
fn mask_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.rsplit_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:{MASK}@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct NoOverrides {}

    #[test]
    fn defaults_are_the_embedded_deployment() {
        let s = Settings::load(None, &NoOverrides {}).unwrap();
        assert!(s.embedded_storage());
        assert_eq!(s.server.listen.port(), 8080);
        assert_eq!(s.storage.embedded.listen.port(), 9000);
        assert_eq!(s.public_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn file_values_apply_and_unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mediaport.toml");
        std::fs::write(&file, "data_dir = \"/srv/media\"\n[storage]\ningest_bucket = \"archive-in\"\n").unwrap();
        let s = Settings::load(Some(&file), &NoOverrides {}).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/media"));
        assert_eq!(s.storage.ingest_bucket, "archive-in");

        std::fs::write(&file, "[storage]\ningest_buckett = \"typo\"\n").unwrap();
        let err = Settings::load(Some(&file), &NoOverrides {}).unwrap_err().to_string();
        assert!(err.contains("ingest_buckett"), "{err}");
    }

    #[test]
    fn shown_settings_mask_every_secret() {
        let mut s = Settings::default();
        s.storage.secret_key = Some("storage-secret".into());
        s.identity.cognito.secret_key = Some("cognito-secret".into());
        s.search.opensearch.password = Some("search-secret".into());
        s.catalog.url = Some("postgres://mediaport:db-p@ss@db.internal:5432/mediaport".into());
        let shown = s.to_display_toml();
        for secret in ["storage-secret", "cognito-secret", "search-secret", "db-p@ss"] {
            assert!(!shown.contains(secret), "{secret} shown:\n{shown}");
        }
        assert!(shown.contains("postgres://mediaport:********@db.internal:5432/mediaport"), "{shown}");
    }

    #[test]
    fn a_wildcard_or_malformed_cors_origin_is_a_settings_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mediaport.toml");
        for bad in ["*", "example.org", "https://example.org/path", "https://"] {
            std::fs::write(&file, format!("[storage.embedded]\ncors_origins = [{bad:?}]\n")).unwrap();
            let err = Settings::load(Some(&file), &NoOverrides {}).unwrap_err().to_string();
            assert!(err.contains("cors_origins") && err.contains("scheme://host"), "{bad}: {err}");
        }
        std::fs::write(&file, "[storage.embedded]\ncors_origins = [\"https://media.example.org:8443\"]\n").unwrap();
        Settings::load(Some(&file), &NoOverrides {}).unwrap();
    }

    #[test]
    fn flags_override_the_file() {
        #[derive(Serialize)]
        struct Flags {
            data_dir: &'static str,
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mediaport.toml");
        std::fs::write(&file, "data_dir = \"/from/file\"\n").unwrap();
        let s = Settings::load(Some(&file), &Flags { data_dir: "/from/flag" }).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/from/flag"));
    }

    #[test]
    fn half_credentials_and_bad_buckets_are_rejected() {
        #[derive(Serialize)]
        struct Storage {
            access_key: &'static str,
        }
        #[derive(Serialize)]
        struct Flags {
            storage: Storage,
        }
        assert!(Settings::load(None, &Flags { storage: Storage { access_key: "AK" } }).is_err());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mediaport.toml");
        std::fs::write(&file, "[storage]\nproxy_bucket = \"Bad_Bucket\"\n").unwrap();
        assert!(Settings::load(Some(&file), &NoOverrides {}).is_err());
        // Vectors on OpenSearch need the domain.
        std::fs::write(&file, "[search]\nvectors = \"opensearch\"\n").unwrap();
        let err = Settings::load(Some(&file), &NoOverrides {}).unwrap_err();
        assert!(err.to_string().contains("search.opensearch.url"), "{err}");
    }

    #[test]
    fn the_committed_example_is_valid_and_matches_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mediaport.example.toml");
        let s = Settings::load(Some(&example), &NoOverrides {}).unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = Settings::load(Some(Path::new("/nonexistent/mediaport.toml")), &NoOverrides {}).unwrap_err();
        assert!(err.to_string().contains("does not exist"));
    }
}
