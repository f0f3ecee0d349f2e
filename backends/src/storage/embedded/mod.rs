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
    let router = Router::new()
        .fallback_service(service)
        .layer(axum::middleware::from_fn(refuse_sigv2))
        .layer(axum::middleware::from_fn(request_id))
        .layer(cors_layer(&config.cors_origins)?);
    Ok(EmbeddedS3 { router, events })
}

/// Refuses Signature Version 2 (`Authorization: AWS key:signature`, or a URL presigned
/// with `AWSAccessKeyId` and `Signature`): it signs with SHA-1 and not the body, and S3
/// itself has stopped accepting it. Only SigV4 headers and SigV4 presigned URLs get in.
async fn refuse_sigv2(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let header_v2 = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS "));
    let query_v2 = request.uri().query().is_some_and(|q| {
        q.split('&').any(|pair| pair.starts_with("AWSAccessKeyId=") || pair.starts_with("Signature="))
    });
    if !(header_v2 || query_v2) {
        return next.run(request).await;
    }
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>\
                <Message>Signature Version 2 is not accepted: sign requests with SigV4</Message></Error>";
    axum::response::Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header(header::CONTENT_TYPE, "application/xml")
        .body(axum::body::Body::from(body))
        .expect("a static response is valid")
}

/// Gives every answer an `x-amz-request-id`, and an error's XML body the same
/// `<RequestId>`, as S3 does: the id a user quotes from a client's error message finds
/// the server's log lines of that request.
async fn request_id(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_ascii_uppercase();
    let span = tracing::debug_span!("s3", request_id = %id);
    let response = tracing::Instrument::instrument(next.run(request), span).await;
    let (mut parts, body) = response.into_parts();
    parts.headers.insert("x-amz-request-id", HeaderValue::from_str(&id).expect("hex is a header value"));
    if !(parts.status.is_client_error() || parts.status.is_server_error()) {
        return axum::response::Response::from_parts(parts, body);
    }
    // Error bodies are a few hundred bytes of XML.
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let named = match text.find("</Error>") {
        Some(at) if !text.contains("<RequestId>") => {
            format!("{}<RequestId>{id}</RequestId>{}", &text[..at], &text[at..])
        }
        _ => text.into_owned(),
    };
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(named.len()));
    axum::response::Response::from_parts(parts, axum::body::Body::from(named))
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
