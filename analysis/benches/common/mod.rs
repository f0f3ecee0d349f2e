//! What both benchmarks need: the embedded S3 endpoint on a free port, and the stored
//! original registered as a video asset.

use std::path::Path;
use std::sync::Arc;

use mediaport_backends::storage::embedded::{self, EmbeddedS3Config};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_core::{Catalog, NewAsset, Storage};
use mediaport_shared::{Asset, AssetStatus, AssetType};

pub async fn start_storage(dir: &Path) -> anyhow::Result<Arc<dyn Storage>> {
    let config = EmbeddedS3Config {
        root: dir.join("storage"),
        access_key: "BENCHACCESSKEY".into(),
        secret_key: "bench-secret-key".into(),
        cors_origins: vec![],
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = embedded::start(&config).await?.router;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(Arc::new(
        S3Storage::connect(&S3StorageConfig {
            endpoint: Some(format!("http://{addr}")),
            region: "us-east-1".into(),
            credentials: Some((config.access_key, config.secret_key)),
            force_path_style: true,
            public_endpoint: None,
        })
        .await,
    ))
}

/// Registers `file`, stored as `bench-ingest/original`, as a video waiting for ingest.
pub async fn register_video(catalog: &dyn Catalog, file: &Path) -> anyhow::Result<Asset> {
    Ok(catalog
        .create_asset(NewAsset {
            id: mediaport_core::new_id(),
            asset_type: AssetType::Video,
            filename: "bench.mp4".into(),
            size: std::fs::metadata(file)?.len(),
            md5: None,
            group: None,
            attributes: Default::default(),
            bucket: "bench-ingest".into(),
            key: "original".into(),
            status: AssetStatus::Ingesting,
            ai_options: None,
        })
        .await?)
}
