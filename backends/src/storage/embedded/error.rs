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
            DiskError::Io(_) | DiskError::Db(_) | DiskError::Corrupt(_) => {
                tracing::error!(error = %err, "embedded storage failed");
                return S3Error::new(S3ErrorCode::InternalError);
            }
        };
        S3Error::with_message(code, err.to_string())
    }
}
