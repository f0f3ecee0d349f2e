//! The embedded endpoint's storage engine: object bytes in immutable blob files, and an
//! SQLite index of buckets, objects, multipart uploads and their parts.
//!
//! A blob is written once under a fresh name and never changed, so replacing an object
//! is a swap of index rows in one transaction, and a crash mid-write leaves at worst an
//! unreferenced file in `tmp/`. A completed multipart object is the list of its parts'
//! blobs: completing a 1 GiB upload moves rows, not bytes.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures::{Stream, StreamExt};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use super::error::DiskError;

const SCHEMA: &str = include_str!("schema.sql");

/// One stretch of an object's bytes: a whole blob file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub blob: String,
    pub size: u64,
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
        Ok(Self { root: root.to_owned(), db })
    }

    // Every write transaction starts with BEGIN IMMEDIATE: a deferred one that reads and
    // then writes fails at once with SQLITE_BUSY when another writer got in between,
    // instead of waiting for the busy timeout.

    pub fn blob_path(&self, blob: &str) -> PathBuf {
        self.root.join("blobs").join(&blob[..2]).join(blob)
    }

    /// Streams `body` into a new blob, hashing it on the way; the hashing and file writes
    /// run on a blocking thread so the async runtime keeps serving other requests.
    pub async fn write_blob<S, E>(&self, mut body: S) -> Result<Written, DiskError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let blob = uuid::Uuid::new_v4().simple().to_string();
        let tmp = self.root.join("tmp").join(&blob);
        let dest = self.blob_path(&blob);
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, [u8; 16])> {
            use std::io::Write;
            let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
            let mut hasher = Md5::new();
            let mut size = 0u64;
            while let Some(chunk) = rx.blocking_recv() {
                hasher.update(&chunk);
                file.write_all(&chunk)?;
                size += chunk.len() as u64;
            }
            let file = file.into_inner().map_err(|e| e.into_error())?;
            file.sync_data()?;
            std::fs::create_dir_all(dest.parent().expect("blob paths have a parent"))?;
            std::fs::rename(&tmp, &dest)?;
            Ok((size, hasher.finalize().into()))
        });
        let mut failure = None;
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(chunk) => {
                    if tx.send(chunk).await.is_err() {
                        break;
                    }
                }
                Err(err) => {
                    failure = Some(err.to_string());
                    break;
                }
            }
        }
        drop(tx);
        let written = writer.await.map_err(|e| DiskError::Io(std::io::Error::other(e)))?;
        if let Some(reason) = failure {
            if written.is_ok() {
                self.remove_blobs(std::slice::from_ref(&blob)).await;
            }
            return Err(DiskError::Body(reason));
        }
        let (size, md5) = written?;
        Ok(Written { blob, size, md5 })
    }

    /// A new blob holding the same bytes (a hard link when the file system allows).
    pub async fn clone_blob(&self, blob: &str) -> Result<String, DiskError> {
        let copy = uuid::Uuid::new_v4().simple().to_string();
        let (from, to) = (self.blob_path(blob), self.blob_path(&copy));
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(to.parent().expect("blob paths have a parent"))?;
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| DiskError::Io(std::io::Error::other(e)))??;
        Ok(copy)
    }

    /// Deletes blob files no row references any more; a failure only wastes space.
    pub async fn remove_blobs(&self, blobs: &[String]) {
        for blob in blobs {
            if let Err(err) = tokio::fs::remove_file(self.blob_path(blob)).await {
                tracing::warn!(blob, error = %err, "could not remove a blob");
            }
        }
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

    // Multipart uploads

    pub async fn create_upload(&self, upload: &UploadMeta) -> Result<(), DiskError> {
        self.require_bucket(&upload.bucket).await?;
        sqlx::query(
            "INSERT INTO uploads (upload_id, bucket, key, content_type, metadata, initiated) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&upload.upload_id)
        .bind(&upload.bucket)
        .bind(&upload.key)
        .bind(&upload.content_type)
        .bind(serde_json::to_string(&upload.metadata).unwrap_or_default())
        .bind(upload.initiated)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The open upload `upload_id` of `bucket`/`key`, or `NoSuchUpload`.
    pub async fn get_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadMeta, DiskError> {
        self.require_bucket(bucket).await?;
        let row = sqlx::query("SELECT * FROM uploads WHERE upload_id = ? AND bucket = ? AND key = ?")
            .bind(upload_id)
            .bind(bucket)
            .bind(key)
            .fetch_optional(&self.db)
            .await?
            .ok_or_else(|| DiskError::NoSuchUpload(upload_id.to_owned()))?;
        upload_from_row(&row)
    }

    /// Open uploads of a bucket whose key starts with `prefix`, by key then upload id.
    pub async fn list_uploads(&self, bucket: &str, prefix: &str) -> Result<Vec<UploadMeta>, DiskError> {
        self.require_bucket(bucket).await?;
        let rows = sqlx::query(
            "SELECT * FROM uploads WHERE bucket = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key, upload_id",
        )
        .bind(bucket)
        .bind(prefix)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(upload_from_row).collect()
    }

    /// Records a part, replacing an earlier upload of the same part number.
    pub async fn put_part(&self, upload_id: &str, part: &PartMeta) -> Result<(), DiskError> {
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        let open: Option<i64> = sqlx::query_scalar("SELECT 1 FROM uploads WHERE upload_id = ?")
            .bind(upload_id)
            .fetch_optional(&mut *tx)
            .await?;
        if open.is_none() {
            drop(tx);
            self.remove_blobs(std::slice::from_ref(&part.blob)).await;
            return Err(DiskError::NoSuchUpload(upload_id.to_owned()));
        }
        let old: Option<String> = sqlx::query_scalar("SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?")
            .bind(upload_id)
            .bind(i64::from(part.part_number))
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, md5, blob, last_modified) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(upload_id)
        .bind(i64::from(part.part_number))
        .bind(part.size as i64)
        .bind(&part.etag)
        .bind(&part.md5[..])
        .bind(&part.blob)
        .bind(part.last_modified)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.remove_blobs(&old.into_iter().collect::<Vec<_>>()).await;
        Ok(())
    }

    pub async fn list_parts(&self, upload_id: &str) -> Result<Vec<PartMeta>, DiskError> {
        let rows = sqlx::query("SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number")
            .bind(upload_id)
            .fetch_all(&self.db)
            .await?;
        rows.iter().map(part_from_row).collect()
    }

    /// Turns the chosen parts into the object and drops the upload, in one transaction;
    /// parts left out are deleted. `chosen` must already be checked against the parts.
    pub async fn complete_upload(&self, upload: &UploadMeta, object: &ObjectMeta) -> Result<(), DiskError> {
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        let gone =
            sqlx::query("DELETE FROM uploads WHERE upload_id = ?").bind(&upload.upload_id).execute(&mut *tx).await?;
        if gone.rows_affected() != 1 {
            return Err(DiskError::NoSuchUpload(upload.upload_id.clone()));
        }
        let part_blobs: Vec<String> = sqlx::query_scalar("DELETE FROM parts WHERE upload_id = ? RETURNING blob")
            .bind(&upload.upload_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut old = replace_object(&mut tx, &upload.bucket, object).await?;
        tx.commit().await?;
        old.extend(part_blobs.into_iter().filter(|b| !object.segments.iter().any(|s| &s.blob == b)));
        self.remove_blobs(&old).await;
        Ok(())
    }

    /// Drops an upload and frees its parts.
    pub async fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), DiskError> {
        self.get_upload(bucket, key, upload_id).await?;
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM uploads WHERE upload_id = ?").bind(upload_id).execute(&mut *tx).await?;
        let blobs: Vec<String> = sqlx::query_scalar("DELETE FROM parts WHERE upload_id = ? RETURNING blob")
            .bind(upload_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        self.remove_blobs(&blobs).await;
        Ok(())
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
         parts_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .execute(&mut **tx)
    .await?;
    match old {
        Some(segments) => blobs_of(&segments),
        None => Ok(Vec::new()),
    }
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
    })
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
    }
}

pub(super) fn timestamp_ms() -> i64 {
    now_ms()
}
