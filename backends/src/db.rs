//! The catalog's database: one SQLite file (embedded default) or PostgreSQL (at scale).
//! The catalog and the local identity provider write their SQL once, with `$1`-style
//! parameters that both engines read, and run it on whichever pool is open.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ColumnIndex, Decode, Row, SqlitePool, Type};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// An open, migrated catalog database.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the open pool and `$begin` to the statement that
/// starts a write transaction on that engine. The body is compiled once per engine.
macro_rules! on_db {
    ($db:expr, |$pool:ident, $begin:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => {
                // Take the write lock at once: a deferred transaction that later writes can
                // fail with "database is locked" instead of waiting.
                #[allow(unused_variables)]
                let $begin = "BEGIN IMMEDIATE";
                $body
            }
            $crate::db::Db::Postgres($pool) => {
                #[allow(unused_variables)]
                let $begin = "BEGIN";
                $body
            }
        }
    };
    ($db:expr, |$pool:ident| $body:expr) => {
        on_db!($db, |$pool, _begin| $body)
    };
}
pub(crate) use on_db;

/// Connections a process opens to PostgreSQL unless told otherwise.
pub const POSTGRES_CONNECTIONS: u32 = 16;

impl Db {
    /// Opens `url` (`sqlite://PATH` or `postgres://…`) and applies pending migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        Self::open_sized(url, POSTGRES_CONNECTIONS).await
    }

    /// As [`Db::open`], with at most `connections` to PostgreSQL (many small processes,
    /// such as Lambda functions, each need few).
    pub async fn open_sized(url: &str, connections: u32) -> anyhow::Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Self::open_sqlite(Path::new(path)).await;
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::open_postgres(url, connections).await;
        }
        anyhow::bail!("catalog.url must start with sqlite:// or postgres://")
    }

    /// Opens (creating if needed) one SQLite file.
    pub async fn open_sqlite(path: &Path) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Self::Sqlite(pool))
    }

    pub async fn open_postgres(url: &str, connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .context("cannot connect to PostgreSQL")?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self::Postgres(pool))
    }

    /// Closes every connection; later calls fail as unavailable.
    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await);
    }
}

/// Typed reads of a result row's columns, whichever engine it came from.
pub(crate) trait Cells {
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn maybe_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn maybe_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn bytes(&self, column: &str) -> Result<Vec<u8>, sqlx::Error>;

    /// A typed id (`AssetId`, `JobId`...) kept as text.
    fn id<Id: From<String>>(&self, column: &str) -> Result<Id, sqlx::Error> {
        self.text(column).map(Id::from)
    }

    fn maybe_id<Id: From<String>>(&self, column: &str) -> Result<Option<Id>, sqlx::Error> {
        Ok(self.maybe_text(column)?.map(Id::from))
    }
}

impl<R> Cells for R
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> Result<String, sqlx::Error> {
        self.try_get(column)
    }

    fn maybe_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }

    fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
        self.try_get(column)
    }

    fn maybe_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }

    fn bytes(&self, column: &str) -> Result<Vec<u8>, sqlx::Error> {
        self.try_get(column)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The migrations' file names in one engine's folder.
    fn migrations(engine: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
        std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect()
    }

    /// The engines' histories were numbered apart up to `0013` (SQLite) and `0010`
    /// (PostgreSQL), and databases hold those numbers, so they stay. Every later change is
    /// one migration with one number and one name on both engines.
    #[test]
    fn migrations_after_the_split_share_numbers_and_names() {
        let later = |engine| -> BTreeSet<String> {
            migrations(engine).into_iter().filter(|name| name.as_str() >= "0014").collect()
        };
        assert_eq!(later("sqlite"), later("postgres"));
    }
}
