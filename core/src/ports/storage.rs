use std::path::Path;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;

use crate::error::{ErrorKind, ServiceError};

/// An object's bytes as they arrive, for objects too big to hold in memory.
pub type ObjectStream = Pin<Box<dyn Stream<Item = Result<Bytes, StorageError>> + Send>>;

/// Failures of an object store, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("bucket {0} does not exist")]
    NoSuchBucket(String),
    #[error("object {bucket}/{key} does not exist")]
    NoSuchKey { bucket: String, key: String },
    #[error("storage refused the credentials: {0}")]
    AccessDenied(String),
    #[error("multipart upload {0} does not exist")]
    NoSuchUpload(String),
    /// The parts named at completion do not match what storage holds.
    #[error("{0}")]
    InvalidPart(String),
    #[error("storage is unreachable: {0}")]
    Unavailable(String),
    /// The store's disk or quota has no room for what was sent.
    #[error("storage is full: {0}")]
    Full(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl ServiceError for StorageError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoSuchBucket(_) => "storage-no-such-bucket",
            Self::NoSuchKey { .. } => "storage-no-such-key",
            Self::AccessDenied(_) => "storage-access-denied",
            Self::NoSuchUpload(_) => "storage-no-such-upload",
            Self::InvalidPart(_) => "storage-invalid-part",
            Self::Unavailable(_) => "storage-unavailable",
            Self::Full(_) => "storage-full",
            Self::Other(_) => "storage-error",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NoSuchKey { .. } => ErrorKind::NotFound,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Full(_) => ErrorKind::Full,
            // A bucket, credentials or an upload storage lost are the deployment's fault,
            // not the caller's.
            Self::NoSuchBucket(_) | Self::AccessDenied(_) | Self::NoSuchUpload(_) | Self::InvalidPart(_) => {
                ErrorKind::Internal
            }
            Self::Other(_) => ErrorKind::Internal,
        }
    }
}

/// What a store knows of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub etag: Option<String>,
}

/// A part of a multipart upload that storage holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
    /// When storage finished receiving the part: the sweep leaves uploads alone while
    /// their parts are still arriving.
    pub last_modified: SystemTime,
}

/// A multipart upload storage holds open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartInfo {
    pub key: String,
    pub upload_id: String,
    pub initiated: SystemTime,
}

/// Whether an object's bytes can be read now. On Amazon S3 an object in an archive
/// storage class (Glacier Flexible Retrieval, Deep Archive) must be restored first, which
/// takes minutes to two days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Readable,
    /// In `class`, with no restore asked for (or the last one expired).
    Archived {
        class: String,
    },
    /// In `class`, a restore under way.
    Restoring {
        class: String,
    },
}

/// An S3-style object store: the embedded endpoint, Amazon S3 or any S3 server.
#[async_trait]
pub trait Storage: Send + Sync {
    /// Creates the bucket if it is missing; succeeds when it already exists.
    async fn ensure_bucket(&self, bucket: &str) -> Result<(), StorageError>;
    /// Answers `Ok` when the bucket can be reached with the configured credentials.
    async fn check_bucket(&self, bucket: &str) -> Result<(), StorageError>;
    /// Stores `body` under `key`, replacing any object there.
    async fn put_object(&self, bucket: &str, key: &str, body: Bytes) -> Result<(), StorageError>;
    /// Reads a whole object into memory (small objects only: metadata, JSON results).
    async fn get_object(&self, bucket: &str, key: &str) -> Result<Bytes, StorageError>;
    /// The object's bytes from `offset` to its end, streamed.
    async fn read_from(&self, bucket: &str, key: &str, offset: u64) -> Result<ObjectStream, StorageError>;
    /// Stores the file at `path` under `key` with its content type, streaming it from disk.
    async fn put_file(&self, bucket: &str, key: &str, path: &Path, content_type: &str) -> Result<(), StorageError>;
    /// Size and ETag of an object, or `NoSuchKey`.
    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, StorageError>;
    /// Removes an object; removing a missing object succeeds.
    async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StorageError>;
    /// Removes many objects, a thousand a request (S3's DeleteObjects); missing ones are
    /// fine. Fails on the first object storage could not remove.
    async fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<(), StorageError>;
    /// Every object whose key starts with `prefix`, in key order.
    async fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError>;

    /// Starts a multipart upload and returns storage's upload id.
    async fn create_multipart(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String, StorageError>;
    /// A URL anyone may `PUT` one part's bytes to, with no other headers, until `expires_in` passes.
    async fn presign_upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        expires_in: Duration,
    ) -> Result<String, StorageError>;
    /// Every part storage holds for an upload, in part order, or `NoSuchUpload`.
    async fn list_parts(&self, bucket: &str, key: &str, upload_id: &str) -> Result<Vec<PartInfo>, StorageError>;
    /// Joins the named parts into the object; `InvalidPart` when one is missing or its ETag differs.
    async fn complete_multipart(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<ObjectInfo, StorageError>;
    /// Drops an upload and frees its parts; aborting a finished or unknown upload is `NoSuchUpload`.
    async fn abort_multipart(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StorageError>;
    /// Multipart uploads open in a bucket, oldest first.
    async fn list_multiparts(&self, bucket: &str) -> Result<Vec<MultipartInfo>, StorageError>;
    /// A URL anyone may `GET` the object from until `expires_in` passes.
    async fn presign_get(&self, bucket: &str, key: &str, expires_in: Duration) -> Result<String, StorageError>;
    /// Whether the object can be read now; stores without archive classes always can.
    async fn availability(&self, _bucket: &str, _key: &str) -> Result<Availability, StorageError> {
        Ok(Availability::Readable)
    }
    /// Asks for a readable copy of an archived object, kept for `days`; succeeds when a
    /// restore is already under way.
    async fn restore(&self, bucket: &str, key: &str, _days: u32) -> Result<(), StorageError> {
        Err(StorageError::Other(format!("{bucket}/{key}: this storage has no archive classes to restore from")))
    }
}
