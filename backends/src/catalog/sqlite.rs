use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use mediaport_core::{AssetFilter, Catalog, CatalogError, NewAsset};
use mediaport_shared::{Asset, AssetStatus, AssetType};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The catalog in one SQLite file, migrated on open.
#[derive(Debug, Clone)]
pub struct SqliteCatalog {
    pool: SqlitePool,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn db_err(err: sqlx::Error) -> CatalogError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            CatalogError::Unavailable(err.to_string())
        }
        sqlx::Error::Database(db) if db.is_unique_violation() => CatalogError::Conflict(db.message().to_owned()),
        other => CatalogError::Other(other.to_string()),
    }
}

impl SqliteCatalog {
    /// Opens (creating if needed) the catalog file and applies pending migrations.
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATIONS.run(&pool).await?;
        sqlx::query("INSERT INTO instance (id, created_at) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM instance)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(now())
            .execute(&pool)
            .await?;
        Ok(Self { pool })
    }

    /// The connection pool, shared with the local identity provider.
    pub fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }

    /// Closes every connection; later calls fail with `catalog-unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn asset_from_row(row: &SqliteRow) -> Result<Asset, CatalogError> {
    let decode = |e: sqlx::Error| CatalogError::Other(e.to_string());
    let asset_type: String = row.try_get("asset_type").map_err(decode)?;
    let status: String = row.try_get("status").map_err(decode)?;
    let attributes: String = row.try_get("attributes").map_err(decode)?;
    Ok(Asset {
        id: row.try_get("id").map_err(decode)?,
        asset_type: AssetType::parse(&asset_type)
            .ok_or_else(|| CatalogError::Other(format!("unknown asset type {asset_type}")))?,
        filename: row.try_get("filename").map_err(decode)?,
        size: row.try_get::<i64, _>("size").map_err(decode)? as u64,
        md5: row.try_get("md5").map_err(decode)?,
        sha256: row.try_get("sha256").map_err(decode)?,
        status: AssetStatus::parse(&status).ok_or_else(|| CatalogError::Other(format!("unknown status {status}")))?,
        group: row.try_get("group_name").map_err(decode)?,
        attributes: serde_json::from_str(&attributes).map_err(|e| CatalogError::Other(e.to_string()))?,
        bucket: row.try_get("bucket").map_err(decode)?,
        key: row.try_get("object_key").map_err(decode)?,
        created_at: row.try_get("created_at").map_err(decode)?,
        duration_ms: row.try_get::<Option<i64>, _>("duration_ms").map_err(decode)?.map(|d| d as u64),
    })
}

#[async_trait]
impl Catalog for SqliteCatalog {
    async fn ping(&self) -> Result<(), CatalogError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    async fn instance_id(&self) -> Result<String, CatalogError> {
        sqlx::query_scalar("SELECT id FROM instance").fetch_one(&self.pool).await.map_err(db_err)
    }

    async fn create_asset(&self, asset: NewAsset) -> Result<Asset, CatalogError> {
        // Time-ordered ids: assets made in the same millisecond still list in creation order.
        let id = uuid::Uuid::now_v7().to_string();
        let created = now();
        let attributes = serde_json::to_string(&asset.attributes).map_err(|e| CatalogError::Other(e.to_string()))?;
        let size = i64::try_from(asset.size).map_err(|_| CatalogError::Other("size out of range".into()))?;
        sqlx::query(
            "INSERT INTO assets (id, asset_type, filename, size, md5, status, group_name, attributes, bucket, \
             object_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(asset.asset_type.as_str())
        .bind(&asset.filename)
        .bind(size)
        .bind(&asset.md5)
        .bind(asset.status.as_str())
        .bind(&asset.group)
        .bind(attributes)
        .bind(&asset.bucket)
        .bind(&asset.key)
        .bind(&created)
        .bind(&created)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        self.get_asset(&id).await
    }

    async fn get_asset(&self, id: &str) -> Result<Asset, CatalogError> {
        let row = sqlx::query("SELECT * FROM assets WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| CatalogError::NotFound { what: "asset", id: id.to_owned() })?;
        asset_from_row(&row)
    }

    async fn list_assets(
        &self,
        filter: &AssetFilter,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Vec<Asset>, CatalogError> {
        let rows = sqlx::query(
            "SELECT * FROM assets WHERE (?1 IS NULL OR (created_at, id) < \
             (SELECT created_at, id FROM assets WHERE id = ?1)) \
             AND (?3 IS NULL OR asset_type = ?3) AND (?4 IS NULL OR status = ?4) \
             ORDER BY created_at DESC, id DESC LIMIT ?2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .bind(filter.asset_type.map(AssetType::as_str))
        .bind(filter.status.map(AssetStatus::as_str))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(asset_from_row).collect()
    }
}
