//! Turns settings into running adapters. Shared by `mediaport serve`, `mediaport worker`
//! and the Lambda binaries so that all build the application the same way.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::db::Db;
use mediaport_backends::identity::{CognitoIdentity, LocalIdentity, SigningKey};
use mediaport_backends::notify::Channels;
use mediaport_backends::search::{OpenSearchConfig, OpenSearchIndex, TantivyIndex};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_backends::vectors::{OpenSearchVectors, SqlVectors};
use mediaport_core::{
    Catalog, FaceCatalog, Identity, Notifier, PeopleCatalog, Queue, SearchIndex, Storage, VectorIndex, users,
};
use mediaport_shared::Group;
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

use crate::settings::{IdentityKind, SearchKind, Settings, VectorsKind};

/// The catalog, queue and identity provider, opened together: the queue and local users
/// live in the catalog's database.
#[derive(Clone)]
pub struct Backends {
    pub catalog: Arc<dyn Catalog>,
    pub identity: Arc<dyn Identity>,
    pub queue: Arc<dyn Queue>,
    pub search: Arc<dyn SearchIndex>,
    pub faces: Arc<dyn FaceCatalog>,
    pub vectors: Arc<dyn VectorIndex>,
    pub people: Arc<dyn PeopleCatalog>,
    /// Webhooks and SNS topics, for the workers' deliveries and the admins' test button.
    pub notifier: Arc<dyn Notifier>,
    local_identity: Option<LocalIdentity>,
}

/// Opens the catalog (creating and migrating it if needed) and the identity provider.
pub async fn open_backends(settings: &Settings) -> anyhow::Result<Backends> {
    let catalog = open_catalog(settings).await?;
    let queue = mediaport_backends::queue::in_db(catalog.db());
    let search = open_search(settings).await?;
    let vectors = open_vectors(settings, &catalog).await?;
    let catalog = Arc::new(catalog);
    let faces: Arc<dyn FaceCatalog> = catalog.clone();
    let people: Arc<dyn PeopleCatalog> = catalog.clone();
    let notifier: Arc<dyn Notifier> = Arc::new(Channels::new());
    if settings.identity.kind == IdentityKind::Cognito {
        let cognito = CognitoIdentity::connect(settings.identity.cognito.to_config()).await;
        cognito.ensure_groups().await.context("cannot prepare the Cognito user pool's groups")?;
        let identity = Arc::new(cognito);
        return Ok(Backends {
            catalog,
            identity,
            queue,
            search,
            faces,
            vectors,
            people,
            notifier,
            local_identity: None,
        });
    }
    let key = signing_key(settings)?;
    let local = LocalIdentity::new(catalog.db().clone(), key)
        .await?
        .with_access_ttl(settings.identity.access_token_secs.max(60));
    let identity = Arc::new(local.clone());
    Ok(Backends { catalog, identity, queue, search, faces, vectors, people, notifier, local_identity: Some(local) })
}

/// The vector index the settings name: the catalog's database, or OpenSearch k-NN.
async fn open_vectors(settings: &Settings, catalog: &SqlCatalog) -> anyhow::Result<Arc<dyn VectorIndex>> {
    if settings.search.vectors == VectorsKind::OpenSearch {
        let o = &settings.search.opensearch;
        let config = OpenSearchConfig { index: format!("{}-vectors", o.index), ..o.clone() };
        let vectors = OpenSearchVectors::connect(&config)
            .await
            .with_context(|| format!("cannot reach OpenSearch at {} for vectors", o.url))?;
        return Ok(Arc::new(vectors));
    }
    Ok(Arc::new(SqlVectors::new(catalog.db().clone())))
}

/// The search index the settings name: tantivy on local disk, or an OpenSearch domain.
pub async fn open_search(settings: &Settings) -> anyhow::Result<Arc<dyn SearchIndex>> {
    if settings.search.kind == SearchKind::OpenSearch {
        let o = &settings.search.opensearch;
        let index = OpenSearchIndex::connect(o)
            .await
            .with_context(|| format!("cannot reach the OpenSearch index {} at {}", o.index, o.url))?;
        return Ok(Arc::new(index));
    }
    let path = settings.search_path();
    Ok(Arc::new(
        TantivyIndex::open(&path).with_context(|| format!("cannot open the search index at {}", path.display()))?,
    ))
}

/// On a fresh installation (no admin yet), creates `admin` with a random password and
/// returns that password, to be shown once.
pub async fn ensure_first_admin(backends: &Backends) -> anyhow::Result<Option<(String, String)>> {
    let Some(local) = &backends.local_identity else { return Ok(None) };
    let has_admin = local.list_users().await?.iter().any(|u| u.group() == Group::Admin);
    if has_admin {
        return Ok(None);
    }
    let (user, password) =
        users::create_user(local, "admin", "admin@mediaport.local", Group::Admin, None).await.context(
            "cannot create the first admin: a user named admin exists but is not an admin; \
             run `mediaport user add NAME --group admin`",
        )?;
    Ok(password.map(|p| (user.username, p)))
}

/// The key that signs local access tokens: made on first start, kept in the data folder.
fn signing_key(settings: &Settings) -> anyhow::Result<SigningKey> {
    let path = settings.data_dir.join("token-signing.key");
    let text = read_or_create_private(&path, &SigningKey::generate_hex())?;
    SigningKey::from_hex(&text)
        .with_context(|| format!("{} is not valid: delete it to regenerate (signs everyone out)", path.display()))
}

async fn open_catalog(settings: &Settings) -> anyhow::Result<SqlCatalog> {
    let db = match &settings.catalog.url {
        None => {
            let path = settings.catalog_path();
            Db::open_sqlite(&path).await.with_context(|| format!("cannot open the catalog at {}", path.display()))?
        }
        Some(url) => match &settings.catalog.credentials_secret {
            Some(secret) => mediaport_backends::secrets::open_with_secret(url, secret, settings.catalog.connections)
                .await
                .context("cannot open the catalog at catalog.url with catalog.credentials_secret")?,
            // The URL may hold a password: name only the engine.
            None => Db::open_sized(url, settings.catalog.connections)
                .await
                .context("cannot open the catalog at catalog.url")?,
        },
    };
    SqlCatalog::new(db).await.context("cannot prepare the catalog")
}

#[derive(Serialize, Deserialize)]
struct StoredCredentials {
    access_key: String,
    secret_key: String,
}

/// The S3 credentials: configured ones, or for the embedded endpoint a pair generated on
/// first start and kept in the data folder, so no installation shares a default secret.
pub fn storage_credentials(settings: &Settings) -> anyhow::Result<Option<(String, String)>> {
    if let (Some(access), Some(secret)) = (&settings.storage.access_key, &settings.storage.secret_key) {
        return Ok(Some((access.clone(), secret.clone())));
    }
    if !settings.embedded_storage() {
        return Ok(None);
    }
    let path = settings.data_dir.join("storage-credentials.json");
    let fresh = StoredCredentials {
        access_key: format!("MP{}", Alphanumeric.sample_string(&mut rand::rng(), 18).to_uppercase()),
        secret_key: Alphanumeric.sample_string(&mut rand::rng(), 40),
    };
    let text = read_or_create_private(&path, &serde_json::to_string_pretty(&fresh)?)?;
    let stored: StoredCredentials = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid: delete it to regenerate", path.display()))?;
    Ok(Some((stored.access_key, stored.secret_key)))
}

/// Creates the data folder readable by its owner only (it holds keys and the catalog);
/// a folder that exists is left as it is.
pub fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))
}

/// The secret kept at `path`, or `fresh` written there first. The file is private from
/// its first byte (made 0600, never widened), and is made whole under another name then
/// linked into place, which fails if it exists: two processes starting on a new data
/// folder end up with one secret, whichever linked first.
fn read_or_create_private(path: &Path, fresh: &str) -> anyhow::Result<String> {
    use std::io::Write;
    let read = |path: &Path| std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()));
    if path.exists() {
        return read(path);
    }
    let folder = path.parent().context("a secret's path has a folder")?;
    create_data_dir(folder)?;
    let draft = folder.join(format!(".{}.{}", rand::random::<u64>(), std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&draft).and_then(|mut file| {
        file.write_all(fresh.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&draft, path));
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => Ok(fresh.to_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(err) => Err(err).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// The storage adapter for `endpoint` (the embedded endpoint's URL, or the configured one).
pub async fn open_storage(
    settings: &Settings,
    endpoint: Option<String>,
    credentials: Option<(String, String)>,
) -> Arc<dyn Storage> {
    let config = S3StorageConfig {
        endpoint,
        region: settings.storage.region.clone(),
        credentials,
        force_path_style: settings.storage.force_path_style,
        public_endpoint: settings.storage.public_endpoint.clone(),
    };
    Arc::new(S3Storage::connect(&config).await)
}

/// Creates the ingest and proxy buckets when they are missing.
pub async fn ensure_buckets(storage: &dyn Storage, settings: &Settings) -> anyhow::Result<()> {
    for bucket in [&settings.storage.ingest_bucket, &settings.storage.proxy_bucket] {
        storage.ensure_bucket(bucket).await.with_context(|| format!("cannot create or reach the bucket {bucket}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn processes_starting_together_on_a_new_data_folder_share_one_private_secret() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings { data_dir: dir.path().join("data"), ..Settings::default() };
        let found: Vec<_> = std::thread::scope(|scope| {
            let starts: Vec<_> = (0..8).map(|_| scope.spawn(|| storage_credentials(&settings).unwrap())).collect();
            starts.into_iter().map(|s| s.join().unwrap()).collect()
        });
        assert!(found.iter().all(|f| *f == found[0]), "one pair of keys: {found:?}");
        let keys: Vec<_> = (0..8).map(|_| signing_key(&settings).unwrap()).collect();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let token = keys[0].sign("ada", now, 600).unwrap();
        assert!(keys.iter().all(|k| k.verify(&token).is_ok()), "one signing key");
        assert_eq!(mode(&settings.data_dir), 0o700, "the data folder is its owner's");
        for file in ["storage-credentials.json", "token-signing.key"] {
            assert_eq!(mode(&settings.data_dir.join(file)), 0o600, "{file}");
        }
        let left: Vec<_> = std::fs::read_dir(&settings.data_dir).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 2, "no drafts left: {left:?}");
    }
}
