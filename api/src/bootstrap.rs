//! Turns settings into running adapters. Shared by `mediaport serve` and the Lambda
//! binary so that both build the application the same way.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use mediaport_backends::catalog::SqliteCatalog;
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_core::{Catalog, Storage};
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

use crate::settings::Settings;
use crate::state::{AppState, Buckets};

/// Opens the configured catalog, creating and migrating it if needed.
pub async fn open_catalog(settings: &Settings) -> anyhow::Result<Arc<dyn Catalog>> {
    let path = match &settings.catalog.url {
        None => settings.catalog_path(),
        Some(url) => match url.strip_prefix("sqlite://") {
            Some(path) => path.into(),
            None => anyhow::bail!(
                "catalog.url {url:?} is not supported yet: use a sqlite:// URL or leave it unset"
            ),
        },
    };
    let catalog = SqliteCatalog::open(&path)
        .await
        .with_context(|| format!("cannot open the catalog at {}", path.display()))?;
    Ok(Arc::new(catalog))
}

#[derive(Serialize, Deserialize)]
struct StoredCredentials {
    access_key: String,
    secret_key: String,
}

/// The S3 credentials: configured ones, or for the embedded endpoint a pair generated on
/// first start and kept in the data folder, so no installation shares a default secret.
pub fn storage_credentials(settings: &Settings) -> anyhow::Result<Option<(String, String)>> {
    if let (Some(access), Some(secret)) =
        (&settings.storage.access_key, &settings.storage.secret_key)
    {
        return Ok(Some((access.clone(), secret.clone())));
    }
    if !settings.embedded_storage() {
        return Ok(None);
    }
    let path = settings.data_dir.join("storage-credentials.json");
    let stored = if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid: delete it to regenerate", path.display()))?
    } else {
        let stored = StoredCredentials {
            access_key: format!(
                "MP{}",
                Alphanumeric
                    .sample_string(&mut rand::rng(), 18)
                    .to_uppercase()
            ),
            secret_key: Alphanumeric.sample_string(&mut rand::rng(), 40),
        };
        write_private(&path, &serde_json::to_string_pretty(&stored)?)?;
        stored
    };
    Ok(Some((stored.access_key, stored.secret_key)))
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
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
    };
    Arc::new(S3Storage::connect(&config).await)
}

/// Creates the ingest and proxy buckets when they are missing.
pub async fn ensure_buckets(storage: &dyn Storage, settings: &Settings) -> anyhow::Result<()> {
    for bucket in [
        &settings.storage.ingest_bucket,
        &settings.storage.proxy_bucket,
    ] {
        storage
            .ensure_bucket(bucket)
            .await
            .with_context(|| format!("cannot create or reach the bucket {bucket}"))?;
    }
    Ok(())
}

pub fn app_state(
    settings: &Settings,
    catalog: Arc<dyn Catalog>,
    storage: Arc<dyn Storage>,
) -> AppState {
    AppState {
        catalog,
        storage,
        buckets: Buckets {
            ingest: settings.storage.ingest_bucket.clone(),
            proxy: settings.storage.proxy_bucket.clone(),
        },
    }
}
