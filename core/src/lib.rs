//! Mediaport's domain: the ports (traits) every adapter implements and the rules that
//! do not depend on any IO crate.

pub mod analysis;
pub mod cleanup;
pub mod corrections;
pub mod error;
pub mod faces;
pub mod keys;
#[cfg(any(test, feature = "testing"))]
pub mod memory;
pub mod notes;
pub mod notify;
pub mod people;
pub mod ports;
pub mod reanalysis;
pub mod registration;
pub mod removal;
pub mod results;
pub mod search;
pub mod settings;
pub mod shares;
pub mod stats;
pub mod uploads;
pub mod users;
pub mod validate;
pub mod workflow;

pub use error::{ErrorKind, ServiceError};
pub use ports::catalog::{
    AssetFilter, Catalog, CatalogError, CatalogStats, IngestRecord, NewAsset, UploadRecord, UploadState,
};
pub use ports::corrections::CorrectionLog;
pub use ports::faces::{FaceCatalog, FaceReadError, FaceReader, FaceRecord, ReadFace};
pub use ports::identity::{Identity, IdentityError, NewUser, Principal, Session};
pub use ports::notes::NoteLog;
pub use ports::notifier::{Notifier, NotifyError};
pub use ports::people::{AppearanceRecord, Named, PeopleCatalog, PersonRecord};
pub use ports::queue::{Job, JobFilter, JobKind, JobStatus, NewJob, ObjectLocation, Queue, QueueError, Task, backoff};
pub use ports::search::{
    AssetDocument, BULK_DOCUMENTS, DocumentBatches, FACET_VALUES, FACETS, IndexedName, IndexedSentence, SearchError,
    SearchIndex, SearchPage, SearchRequest, facet_of, most_frequent,
};
pub use ports::shares::ShareLog;
pub use ports::storage::{Availability, MultipartInfo, ObjectInfo, ObjectStream, PartInfo, Storage, StorageError};
pub use ports::vectors::{EncodeError, Neighbour, SentenceEncoder, VectorError, VectorIndex, batch_length};

/// A time as records keep it: RFC 3339 in UTC to the millisecond
/// (`2026-12-03T12:47:10.123Z`), which sorts as text in time order.
pub fn rfc3339(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Now, as records keep it (see [`rfc3339`]).
pub fn now_rfc3339() -> String {
    rfc3339(chrono::Utc::now())
}

/// A new time-ordered id of any kind (`let id: AssetId = new_id()`): records made in the
/// same millisecond still sort in creation order.
pub fn new_id<Id: From<String>>() -> Id {
    Id::from(uuid::Uuid::now_v7().to_string())
}
