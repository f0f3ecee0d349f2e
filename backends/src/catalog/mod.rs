//! The catalog: SQLite in the data folder by default, PostgreSQL at scale.

mod faces;
mod rows;
mod sql;

pub use sql::SqlCatalog;
