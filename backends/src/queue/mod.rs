//! The work queue: a table in the catalog's SQLite file by default, PostgreSQL at scale.

mod postgres;
mod sqlite;

pub use postgres::PostgresQueue;
pub use sqlite::SqliteQueue;

/// The queue in the catalog's database: a table beside the catalog's, on either engine.
pub fn in_db(db: &crate::db::Db) -> std::sync::Arc<dyn mediaport_core::Queue> {
    match db {
        crate::db::Db::Sqlite(pool) => std::sync::Arc::new(SqliteQueue::new(pool.clone())),
        crate::db::Db::Postgres(pool) => std::sync::Arc::new(PostgresQueue::new(pool.clone())),
    }
}

// Helpers both adapters share: times as the tables store them, and sqlx errors as queue errors.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use mediaport_core::QueueError;

pub(super) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub(super) fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2)
}

pub(super) fn db_err(err: sqlx::Error) -> QueueError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            QueueError::Unavailable(err.to_string())
        }
        other => QueueError::Other(other.to_string()),
    }
}
