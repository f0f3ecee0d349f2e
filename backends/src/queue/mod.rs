//! The work queue: a table in the catalog's SQLite file by default.

mod sqlite;

pub use sqlite::SqliteQueue;
