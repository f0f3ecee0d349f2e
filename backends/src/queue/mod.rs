//! The work queue: a table in the catalog's SQLite file by default, PostgreSQL at scale.

mod postgres;
mod sqlite;

pub use postgres::PostgresQueue;
pub use sqlite::SqliteQueue;
