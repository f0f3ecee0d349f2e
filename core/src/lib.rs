//! Mediaport's domain: the ports (traits) every adapter implements and the rules that
//! do not depend on any IO crate.

pub mod ports;
pub mod users;

pub use ports::catalog::{AssetFilter, Catalog, CatalogError, NewAsset};
pub use ports::identity::{Identity, IdentityError, NewUser, Principal, Session};
pub use ports::storage::{ObjectInfo, Storage, StorageError};
