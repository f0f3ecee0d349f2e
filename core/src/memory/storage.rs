//! Object storage in memory, buckets and multipart uploads included, for tests of the use
//! cases. A presigned URL is not served: a test puts a part's bytes with [`MemoryStorage::put_part`]
//! where a browser would `PUT` them to the URL.

use std::collections::BTreeMap;
use std::path::Path;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;

use crate::ports::storage::{MultipartInfo, ObjectInfo, ObjectStream, PartInfo, Storage, StorageError};

#[derive(Debug)]
struct Multipart {
    bucket: String,
    key: String,
    parts: BTreeMap<u32, (Bytes, SystemTime)>,
    initiated: SystemTime,
}

#[derive(Debug, Default)]
struct Objects {
    buckets: BTreeMap<String, BTreeMap<String, Bytes>>,
    uploads: BTreeMap<String, Multipart>,
}

#[derive(Debug, Default)]
pub struct MemoryStorage {
    objects: Mutex<Objects>,
}

/// An ETag of the bytes (FNV-1a): equal bytes, equal tags, as S3's MD5 tags are.
fn etag(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("\"{hash:016x}\"")
}

fn info(key: &str, body: &Bytes) -> ObjectInfo {
    ObjectInfo { key: key.to_owned(), size: body.len() as u64, etag: Some(etag(body)) }
}

/// The bytes of an object, as one chunk.
struct Whole(Option<Bytes>);

impl Stream for Whole {
    type Item = Result<Bytes, StorageError>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}

impl MemoryStorage {
    fn with<T>(&self, f: impl FnOnce(&mut Objects) -> T) -> T {
        // A test that panicked while holding the lock leaves the objects as they were.
        super::locked(&self.objects, f)
    }

    /// What a browser's `PUT` to a part's presigned URL does: stores the part, returns its ETag.
    pub fn put_part(&self, upload_id: &str, part_number: u32, body: Bytes) -> Result<String, StorageError> {
        self.with(|objects| {
            let upload =
                objects.uploads.get_mut(upload_id).ok_or_else(|| StorageError::NoSuchUpload(upload_id.to_owned()))?;
            let tag = etag(&body);
            upload.parts.insert(part_number, (body, SystemTime::now()));
            Ok(tag)
        })
    }
}

fn bucket_of<'a>(objects: &'a mut Objects, bucket: &str) -> Result<&'a mut BTreeMap<String, Bytes>, StorageError> {
    objects.buckets.get_mut(bucket).ok_or_else(|| StorageError::NoSuchBucket(bucket.to_owned()))
}

fn no_such_key(bucket: &str, key: &str) -> StorageError {
    StorageError::NoSuchKey { bucket: bucket.to_owned(), key: key.to_owned() }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn ensure_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.with(|objects| {
            objects.buckets.entry(bucket.to_owned()).or_default();
        });
        Ok(())
    }

    async fn check_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.with(|objects| bucket_of(objects, bucket).map(drop))
    }

    async fn put_object(&self, bucket: &str, key: &str, body: Bytes) -> Result<(), StorageError> {
        self.with(|objects| bucket_of(objects, bucket).map(|b| drop(b.insert(key.to_owned(), body))))
    }

    async fn get_object(&self, bucket: &str, key: &str) -> Result<Bytes, StorageError> {
        self.with(|objects| bucket_of(objects, bucket)?.get(key).cloned().ok_or_else(|| no_such_key(bucket, key)))
    }

    async fn read_from(&self, bucket: &str, key: &str, offset: u64) -> Result<ObjectStream, StorageError> {
        let body = self.get_object(bucket, key).await?;
        let from = usize::try_from(offset).unwrap_or(usize::MAX).min(body.len());
        Ok(Box::pin(Whole(Some(body.slice(from..)))))
    }

    async fn put_file(&self, bucket: &str, key: &str, path: &Path, _content_type: &str) -> Result<(), StorageError> {
        let body =
            std::fs::read(path).map_err(|e| StorageError::Other(format!("cannot read {}: {e}", path.display())))?;
        self.put_object(bucket, key, body.into()).await
    }

    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, StorageError> {
        self.get_object(bucket, key).await.map(|body| info(key, &body))
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        self.with(|objects| bucket_of(objects, bucket).map(|b| drop(b.remove(key))))
    }

    async fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<(), StorageError> {
        self.with(|objects| {
            let objects = bucket_of(objects, bucket)?;
            for key in keys {
                objects.remove(key);
            }
            Ok(())
        })
    }

    async fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        self.with(|objects| {
            let objects = bucket_of(objects, bucket)?;
            Ok(objects
                .range(prefix.to_owned()..)
                .take_while(|(k, _)| k.starts_with(prefix))
                .map(|(k, b)| info(k, b))
                .collect())
        })
    }

    async fn create_multipart(
        &self,
        bucket: &str,
        key: &str,
        _content_type: Option<&str>,
    ) -> Result<String, StorageError> {
        self.with(|objects| {
            bucket_of(objects, bucket)?;
            let id: String = crate::new_id();
            let upload = Multipart {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                parts: BTreeMap::new(),
                initiated: SystemTime::now(),
            };
            objects.uploads.insert(id.clone(), upload);
            Ok(id)
        })
    }

    async fn presign_upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        _expires_in: Duration,
    ) -> Result<String, StorageError> {
        Ok(format!("memory://{bucket}/{key}?uploadId={upload_id}&partNumber={part_number}"))
    }

    async fn list_parts(&self, _bucket: &str, _key: &str, upload_id: &str) -> Result<Vec<PartInfo>, StorageError> {
        self.with(|objects| {
            let upload =
                objects.uploads.get(upload_id).ok_or_else(|| StorageError::NoSuchUpload(upload_id.to_owned()))?;
            let part = |(n, (body, at)): (&u32, &(Bytes, SystemTime))| PartInfo {
                part_number: *n,
                etag: etag(body),
                size: body.len() as u64,
                last_modified: *at,
            };
            Ok(upload.parts.iter().map(part).collect())
        })
    }

    async fn complete_multipart(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<ObjectInfo, StorageError> {
        self.with(|objects| {
            let upload =
                objects.uploads.get(upload_id).ok_or_else(|| StorageError::NoSuchUpload(upload_id.to_owned()))?;
            let mut joined = Vec::new();
            for (number, tag) in parts {
                match upload.parts.get(number) {
                    Some((body, _)) if etag(body).trim_matches('"') == tag.trim_matches('"') => {
                        joined.extend_from_slice(body);
                    }
                    _ => {
                        return Err(StorageError::InvalidPart(format!("part {number} is missing or its ETag differs")));
                    }
                }
            }
            objects.uploads.remove(upload_id);
            let body = Bytes::from(joined);
            let done = info(key, &body);
            bucket_of(objects, bucket)?.insert(key.to_owned(), body);
            Ok(done)
        })
    }

    async fn abort_multipart(&self, _bucket: &str, _key: &str, upload_id: &str) -> Result<(), StorageError> {
        self.with(|objects| {
            objects.uploads.remove(upload_id).map(drop).ok_or_else(|| StorageError::NoSuchUpload(upload_id.to_owned()))
        })
    }

    async fn list_multiparts(&self, bucket: &str) -> Result<Vec<MultipartInfo>, StorageError> {
        self.with(|objects| {
            let mut open: Vec<MultipartInfo> = objects
                .uploads
                .iter()
                .filter(|(_, u)| u.bucket == bucket)
                .map(|(id, u)| MultipartInfo { key: u.key.clone(), upload_id: id.clone(), initiated: u.initiated })
                .collect();
            open.sort_by_key(|u| u.initiated);
            Ok(open)
        })
    }

    async fn presign_get(&self, bucket: &str, key: &str, _expires_in: Duration) -> Result<String, StorageError> {
        Ok(format!("memory://{bucket}/{key}"))
    }
}
