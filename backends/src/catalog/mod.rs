//! The catalog: SQLite in the data folder by default.

mod sqlite;

pub use sqlite::SqliteCatalog;
