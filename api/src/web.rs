//! Serves the built web app. Client-side routes (`/search`, `/assets/123`) are paths
//! the server has no file for: they get `index.html` and the app's router takes over.

use std::path::Path;

use axum::http::{HeaderName, HeaderValue, header};
use tower::Layer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// What the app's pages may load: its own scripts and the WebAssembly they compile (no
/// inline or foreign script, so injected markup cannot run code), styles of its own
/// (Leptos sets `style` attributes), pictures, media and uploads from storage, which is
/// another origin (the embedded endpoint's port, or S3) reached by presigned URLs; and no
/// site may frame it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: http: https:; \
     media-src 'self' blob: http: https:; connect-src 'self' blob: http: https:; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

type Header<S> = SetResponseHeader<S, HeaderValue>;
pub type WebService = Header<Header<Header<Header<ServeDir<ServeFile>>>>>;

fn set(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

pub fn service(dir: &Path) -> WebService {
    let files = ServeDir::new(dir).precompressed_gzip().fallback(ServeFile::new(dir.join("index.html")));
    // The app's file names carry no content hash, so browsers must revalidate them.
    let files = set(header::CACHE_CONTROL, "no-cache").layer(files);
    let files = set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY).layer(files);
    let files = set(header::X_CONTENT_TYPE_OPTIONS, "nosniff").layer(files);
    // Presigned links in the page must not leak to other sites through the Referer.
    set(header::REFERRER_POLICY, "same-origin").layer(files)
}
