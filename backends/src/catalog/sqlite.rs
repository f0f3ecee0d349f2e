use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use mediaport_core::{AssetFilter, Catalog, CatalogError, IngestRecord, NewAsset, UploadRecord, UploadState};
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
        ai_options: row
            .try_get::<Option<String>, _>("ai_options")
            .map_err(decode)?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| CatalogError::Other(e.to_string()))?,
        error: row.try_get("error").map_err(decode)?,
        technical: json_column(row, "technical")?,
        outputs: json_column(row, "outputs")?,
    })
}

fn json_column<T: serde::de::DeserializeOwned>(row: &SqliteRow, column: &str) -> Result<Option<T>, CatalogError> {
    let text: Option<String> = row.try_get(column).map_err(|e| CatalogError::Other(e.to_string()))?;
    text.map(|t| serde_json::from_str(&t)).transpose().map_err(|e| CatalogError::Other(format!("{column}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CatalogError> {
    serde_json::to_string(value).map_err(|e| CatalogError::Other(e.to_string()))
}

fn upload_from_row(row: &SqliteRow) -> Result<UploadRecord, CatalogError> {
    let decode = |e: sqlx::Error| CatalogError::Other(e.to_string());
    let state: String = row.try_get("state").map_err(decode)?;
    Ok(UploadRecord {
        id: row.try_get("id").map_err(decode)?,
        asset_id: row.try_get("asset_id").map_err(decode)?,
        bucket: row.try_get("bucket").map_err(decode)?,
        key: row.try_get("object_key").map_err(decode)?,
        storage_upload_id: row.try_get("storage_upload_id").map_err(decode)?,
        size: row.try_get::<i64, _>("size").map_err(decode)? as u64,
        part_size: row.try_get::<i64, _>("part_size").map_err(decode)? as u64,
        part_count: row.try_get::<i64, _>("part_count").map_err(decode)? as u32,
        md5: row.try_get("md5").map_err(decode)?,
        created_by: row.try_get("created_by").map_err(decode)?,
        state: UploadState::parse(&state)
            .ok_or_else(|| CatalogError::Other(format!("unknown upload state {state}")))?,
        created_at: row.try_get("created_at").map_err(decode)?,
        expires_at: row.try_get("expires_at").map_err(decode)?,
    })
}

fn to_i64(value: u64, what: &str) -> Result<i64, CatalogError> {
    i64::try_from(value).map_err(|_| CatalogError::Other(format!("{what} out of range")))
}

async fn insert_asset<'c, E>(db: E, asset: &NewAsset) -> Result<(), CatalogError>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    let created = now();
    let attributes = serde_json::to_string(&asset.attributes).map_err(|e| CatalogError::Other(e.to_string()))?;
    let ai_options = asset.ai_options.as_ref().map(|o| o.to_string());
    sqlx::query(
        "INSERT INTO assets (id, asset_type, filename, size, md5, status, group_name, attributes, ai_options, \
         bucket, object_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&asset.id)
    .bind(asset.asset_type.as_str())
    .bind(&asset.filename)
    .bind(to_i64(asset.size, "size")?)
    .bind(&asset.md5)
    .bind(asset.status.as_str())
    .bind(&asset.group)
    .bind(attributes)
    .bind(ai_options)
    .bind(&asset.bucket)
    .bind(&asset.key)
    .bind(&created)
    .bind(&created)
    .execute(db)
    .await
    .map_err(db_err)?;
    Ok(())
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
        insert_asset(&self.pool, &asset).await?;
        self.get_asset(&asset.id).await
    }

    async fn find_asset_by_object(&self, bucket: &str, key: &str) -> Result<Option<Asset>, CatalogError> {
        let row = sqlx::query("SELECT * FROM assets WHERE bucket = ? AND object_key = ?")
            .bind(bucket)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(asset_from_row).transpose()
    }

    async fn create_upload(
        &self,
        asset: NewAsset,
        upload: UploadRecord,
    ) -> Result<(Asset, UploadRecord), CatalogError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        insert_asset(&mut *tx, &asset).await?;
        let created = now();
        sqlx::query(
            "INSERT INTO uploads (id, asset_id, bucket, object_key, storage_upload_id, size, part_size, part_count, \
             md5, created_by, state, created_at, expires_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&upload.id)
        .bind(&asset.id)
        .bind(&upload.bucket)
        .bind(&upload.key)
        .bind(&upload.storage_upload_id)
        .bind(to_i64(upload.size, "size")?)
        .bind(to_i64(upload.part_size, "part size")?)
        .bind(i64::from(upload.part_count))
        .bind(&upload.md5)
        .bind(&upload.created_by)
        .bind(upload.state.as_str())
        .bind(&created)
        .bind(&upload.expires_at)
        .bind(&created)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok((self.get_asset(&asset.id).await?, self.get_upload(&upload.id).await?))
    }

    async fn get_upload(&self, id: &str) -> Result<UploadRecord, CatalogError> {
        let row = sqlx::query("SELECT * FROM uploads WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| CatalogError::NotFound { what: "upload", id: id.to_owned() })?;
        upload_from_row(&row)
    }

    async fn move_upload(&self, id: &str, from: UploadState, to: UploadState) -> Result<bool, CatalogError> {
        let done = sqlx::query("UPDATE uploads SET state = ?, updated_at = ? WHERE id = ? AND state = ?")
            .bind(to.as_str())
            .bind(now())
            .bind(id)
            .bind(from.as_str())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_upload(&self, id: &str, status: AssetStatus, md5: Option<&str>) -> Result<Asset, CatalogError> {
        let upload = self.get_upload(id).await?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let at = now();
        let moved =
            sqlx::query("UPDATE uploads SET state = 'completed', updated_at = ? WHERE id = ? AND state = 'completing'")
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        if moved.rows_affected() != 1 {
            return Err(CatalogError::Conflict(format!("upload {id} is not completing")));
        }
        sqlx::query("UPDATE assets SET status = ?, md5 = COALESCE(?, md5), updated_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(md5)
            .bind(&at)
            .bind(&upload.asset_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        self.get_asset(&upload.asset_id).await
    }

    async fn abort_upload(&self, id: &str) -> Result<(), CatalogError> {
        let upload = self.get_upload(id).await?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query("UPDATE uploads SET state = 'aborted', updated_at = ? WHERE id = ? AND state != 'completed'")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("DELETE FROM assets WHERE id = ? AND status = 'uploading'")
            .bind(&upload.asset_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn stale_uploads(&self, before: &str) -> Result<Vec<UploadRecord>, CatalogError> {
        let rows = sqlx::query(
            "SELECT * FROM uploads WHERE state IN ('open', 'completing') AND created_at < ? ORDER BY created_at",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(upload_from_row).collect()
    }

    async fn set_asset_status(
        &self,
        id: &str,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        let done = sqlx::query("UPDATE assets SET status = ?, error = ?, updated_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(error)
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(CatalogError::NotFound { what: "asset", id: id.to_owned() });
        }
        self.get_asset(id).await
    }

    async fn record_ingest(&self, id: &str, ingest: &IngestRecord) -> Result<Asset, CatalogError> {
        let done = sqlx::query(
            "UPDATE assets SET sha256 = ?, md5 = COALESCE(md5, ?), duration_ms = ?, technical = ?, outputs = ?, \
             status = ?, error = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(&ingest.sha256)
        .bind(&ingest.md5)
        .bind(ingest.technical.duration_ms.map(|d| d as i64))
        .bind(to_json(&ingest.technical)?)
        .bind(to_json(&ingest.outputs)?)
        .bind(ingest.status.as_str())
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(CatalogError::NotFound { what: "asset", id: id.to_owned() });
        }
        self.get_asset(id).await
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
