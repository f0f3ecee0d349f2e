//! The catalog: SQLite in the data folder by default, PostgreSQL at scale.

mod corrections;
mod faces;
mod notes;
mod people;
mod rows;
mod shares;
mod sql;

pub use sql::SqlCatalog;
