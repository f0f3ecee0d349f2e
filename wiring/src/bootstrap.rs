//! Turns settings into running adapters. Shared by `mediaport serve`, `mediaport worker`
//! and the Lambda binaries so that all build the application the same way.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::db::Db;
use mediaport_backends::identity::{CognitoIdentity, LocalIdentity, SigningKey};
use mediaport_backends::search::{OpenSearchConfig, OpenSearchIndex, TantivyIndex};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_backends::vectors::{OpenSearchVectors, SqlVectors};
use mediaport_core::{Catalog, FaceCatalog, Identity, PeopleCatalog, Queue, SearchIndex, Storage, VectorIndex, users};
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
    if settings.identity.kind == IdentityKind::Cognito {
        let cognito = CognitoIdentity::connect(settings.identity.cognito.to_config()).await;
        cognito.ensure_groups().await.context("cannot prepare the Cognito user pool's groups")?;
        let identity = Arc::new(cognito);
        return Ok(Backends { catalog, identity, queue, search, faces, vectors, people, local_identity: None });
    }
    let key = signing_key(settings)?;
    let local = LocalIdentity::new(catalog.db().clone(), key)
        .await?
        .with_access_ttl(settings.identity.access_token_secs.max(60));
    let identity = Arc::new(local.clone());
    Ok(Backends { catalog, identity, queue, search, faces, vectors, people, local_identity: Some(local) })
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
    if !path.exists() {
        write_private(&path, &SigningKey::generate_hex())?;
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    SigningKey::from_hex(&text)
        .with_context(|| format!("{} is not valid: delete it to regenerate (signs everyone out)", path.display()))
}

async fn open_catalog(settings: &Settings) -> anyhow::Result<SqlCatalog> {
    let db = match &settings.catalog.url {
        None => {
            let path = settings.catalog_path();
            Db::open_sqlite(&path).await.with_context(|| format!("cannot open the catalog at {}", path.display()))?
        }
        // The URL may hold a password: name only the engine.
        Some(url) => Db::open(url).await.context("cannot open the catalog at catalog.url")?,
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
    let stored = if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid: delete it to regenerate", path.display()))?
    } else {
        let stored = StoredCredentials {
            access_key: format!("MP{}", Alphanumeric.sample_string(&mut rand::rng(), 18).to_uppercase()),
            secret_key: Alphanumeric.sample_string(&mut rand::rng(), 40),
        };
        write_private(&path, &serde_json::to_string_pretty(&stored)?)?;
        stored
    };
    Ok(Some((stored.access_key, stored.secret_key)))
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
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
