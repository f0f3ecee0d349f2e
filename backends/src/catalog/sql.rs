use std::path::Path;

use async_trait::async_trait;
use mediaport_core::{
    AssetFilter, Catalog, CatalogError, CatalogStats, IngestRecord, NewAsset, UploadRecord, UploadState,
};
use mediaport_shared::{AiOptions, AnalysisSummaries, Asset, AssetId, AssetStatus, AssetType, UploadId};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

use super::rows;
use crate::db::{Cells, Db, on_db};

/// The catalog in SQL: one SQLite file, or PostgreSQL shared by servers and workers.
#[derive(Debug, Clone)]
pub struct SqlCatalog {
    pub(super) db: Db,
}

pub(super) use mediaport_core::now_rfc3339 as now;

pub(super) fn db_err(err: sqlx::Error) -> CatalogError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            CatalogError::Unavailable(err.to_string())
        }
        sqlx::Error::Database(db) if db.is_unique_violation() => CatalogError::Conflict(db.message().to_owned()),
        // SQLITE_FULL, and PostgreSQL's disk_full.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("13" | "53100")) => {
            CatalogError::Full(db.message().to_owned())
        }
        other => CatalogError::Other(other.to_string()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CatalogError> {
    serde_json::to_string(value).map_err(|e| CatalogError::Other(e.to_string()))
}

fn to_i64(value: u64, what: &str) -> Result<i64, CatalogError> {
    i64::try_from(value).map_err(|_| CatalogError::Other(format!("{what} out of range")))
}

type Statement<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

fn insert_asset<'q, DB: Database>(asset: &NewAsset, at: &str) -> Result<Statement<'q, DB>, CatalogError>
where
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    Ok(sqlx::query(
        "INSERT INTO assets (id, asset_type, filename, size, md5, status, group_name, attributes, ai_options, \
         bucket, object_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(asset.id.to_string())
    .bind(asset.asset_type.as_str().to_owned())
    .bind(asset.filename.clone())
    .bind(to_i64(asset.size, "size")?)
    .bind(asset.md5.clone())
    .bind(asset.status.as_str().to_owned())
    .bind(asset.group.clone())
    .bind(to_json(&asset.attributes)?)
    .bind(asset.ai_options.as_ref().map(to_json).transpose()?)
    .bind(asset.bucket.clone())
    .bind(asset.key.clone())
    .bind(at.to_owned()))
}

fn insert_upload<'q, DB: Database>(upload: &UploadRecord, at: &str) -> Result<Statement<'q, DB>, CatalogError>
where
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    Ok(sqlx::query(
        "INSERT INTO uploads (id, asset_id, bucket, object_key, storage_upload_id, size, part_size, part_count, \
         md5, created_by, state, created_at, expires_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12)",
    )
    .bind(upload.id.to_string())
    .bind(upload.asset_id.to_string())
    .bind(upload.bucket.clone())
    .bind(upload.key.clone())
    .bind(upload.storage_upload_id.clone())
    .bind(to_i64(upload.size, "size")?)
    .bind(to_i64(upload.part_size, "part size")?)
    .bind(i64::from(upload.part_count))
    .bind(upload.md5.clone())
    .bind(upload.created_by.clone())
    .bind(upload.state.as_str().to_owned())
    .bind(at.to_owned())
    .bind(upload.expires_at.clone()))
}

impl SqlCatalog {
    /// The catalog in `db`, given an instance id on first use.
    pub async fn new(db: Db) -> anyhow::Result<Self> {
        let (id, at) = (uuid::Uuid::new_v4().to_string(), now());
        // Two processes may start on a new database at once: only one row wins (SQLite
        // runs the statement alone; on PostgreSQL a unique index turns the loser away).
        on_db!(&db, |pool| sqlx::query(
            "INSERT INTO instance (id, created_at) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM instance) \
             ON CONFLICT DO NOTHING"
        )
        .bind(&id)
        .bind(&at)
        .execute(pool)
        .await
        .map(drop))?;
        Ok(Self { db })
    }

    /// The embedded default: one SQLite file, created and migrated if needed.
    pub async fn open_sqlite(path: &Path) -> anyhow::Result<Self> {
        Self::new(Db::open_sqlite(path).await?).await
    }

    /// The database, shared with the queue and the local identity provider.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Closes every connection; later calls fail with `catalog-unavailable`.
    pub async fn close(&self) {
        self.db.close().await;
    }

    async fn update_asset(&self, id: &AssetId, changed: u64) -> Result<Asset, CatalogError> {
        if changed == 0 {
            return Err(CatalogError::NotFound { what: "asset", id: id.to_string() });
        }
        self.get_asset(id).await
    }
}

#[async_trait]
impl Catalog for SqlCatalog {
    async fn ping(&self) -> Result<(), CatalogError> {
        on_db!(&self.db, |pool| sqlx::query("SELECT 1").execute(pool).await.map(drop)).map_err(db_err)
    }

    async fn instance_id(&self) -> Result<String, CatalogError> {
        on_db!(&self.db, |pool| sqlx::query_scalar("SELECT id FROM instance").fetch_one(pool).await).map_err(db_err)
    }

    async fn create_asset(&self, asset: NewAsset) -> Result<Asset, CatalogError> {
        let at = now();
        on_db!(&self.db, |pool| insert_asset(&asset, &at)?.execute(pool).await.map(drop)).map_err(db_err)?;
        self.get_asset(&asset.id).await
    }

    async fn find_asset_by_object(&self, bucket: &str, key: &str) -> Result<Option<Asset>, CatalogError> {
        let sql = "SELECT * FROM assets WHERE bucket = $1 AND object_key = $2";
        on_db!(&self.db, |pool| {
            let row = sqlx::query(sql).bind(bucket).bind(key).fetch_optional(pool).await.map_err(db_err)?;
            row.as_ref().map(rows::asset).transpose()
        })
    }

    async fn create_upload(
        &self,
        asset: NewAsset,
        upload: UploadRecord,
    ) -> Result<(Asset, UploadRecord), CatalogError> {
        let at = now();
        let upload = UploadRecord { asset_id: asset.id.clone(), ..upload };
        on_db!(&self.db, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db_err)?;
            insert_asset(&asset, &at)?.execute(&mut *tx).await.map_err(db_err)?;
            insert_upload(&upload, &at)?.execute(&mut *tx).await.map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        })?;
        Ok((self.get_asset(&asset.id).await?, self.get_upload(&upload.id).await?))
    }

    async fn get_upload(&self, id: &UploadId) -> Result<UploadRecord, CatalogError> {
        on_db!(&self.db, |pool| {
            let row = sqlx::query("SELECT * FROM uploads WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
                .map_err(db_err)?
                .ok_or_else(|| CatalogError::NotFound { what: "upload", id: id.to_string() })?;
            rows::upload(&row)
        })
    }

    async fn move_upload(&self, id: &UploadId, from: UploadState, to: UploadState) -> Result<bool, CatalogError> {
        let sql = "UPDATE uploads SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4";
        let at = now();
        let moved = on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(to.as_str()).bind(&at).bind(id.as_str()).bind(from.as_str());
            query.execute(pool).await.map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        Ok(moved == 1)
    }

    async fn finish_upload(
        &self,
        id: &UploadId,
        status: AssetStatus,
        md5: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        let upload = self.get_upload(id).await?;
        let at = now();
        on_db!(&self.db, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db_err)?;
            let moved = sqlx::query(
                "UPDATE uploads SET state = 'completed', updated_at = $1 WHERE id = $2 AND state = 'completing'",
            )
            .bind(&at)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if moved.rows_affected() != 1 {
                return Err(CatalogError::Conflict(format!("upload {id} is not completing")));
            }
            sqlx::query("UPDATE assets SET status = $1, md5 = COALESCE($2, md5), updated_at = $3 WHERE id = $4")
                .bind(status.as_str())
                .bind(md5)
                .bind(&at)
                .bind(upload.asset_id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        })?;
        self.get_asset(&upload.asset_id).await
    }

    async fn abort_upload(&self, id: &UploadId) -> Result<(), CatalogError> {
        let upload = self.get_upload(id).await?;
        let at = now();
        on_db!(&self.db, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db_err)?;
            sqlx::query("UPDATE uploads SET state = 'aborted', updated_at = $1 WHERE id = $2 AND state != 'completed'")
                .bind(&at)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM assets WHERE id = $1 AND status = 'uploading'")
                .bind(upload.asset_id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        })
    }

    async fn stale_uploads(&self, before: &str) -> Result<Vec<UploadRecord>, CatalogError> {
        let sql = "SELECT * FROM uploads WHERE state IN ('open', 'completing') AND created_at < $1 ORDER BY created_at";
        on_db!(&self.db, |pool| {
            let found = sqlx::query(sql).bind(before).fetch_all(pool).await.map_err(db_err)?;
            found.iter().map(rows::upload).collect()
        })
    }

    async fn set_asset_status(
        &self,
        id: &AssetId,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        let sql = "UPDATE assets SET status = $1, error = $2, updated_at = $3 WHERE id = $4";
        let at = now();
        let changed = on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(status.as_str()).bind(error).bind(&at).bind(id.as_str());
            query.execute(pool).await.map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        self.update_asset(id, changed).await
    }

    async fn record_ingest(&self, id: &AssetId, ingest: &IngestRecord) -> Result<Asset, CatalogError> {
        let (technical, outputs, at) = (to_json(&ingest.technical)?, to_json(&ingest.outputs)?, now());
        let duration = ingest.technical.duration_ms.map(|d| to_i64(d, "duration")).transpose()?;
        let changed = on_db!(&self.db, |pool| {
            sqlx::query(
                "UPDATE assets SET sha256 = $1, md5 = COALESCE(md5, $2), duration_ms = $3, technical = $4, \
                 outputs = $5, status = $6, error = NULL, updated_at = $7 WHERE id = $8",
            )
            .bind(&ingest.sha256)
            .bind(&ingest.md5)
            .bind(duration)
            .bind(&technical)
            .bind(&outputs)
            .bind(ingest.status.as_str())
            .bind(&at)
            .bind(id.as_str())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        self.update_asset(id, changed).await
    }

    async fn record_analysis(
        &self,
        id: &AssetId,
        analysis: &AnalysisSummaries,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        let sql = "UPDATE assets SET analysis = $1, status = $2, error = $3, updated_at = $4 WHERE id = $5";
        let (analysis, at) = (to_json(analysis)?, now());
        let changed = on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(&analysis).bind(status.as_str()).bind(error).bind(&at).bind(id.as_str());
            query.execute(pool).await.map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        self.update_asset(id, changed).await
    }

    async fn get_asset(&self, id: &AssetId) -> Result<Asset, CatalogError> {
        on_db!(&self.db, |pool| {
            let row = sqlx::query("SELECT * FROM assets WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
                .map_err(db_err)?
                .ok_or_else(|| CatalogError::NotFound { what: "asset", id: id.to_string() })?;
            rows::asset(&row)
        })
    }

    async fn delete_asset(&self, id: &AssetId, original_kept: bool) -> Result<(), CatalogError> {
        let prefix = mediaport_core::keys::of_asset(id);
        on_db!(&self.db, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db_err)?;
            let people: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT person_id FROM appearances WHERE asset_id = $1 AND person_id IS NOT NULL",
            )
            .bind(id.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            // substr rather than LIKE: ids may hold % and _.
            sqlx::query("DELETE FROM person_exclusions WHERE substr(appearance_id, 1, length($1)) = $1")
                .bind(&prefix)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let original = sqlx::query("SELECT bucket, object_key FROM assets WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?
                .ok_or_else(|| CatalogError::NotFound { what: "asset", id: id.to_string() })?;
            if original_kept {
                sqlx::query(
                    "INSERT INTO deleted_originals (bucket, object_key, deleted_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (bucket, object_key) DO UPDATE SET deleted_at = excluded.deleted_at",
                )
                .bind(original.text("bucket").map_err(db_err)?)
                .bind(original.text("object_key").map_err(db_err)?)
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            sqlx::query("DELETE FROM assets WHERE id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for person in people {
                sqlx::query(
                    "DELETE FROM people WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM appearances WHERE person_id = $1)",
                )
                .bind(&person)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn original_deleted(&self, bucket: &str, key: &str) -> Result<bool, CatalogError> {
        on_db!(&self.db, |pool| {
            let found = sqlx::query("SELECT 1 AS one FROM deleted_originals WHERE bucket = $1 AND object_key = $2")
                .bind(bucket)
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(db_err)?;
            Ok(found.is_some())
        })
    }

    async fn reanalyse(&self, id: &AssetId, options: &AiOptions) -> Result<Asset, CatalogError> {
        // Ingest made the frames and proxies analysis reads: without its outputs there
        // is nothing to analyse again.
        let sql = "UPDATE assets SET ai_options = $1, status = 'analysing', error = NULL, updated_at = $2 \
                   WHERE id = $3 AND outputs IS NOT NULL AND status IN ('ready', 'failed')";
        let (options, at) = (to_json(options)?, now());
        let changed = on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(&options).bind(&at).bind(id.as_str());
            query.execute(pool).await.map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        if changed == 0 {
            let asset = self.get_asset(id).await?;
            return Err(CatalogError::Conflict(format!(
                "{} is {}: only an asset that is ready, or failed after ingest, can be analysed again",
                asset.filename,
                asset.status.as_str()
            )));
        }
        self.get_asset(id).await
    }

    async fn stats(&self, since_day: &str) -> Result<CatalogStats, CatalogError> {
        // SUM over BIGINT is NUMERIC in PostgreSQL: cast back so both engines give integers.
        let groups = "SELECT asset_type, status, COUNT(*) AS assets, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes \
                      FROM assets GROUP BY asset_type, status";
        let analysed = "SELECT CAST(COALESCE(SUM(CASE WHEN analysis IS NOT NULL AND analysis != '{}' \
                        THEN duration_ms END), 0) AS BIGINT) AS ms, \
                        CAST(COALESCE(SUM(proxy_bytes), 0) AS BIGINT) AS made FROM assets";
        let added = "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS assets FROM assets \
                     WHERE created_at >= $1 GROUP BY substr(created_at, 1, 10)";
        let mut stats = CatalogStats::default();
        on_db!(&self.db, |pool| {
            for row in sqlx::query(groups).fetch_all(pool).await.map_err(db_err)? {
                let (asset_type, status) =
                    (row.text("asset_type").map_err(db_err)?, row.text("status").map_err(db_err)?);
                let (Some(asset_type), Some(status)) = (AssetType::parse(&asset_type), AssetStatus::parse(&status))
                else {
                    continue;
                };
                let (assets, bytes) = (row.int("assets").map_err(db_err)?, row.int("bytes").map_err(db_err)?);
                stats.groups.push((asset_type, status, assets as u64, bytes as u64));
            }
            let row = sqlx::query(analysed).fetch_one(pool).await.map_err(db_err)?;
            stats.analysed_ms = row.int("ms").map_err(db_err)? as u64;
            stats.proxy_bytes = row.int("made").map_err(db_err)? as u64;
            for row in sqlx::query(added).bind(since_day).fetch_all(pool).await.map_err(db_err)? {
                stats.added.insert(row.text("day").map_err(db_err)?, row.int("assets").map_err(db_err)? as u64);
            }
            Ok::<_, CatalogError>(())
        })?;
        Ok(stats)
    }

    async fn set_proxy_bytes(&self, id: &AssetId, bytes: u64) -> Result<(), CatalogError> {
        let bytes = to_i64(bytes, "proxy bytes")?;
        let changed = on_db!(&self.db, |pool| {
            let query = sqlx::query("UPDATE assets SET proxy_bytes = $1 WHERE id = $2").bind(bytes).bind(id.as_str());
            query.execute(pool).await.map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        match changed {
            0 => Err(CatalogError::NotFound { what: "asset", id: id.to_string() }),
            _ => Ok(()),
        }
    }

    async fn setting(&self, name: &str) -> Result<Option<String>, CatalogError> {
        on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1").bind(name).fetch_optional(pool).await
        })
        .map_err(db_err)
    }

    async fn save_setting(&self, name: &str, value: &str) -> Result<(), CatalogError> {
        let sql = "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        let at = now();
        on_db!(&self.db, |pool| sqlx::query(sql).bind(name).bind(value).bind(&at).execute(pool).await.map(drop))
            .map_err(db_err)
    }

    async fn list_assets(
        &self,
        filter: &AssetFilter,
        limit: u32,
        after: Option<&AssetId>,
    ) -> Result<Vec<Asset>, CatalogError> {
        let sql = "SELECT * FROM assets WHERE ($1 IS NULL OR (created_at, id) < \
                   (SELECT created_at, id FROM assets WHERE id = $1)) \
                   AND ($3 IS NULL OR asset_type = $3) AND ($4 IS NULL OR status = $4) \
                   ORDER BY created_at DESC, id DESC LIMIT $2";
        on_db!(&self.db, |pool| {
            let found = sqlx::query(sql)
                .bind(after.map(AssetId::as_str))
                .bind(i64::from(limit))
                .bind(filter.asset_type.map(AssetType::as_str))
                .bind(filter.status.map(AssetStatus::as_str))
                .fetch_all(pool)
                .await
                .map_err(db_err)?;
            found.iter().map(rows::asset).collect()
        })
    }
}
