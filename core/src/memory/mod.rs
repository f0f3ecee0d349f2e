//! Adapters that keep everything in memory, for fast tests of the use cases. Each passes
//! its port's suite in `backends::testing`, as the real adapters do. `MemoryCatalog` is
//! also the people and face catalog, as the SQL catalog is: deleting an asset takes its
//! appearances with it.

mod catalog;
mod faces;
mod identity;
mod people;
mod queue;
mod search;
mod storage;
mod vectors;

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
