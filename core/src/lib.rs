//! Mediaport's domain: the ports (traits) every adapter implements and the rules that
//! do not depend on any IO crate.

pub mod ports;

pub use ports::catalog::{Catalog, CatalogError, NewAsset};
pub use ports::storage::{ObjectInfo, Storage, StorageError};
