//! The S3 endpoint the server runs itself in the zero-set-up deployment: the `s3s`
//! protocol layer (SigV4 headers and presigned URLs checked) over files on local disk.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::error_handling::HandleError;
use http::{HeaderValue, Method, StatusCode, header};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
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

/// Builds the endpoint as an axum `Router`, ready to be served on its own address.
pub fn router(config: &EmbeddedS3Config) -> anyhow::Result<Router> {
    std::fs::create_dir_all(&config.root)
        .with_context(|| format!("cannot create the storage folder {}", config.root.display()))?;
    let fs = s3s_fs::FileSystem::new(&config.root)
        .map_err(|e| anyhow::anyhow!("cannot open the storage folder {}: {e:?}", config.root.display()))?;
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(config.access_key.clone(), config.secret_key.clone()));
    let service = HandleError::new(builder.build(), |err: s3s::HttpError| async move {
        tracing::error!(error = ?err, "embedded s3 request failed");
        StatusCode::INTERNAL_SERVER_ERROR
    });
    Ok(Router::new().fallback_service(service).layer(cors_layer(&config.cors_origins)?))
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
