use async_trait::async_trait;
use bytes::Bytes;

/// Failures of an object store, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("bucket {0} does not exist")]
    NoSuchBucket(String),
    #[error("object {bucket}/{key} does not exist")]
    NoSuchKey { bucket: String, key: String },
    #[error("storage refused the credentials: {0}")]
    AccessDenied(String),
    #[error("storage is unreachable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl StorageError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchBucket(_) => "storage-no-such-bucket",
            Self::NoSuchKey { .. } => "storage-no-such-key",
            Self::AccessDenied(_) => "storage-access-denied",
            Self::Unavailable(_) => "storage-unavailable",
            Self::Other(_) => "storage-error",
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
    /// Size and ETag of an object, or `NoSuchKey`.
    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, StorageError>;
    /// Removes an object; removing a missing object succeeds.
    async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StorageError>;
    /// Every object whose key starts with `prefix`, in key order.
    async fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError>;
}
