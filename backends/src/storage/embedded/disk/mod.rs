//! The embedded endpoint's storage engine: object bytes in immutable blob files, and an
//! SQLite index of buckets, objects, multipart uploads and their parts.
//!
//! A blob is written once under a fresh name and never changed, so replacing an object
//! is a swap of index rows in one transaction. A crash leaves at worst a file in `tmp/`
//! or a blob no row references, and both are removed when the store opens. A completed
//! multipart object is the list of its parts' blobs: completing a 1 GiB upload moves
//! rows, not bytes.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

pub use super::error::DiskError;
pub use blobs::MAX_BLOB;
pub use uploads::Completion;

mod blobs;
mod uploads;

#[cfg(test)]
mod tests;

const SCHEMA: &str = include_str!("schema.sql");

/// One stretch of an object's bytes: a whole blob file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub blob: String,
    pub size: u64,
}

/// Headers a client set when it wrote an object (or started its multipart upload), given
/// back on GET and HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHeaders {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    /// `Expires`, as the HTTP date it was sent as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// An object as the index knows it.
#[derive(Debug, Clone)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub content_type: Option<String>,
    pub metadata: std::collections::HashMap<String, String>,
    /// Unix milliseconds.
    pub last_modified: i64,
    pub segments: Vec<Segment>,
    pub parts_count: Option<u32>,
    pub headers: StoredHeaders,
}

/// A part of an open multipart upload.
#[derive(Debug, Clone)]
pub struct PartMeta {
    pub part_number: u32,
    pub size: u64,
    pub etag: String,
    pub md5: [u8; 16],
    pub blob: String,
    pub last_modified: i64,
}

/// An open multipart upload.
#[derive(Debug, Clone)]
pub struct UploadMeta {
    pub upload_id: String,
    pub bucket: String,
    pub key: String,
    pub content_type: Option<String>,
    pub metadata: std::collections::HashMap<String, String>,
    pub initiated: i64,
    pub headers: StoredHeaders,
}

/// What a finished write produced.
#[derive(Debug, Clone)]
pub struct Written {
    pub blob: String,
    pub size: u64,
    pub md5: [u8; 16],
}

/// The engine: a folder of blobs and the index beside them.
#[derive(Debug, Clone)]
pub struct DiskStore {
    root: PathBuf,
    pub(super) db: SqlitePool,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn decode<T>(result: Result<T, sqlx::Error>) -> Result<T, DiskError> {
    result.map_err(DiskError::from)
}

impl DiskStore {
    /// Opens (creating if needed) the store under `root`.
    pub async fn open(root: &Path) -> Result<Self, DiskError> {
        for dir in ["blobs", "tmp"] {
            std::fs::create_dir_all(root.join(dir))?;
        }
        // Half-written blobs of a previous run: nothing references them.
        if let Ok(entries) = std::fs::read_dir(root.join("tmp")) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", root.join("index.db").display()))
            .map_err(DiskError::from)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        let db = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::raw_sql(SCHEMA).execute(&db).await?;
        for table in ["objects", "uploads"] {
            add_column(&db, table, "headers", "TEXT").await?;
        }
        let store = Self { root: root.to_owned(), db };
        let orphans = store.remove_orphans().await?;
        if orphans > 0 {
            tracing::info!(orphans, "removed blob files left by an interrupted change");
        }
        Ok(store)
    }

    // Every write transaction starts with BEGIN IMMEDIATE: a deferred one that reads and
    // then writes fails at once with SQLITE_BUSY when another writer got in between,
    // instead of waiting for the busy timeout.

    pub fn blob_path(&self, blob: &str) -> PathBuf {
        self.root.join("blobs").join(&blob[..2]).join(blob)
    }

    // Buckets

    pub async fn create_bucket(&self, bucket: &str) -> Result<bool, DiskError> {
        let done = sqlx::query("INSERT OR IGNORE INTO buckets (name, created_at) VALUES (?, ?)")
            .bind(bucket)
            .bind(now_ms())
            .execute(&self.db)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn bucket_exists(&self, bucket: &str) -> Result<bool, DiskError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM buckets WHERE name = ?").bind(bucket).fetch_optional(&self.db).await?;
        Ok(found.is_some())
    }

    pub async fn require_bucket(&self, bucket: &str) -> Result<(), DiskError> {
        if self.bucket_exists(bucket).await? { Ok(()) } else { Err(DiskError::NoSuchBucket(bucket.to_owned())) }
    }

    pub async fn list_buckets(&self) -> Result<Vec<(String, i64)>, DiskError> {
        let rows = sqlx::query("SELECT name, created_at FROM buckets ORDER BY name").fetch_all(&self.db).await?;
        rows.iter().map(|r| Ok((decode(r.try_get("name"))?, decode(r.try_get("created_at"))?))).collect()
    }

    /// Removes an empty bucket.
    pub async fn delete_bucket(&self, bucket: &str) -> Result<(), DiskError> {
        self.require_bucket(bucket).await?;
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        let objects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM objects WHERE bucket = ?")
            .bind(bucket)
            .fetch_one(&mut *tx)
            .await?;
        if objects > 0 {
            return Err(DiskError::BucketNotEmpty(bucket.to_owned()));
        }
        sqlx::query("DELETE FROM buckets WHERE name = ?").bind(bucket).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    // Objects

    pub async fn get_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, DiskError> {
        self.require_bucket(bucket).await?;
        let row = sqlx::query("SELECT * FROM objects WHERE bucket = ? AND key = ?")
            .bind(bucket)
            .bind(key)
            .fetch_optional(&self.db)
            .await?
            .ok_or_else(|| DiskError::NoSuchKey(key.to_owned()))?;
        object_from_row(&row)
    }

    /// Makes `object` the current version of its key; returns the blobs it replaced.
    pub async fn put_object(&self, bucket: &str, object: &ObjectMeta) -> Result<(), DiskError> {
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        let old = replace_object(&mut tx, bucket, object).await?;
        tx.commit().await?;
        self.remove_blobs(&old).await;
        Ok(())
    }

    /// Removes an object; a missing one is no error.
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), DiskError> {
        self.require_bucket(bucket).await?;
        let segments: Option<String> =
            sqlx::query_scalar("DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING segments")
                .bind(bucket)
                .bind(key)
                .fetch_optional(&self.db)
                .await?;
        if let Some(segments) = segments {
            self.remove_blobs(&blobs_of(&segments)?).await;
        }
        Ok(())
    }

    /// Keys after `after` (exclusive) starting with `prefix`, in key order, at most `limit`.
    pub async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        after: &str,
        limit: u32,
    ) -> Result<Vec<ObjectMeta>, DiskError> {
        // The range bounds let SQLite walk the primary key from the prefix and stop at
        // its end; U+10FFFF sorts after any character a key holds.
        let end = (!prefix.is_empty()).then(|| format!("{prefix}\u{10FFFF}"));
        let rows = sqlx::query(
            "SELECT * FROM objects WHERE bucket = ?1 AND key > ?2 AND key >= ?3 AND (?5 IS NULL OR key < ?5) \
             AND substr(key, 1, length(?3)) = ?3 ORDER BY key LIMIT ?4",
        )
        .bind(bucket)
        .bind(after)
        .bind(prefix)
        .bind(i64::from(limit))
        .bind(end)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(object_from_row).collect()
    }
}

/// Writes `object` over whatever its key held and returns the blobs no longer used.
async fn replace_object(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    bucket: &str,
    object: &ObjectMeta,
) -> Result<Vec<String>, DiskError> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM buckets WHERE name = ?").bind(bucket).fetch_optional(&mut **tx).await?;
    if exists.is_none() {
        return Err(DiskError::NoSuchBucket(bucket.to_owned()));
    }
    let old: Option<String> = sqlx::query_scalar("SELECT segments FROM objects WHERE bucket = ? AND key = ?")
        .bind(bucket)
        .bind(&object.key)
        .fetch_optional(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT OR REPLACE INTO objects (bucket, key, size, etag, content_type, metadata, last_modified, segments, \
         parts_count, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(bucket)
    .bind(&object.key)
    .bind(object.size as i64)
    .bind(&object.etag)
    .bind(&object.content_type)
    .bind(serde_json::to_string(&object.metadata).unwrap_or_default())
    .bind(object.last_modified)
    .bind(serde_json::to_string(&object.segments).unwrap_or_default())
    .bind(object.parts_count.map(i64::from))
    .bind(headers_text(&object.headers))
    .execute(&mut **tx)
    .await?;
    match old {
        Some(segments) => blobs_of(&segments),
        None => Ok(Vec::new()),
    }
}

/// Adds a column that stores made before it existed lack.
async fn add_column(db: &SqlitePool, table: &str, column: &str, kind: &str) -> Result<(), DiskError> {
    let columns: Vec<String> =
        sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')")).fetch_all(db).await?;
    if !columns.iter().any(|c| c == column) {
        sqlx::raw_sql(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}")).execute(db).await?;
    }
    Ok(())
}

fn blobs_of(segments: &str) -> Result<Vec<String>, DiskError> {
    let segments: Vec<Segment> = serde_json::from_str(segments).map_err(|e| DiskError::Corrupt(e.to_string()))?;
    Ok(segments.into_iter().map(|s| s.blob).collect())
}

fn object_from_row(row: &SqliteRow) -> Result<ObjectMeta, DiskError> {
    let metadata: String = decode(row.try_get("metadata"))?;
    let segments: String = decode(row.try_get("segments"))?;
    Ok(ObjectMeta {
        key: decode(row.try_get("key"))?,
        size: decode(row.try_get::<i64, _>("size"))? as u64,
        etag: decode(row.try_get("etag"))?,
        content_type: decode(row.try_get("content_type"))?,
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        last_modified: decode(row.try_get("last_modified"))?,
        segments: serde_json::from_str(&segments).map_err(|e| DiskError::Corrupt(e.to_string()))?,
        parts_count: decode(row.try_get::<Option<i64>, _>("parts_count"))?.map(|n| n as u32),
        headers: headers_from_row(row)?,
    })
}

fn headers_from_row(row: &SqliteRow) -> Result<StoredHeaders, DiskError> {
    let text: Option<String> = decode(row.try_get("headers"))?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
}

fn headers_text(headers: &StoredHeaders) -> Option<String> {
    (*headers != StoredHeaders::default()).then(|| serde_json::to_string(headers).unwrap_or_default())
}

fn upload_from_row(row: &SqliteRow) -> Result<UploadMeta, DiskError> {
    let metadata: String = decode(row.try_get("metadata"))?;
    Ok(UploadMeta {
        upload_id: decode(row.try_get("upload_id"))?,
        bucket: decode(row.try_get("bucket"))?,
        key: decode(row.try_get("key"))?,
        content_type: decode(row.try_get("content_type"))?,
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        initiated: decode(row.try_get("initiated"))?,
        headers: headers_from_row(row)?,
    })
}

fn part_from_row(row: &SqliteRow) -> Result<PartMeta, DiskError> {
    let md5: Vec<u8> = decode(row.try_get("md5"))?;
    Ok(PartMeta {
        part_number: decode(row.try_get::<i64, _>("part_number"))? as u32,
        size: decode(row.try_get::<i64, _>("size"))? as u64,
        etag: decode(row.try_get("etag"))?,
        md5: md5.try_into().map_err(|_| DiskError::Corrupt("a part's md5 is not 16 bytes".into()))?,
        blob: decode(row.try_get("blob"))?,
        last_modified: decode(row.try_get("last_modified"))?,
    })
}

pub(super) fn new_upload_meta(bucket: &str, key: &str, content_type: Option<String>) -> UploadMeta {
    UploadMeta {
        upload_id: uuid::Uuid::new_v4().simple().to_string(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        content_type,
        metadata: Default::default(),
        initiated: now_ms(),
        headers: StoredHeaders::default(),
    }
}

pub(super) fn timestamp_ms() -> i64 {
    now_ms()
}
