use std::sync::Arc;

use mediaport_core::uploads::UploadPolicy;
use mediaport_core::{Catalog, Identity, Queue, SearchIndex, Storage};
use tokio_util::sync::CancellationToken;

/// The buckets Mediaport keeps its objects in.
#[derive(Debug, Clone)]
pub struct Buckets {
    pub ingest: String,
    pub proxy: String,
}

/// What every handler can reach: the ports, never a concrete adapter.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<dyn Catalog>,
    pub storage: Arc<dyn Storage>,
    pub identity: Arc<dyn Identity>,
    pub queue: Arc<dyn Queue>,
    pub search: Arc<dyn SearchIndex>,
    pub buckets: Buckets,
    pub uploads: UploadPolicy,
    /// Cancelled when the server stops, so that endless responses (the event stream) end
    /// and a graceful shutdown does not wait on open browsers.
    pub stopping: CancellationToken,
}
