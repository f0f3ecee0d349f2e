use s3s::{S3Error, S3ErrorCode};

/// Failures of the embedded storage engine.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    #[error("bucket {0} does not exist")]
    NoSuchBucket(String),
    #[error("bucket {0} is not empty")]
    BucketNotEmpty(String),
    #[error("object {0} does not exist")]
    NoSuchKey(String),
    #[error("multipart upload {0} does not exist")]
    NoSuchUpload(String),
    #[error("the request body broke off: {0}")]
    Body(String),
    #[error("a body may hold at most {0} bytes")]
    TooLarge(u64),
    #[error("{0}")]
    InvalidPart(String),
    #[error("{0}")]
    TooSmall(String),
    #[error("storage file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage index error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("storage index is damaged: {0}")]
    Corrupt(String),
}

impl From<DiskError> for S3Error {
    fn from(err: DiskError) -> Self {
        let code = match &err {
            DiskError::NoSuchBucket(_) => S3ErrorCode::NoSuchBucket,
            DiskError::BucketNotEmpty(_) => S3ErrorCode::BucketNotEmpty,
            DiskError::NoSuchKey(_) => S3ErrorCode::NoSuchKey,
            DiskError::NoSuchUpload(_) => S3ErrorCode::NoSuchUpload,
            DiskError::Body(_) => S3ErrorCode::IncompleteBody,
            DiskError::TooLarge(_) => S3ErrorCode::EntityTooLarge,
            DiskError::InvalidPart(_) => S3ErrorCode::InvalidPart,
            DiskError::TooSmall(_) => S3ErrorCode::EntityTooSmall,
            DiskError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
                tracing::error!(error = %err, "the storage disk is full");
                let mut full = S3Error::with_message(
                    S3ErrorCode::Custom("InsufficientStorage".into()),
                    "the storage disk is full: free space or delete objects, then try again",
                );
                full.set_status_code(http::StatusCode::INSUFFICIENT_STORAGE);
                return full;
            }
            DiskError::Io(_) | DiskError::Db(_) | DiskError::Corrupt(_) => {
                tracing::error!(error = %err, "embedded storage failed");
                return S3Error::new(S3ErrorCode::InternalError);
            }
        };
        S3Error::with_message(code, err.to_string())
    }
}
