//! Serves the built web app. Client-side routes (`/search`, `/assets/123`) are paths
//! the server has no file for: they get `index.html` and the app's router takes over.

use std::path::Path;

use axum::http::{HeaderValue, header};
use tower::Layer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

pub type WebService = SetResponseHeader<ServeDir<ServeFile>, HeaderValue>;

pub fn service(dir: &Path) -> WebService {
    let files = ServeDir::new(dir).precompressed_gzip().fallback(ServeFile::new(dir.join("index.html")));
    // The app's file names carry no content hash, so browsers must revalidate them.
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")).layer(files)
}
