//! Adapters that keep everything in memory, for fast tests of the use cases. Each passes
//! its port's suite in `backends::testing`, as the real adapters do.

mod catalog;
mod queue;
mod storage;

pub use catalog::MemoryCatalog;
pub use queue::MemoryQueue;
pub use storage::MemoryStorage;
