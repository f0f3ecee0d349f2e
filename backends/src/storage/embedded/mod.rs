//! The S3 endpoint the server runs itself in the zero-set-up deployment: the `s3s`
//! protocol layer (SigV4 headers and presigned URLs checked) over our own storage engine
//! on local disk (`disk`), which announces every new object on a channel.

mod disk;
mod error;
mod multipart;
mod objects;
mod service;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::error_handling::HandleError;
use http::{HeaderValue, Method, StatusCode, header};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::sync::broadcast;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// Everything the embedded endpoint needs to serve requests.
#[derive(Debug, Clone)]
pub struct EmbeddedS3Config {
    /// Folder that holds one sub-folder per bucket.
    pub root: PathBuf,
    pub access_key: String,
    pub secret_key: String,
    /// Browser origins allowed to call the endpoint (the web app's own origin).
    pub cors_origins: Vec<String>,
}

/// An object that was just written: by a PUT, a copy, or a completed multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectCreated {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub etag: String,
}

/// The endpoint, ready to be served, and the feed of objects it creates.
pub struct EmbeddedS3 {
    pub router: Router,
    pub events: broadcast::Sender<ObjectCreated>,
}

/// Opens the storage under `config.root` and builds the endpoint as an axum `Router`.
pub async fn start(config: &EmbeddedS3Config) -> anyhow::Result<EmbeddedS3> {
    std::fs::create_dir_all(&config.root)
        .with_context(|| format!("cannot create the storage folder {}", config.root.display()))?;
    let store = disk::DiskStore::open(&config.root)
        .await
        .with_context(|| format!("cannot open the storage folder {}", config.root.display()))?;
    let (events, _) = broadcast::channel(1024);
    let mut builder = S3ServiceBuilder::new(service::EmbeddedS3 { store, events: events.clone() });
    builder.set_auth(SimpleAuth::from_single(config.access_key.clone(), config.secret_key.clone()));
    let service = HandleError::new(builder.build(), |err: s3s::HttpError| async move {
        tracing::error!(error = ?err, "embedded s3 request failed");
        StatusCode::INTERNAL_SERVER_ERROR
    });
    let router = Router::new().fallback_service(service).layer(cors_layer(&config.cors_origins)?);
    Ok(EmbeddedS3 { router, events })
}

/// Browsers PUT upload parts straight to storage and must read each part's `ETag`.
fn cors_layer(origins: &[String]) -> anyhow::Result<CorsLayer> {
    let origins = origins
        .iter()
        .map(|o| HeaderValue::from_str(o).with_context(|| format!("invalid CORS origin {o:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::HEAD, Method::PUT, Method::POST, Method::DELETE])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::ETAG])
        .max_age(Duration::from_secs(3600)))
}
