//! Multipart uploads in the index: open uploads, their parts, and the completions kept a
//! day so that a client retrying a completion whose answer it lost gets the same object.

use sqlx::Row;

use super::{
    DiskError, DiskStore, ObjectMeta, PartMeta, UploadMeta, now_ms, part_from_row, replace_object, upload_from_row,
};

/// How long a completion is remembered for retries.
const COMPLETION_KEPT_MS: i64 = 24 * 3600 * 1000;

/// What completing an upload did.
#[derive(Debug)]
pub enum Completion {
    /// This request joined the parts into the object.
    Made(Box<ObjectMeta>),
    /// The upload was completed before with the same parts: its object's ETag.
    Again { etag: String },
}

/// The parts a completion names, as its record keeps them.
fn parts_record(named: &[(u32, String)]) -> String {
    serde_json::to_string(named).unwrap_or_default()
}

impl DiskStore {
    pub async fn create_upload(&self, upload: &UploadMeta) -> Result<(), DiskError> {
        self.require_bucket(&upload.bucket).await?;
        sqlx::query(
            "INSERT INTO uploads (upload_id, bucket, key, content_type, metadata, initiated, headers) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&upload.upload_id)
        .bind(&upload.bucket)
        .bind(&upload.key)
        .bind(&upload.content_type)
        .bind(serde_json::to_string(&upload.metadata).unwrap_or_default())
        .bind(upload.initiated)
        .bind(super::headers_text(&upload.headers))
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

    /// Records a part, replacing an earlier upload of the same part number: the upload
    /// that finishes last is the part, as on S3. The replaced blob is freed after the
    /// answer, so the answers leave in the order the parts were recorded.
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
        // No object can point at the replaced blob: completion takes the parts and
        // closes the upload in one transaction, and this one found the upload open.
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
        if let Some(old) = old {
            let store = self.clone();
            tokio::spawn(async move { store.remove_blobs(&[old]).await });
        }
        Ok(())
    }

    pub async fn list_parts(&self, upload_id: &str) -> Result<Vec<PartMeta>, DiskError> {
        let rows = sqlx::query("SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number")
            .bind(upload_id)
            .fetch_all(&self.db)
            .await?;
        rows.iter().map(part_from_row).collect()
    }

    /// Joins the `named` parts (number, ETag) into the upload's object and closes the
    /// upload, in one transaction that reads the parts as they are now: a part uploaded
    /// again since the client listed it makes `join` refuse, and nothing changes. Blobs
    /// of parts left out are freed; no blob the object points at ever is.
    pub async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        named: &[(u32, String)],
        join: impl FnOnce(&UploadMeta, &[PartMeta]) -> Result<ObjectMeta, DiskError>,
    ) -> Result<Completion, DiskError> {
        self.require_bucket(bucket).await?;
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query("SELECT * FROM uploads WHERE upload_id = ? AND bucket = ? AND key = ?")
            .bind(upload_id)
            .bind(bucket)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            let done =
                sqlx::query("SELECT etag, parts FROM completed_uploads WHERE upload_id = ? AND bucket = ? AND key = ?")
                    .bind(upload_id)
                    .bind(bucket)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            return match done {
                Some(done) if done.try_get::<String, _>("parts")? == parts_record(named) => {
                    Ok(Completion::Again { etag: done.try_get("etag")? })
                }
                _ => Err(DiskError::NoSuchUpload(upload_id.to_owned())),
            };
        };
        let upload = upload_from_row(&row)?;
        let held = sqlx::query("SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number")
            .bind(upload_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(part_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let object = join(&upload, &held)?;
        sqlx::query("DELETE FROM uploads WHERE upload_id = ?").bind(upload_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM parts WHERE upload_id = ?").bind(upload_id).execute(&mut *tx).await?;
        let mut freed = replace_object(&mut tx, bucket, &object).await?;
        let now = now_ms();
        sqlx::query(
            "INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, etag, parts, completed_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(upload_id)
        .bind(bucket)
        .bind(key)
        .bind(&object.etag)
        .bind(parts_record(named))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM completed_uploads WHERE completed_at < ?")
            .bind(now - COMPLETION_KEPT_MS)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        freed.extend(held.into_iter().map(|p| p.blob).filter(|b| !object.segments.iter().any(|s| &s.blob == b)));
        self.remove_blobs(&freed).await;
        Ok(Completion::Made(Box::new(object)))
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
