//! Adapters that keep everything in memory, for fast tests of the use cases. Each passes
//! its port's suite in `backends::testing`, as the real adapters do. `MemoryCatalog` is
//! also the people and face catalog, as the SQL catalog is: deleting an asset takes its
//! appearances with it.

mod catalog;
mod corrections;
mod faces;
mod identity;
mod notes;
mod people;
mod queue;
mod search;
mod shares;
mod storage;
mod vectors;

use mediaport_shared::{Asset, AssetStatus, AssetType};

pub use catalog::MemoryCatalog;
pub use identity::MemoryIdentity;
pub use queue::MemoryQueue;
pub use search::MemorySearch;
pub use storage::MemoryStorage;
pub use vectors::MemoryVectors;

/// Runs `f` on what the mutex guards. A test that panicked while holding the lock left
/// the state as it was: it is used as it is.
fn locked<S, T>(mutex: &std::sync::Mutex<S>, f: impl FnOnce(&mut S) -> T) -> T {
    let mut state = mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut state)
}

/// An asset record as a use case's test needs one: a video, `clip.mp4`, in `status`.
pub fn asset(status: AssetStatus) -> Asset {
    let id = crate::new_id();
    Asset {
        key: crate::keys::original(&id, "clip.mp4"),
        id,
        asset_type: AssetType::Video,
        filename: "clip.mp4".into(),
        size: 10,
        md5: None,
        sha256: None,
        status,
        group: None,
        attributes: Default::default(),
        bucket: "ingest".into(),
        created_at: "2026-12-03T12:00:00.000Z".into(),
        duration_ms: None,
        ai_options: None,
        error: None,
        technical: None,
        outputs: None,
        analysis: Default::default(),
    }
}
