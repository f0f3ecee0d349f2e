//! Object storage: one adapter speaks S3 to any endpoint (the embedded one, Amazon S3,
//! SeaweedFS, MinIO); `embedded` is the S3 endpoint the server can run itself.

pub mod embedded;
mod s3;

pub use s3::{S3Storage, S3StorageConfig};
