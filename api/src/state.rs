use std::sync::Arc;
use std::time::Duration;

use mediaport_core::uploads::{Intake, UploadPolicy};
use mediaport_core::{
    Catalog, FaceCatalog, FaceReader, Identity, Notifier, PeopleCatalog, Queue, SearchIndex, SentenceEncoder, Storage,
    VectorIndex,
};
use mediaport_shared::AiOptions;
use mediaport_wiring::Settings;
use mediaport_wiring::bootstrap::Backends;
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
    pub faces: Arc<dyn FaceCatalog>,
    pub vectors: Arc<dyn VectorIndex>,
    pub people: Arc<dyn PeopleCatalog>,
    /// Webhooks and SNS topics, for the admins' test button (workers send the rest).
    pub notifier: Arc<dyn Notifier>,
    /// The face models, where this process has them (`mediaport serve` does; the Lambda
    /// function does not, and answers 503 to indexing a face).
    pub face_reader: Option<Arc<dyn FaceReader>>,
    /// The sentence model that reads a query for its meaning, where this process has it
    /// (as the face models); without it, searching by meaning answers 503.
    pub encoder: Option<Arc<dyn SentenceEncoder>>,
    pub buckets: Buckets,
    pub uploads: UploadPolicy,
    /// The settings file's analysis options, every field set: what an admin's saved
    /// defaults are laid over.
    pub ai_defaults: AiOptions,
    /// Cancelled when the server stops, so that endless responses (the event stream) end
    /// and a graceful shutdown does not wait on open browsers.
    pub stopping: CancellationToken,
    /// Sign-in attempts per address.
    pub sign_ins: Arc<crate::limits::SignInLimiter>,
    /// `GET /api/events` answers what changed and ends, instead of streaming
    /// (`server.events = "poll"`).
    pub events_poll: bool,
}

impl AppState {
    /// Analysis results as people read them: stored timelines with reviewers' corrections.
    pub fn results(&self) -> mediaport_core::results::Results<'_> {
        mediaport_core::results::Results {
            storage: self.storage.as_ref(),
            proxy_bucket: &self.buckets.proxy,
            catalog: self.catalog.as_ref(),
        }
    }

    /// Assets coming in (uploads and registrations) over this state's ports.
    pub fn intake(&self) -> Intake<'_> {
        Intake {
            catalog: self.catalog.as_ref(),
            storage: self.storage.as_ref(),
            queue: self.queue.as_ref(),
            policy: &self.uploads,
        }
    }

    /// The state the settings describe, over opened adapters; no face or sentence models
    /// until the process that has them lends them.
    pub fn new(settings: &Settings, backends: Backends, storage: Arc<dyn Storage>) -> Self {
        Self {
            catalog: backends.catalog,
            identity: backends.identity,
            queue: backends.queue,
            search: backends.search,
            faces: backends.faces,
            vectors: backends.vectors,
            people: backends.people,
            notifier: backends.notifier,
            face_reader: None,
            encoder: None,
            storage,
            buckets: Buckets {
                ingest: settings.storage.ingest_bucket.clone(),
                proxy: settings.storage.proxy_bucket.clone(),
            },
            uploads: UploadPolicy {
                bucket: settings.storage.ingest_bucket.clone(),
                part_url_ttl: Duration::from_secs(settings.uploads.part_url_ttl_secs),
                abandon_after: Duration::from_secs(settings.uploads.abandon_after_hours * 3600),
            },
            ai_defaults: settings.ai_defaults(),
            stopping: tokio_util::sync::CancellationToken::new(),
            sign_ins: Arc::default(),
            events_poll: settings.server.events == mediaport_wiring::settings::EventsMode::Poll,
        }
    }
}
