//! What both benchmarks need: the embedded S3 endpoint on a free port.

use std::path::Path;
use std::sync::Arc;

use mediaport_backends::storage::embedded::{self, EmbeddedS3Config};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_core::Storage;

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
