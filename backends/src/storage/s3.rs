use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use mediaport_core::{ObjectInfo, Storage, StorageError};

/// How to reach an S3 endpoint.
#[derive(Debug, Clone)]
pub struct S3StorageConfig {
    /// Endpoint URL; `None` means Amazon S3 itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// Static credentials; `None` uses the AWS default chain (environment, role, profile).
    pub credentials: Option<(String, String)>,
    /// Path-style addressing (`endpoint/bucket/key`), which S3-compatible servers need.
    pub force_path_style: bool,
}

/// The storage port over the S3 protocol, through `aws-sdk-s3`.
#[derive(Debug, Clone)]
pub struct S3Storage {
    client: Client,
    region: String,
}

impl S3Storage {
    pub async fn connect(config: &S3StorageConfig) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(config.region.clone()));
        if let Some((access, secret)) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(access, secret, None, None, "mediaport-settings"));
        }
        let shared = loader.load().await;
        let mut builder = aws_sdk_s3::config::Builder::from(&shared).force_path_style(config.force_path_style);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self { client: Client::from_conf(builder.build()), region: config.region.clone() }
    }

    /// The underlying client, for operations the port does not cover yet (presigning).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn map_err<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    err: &SdkError<E>,
    bucket: &str,
    key: &str,
) -> StorageError {
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            return StorageError::Unavailable(format!("{err:?}"));
        }
        _ => {}
    }
    let status = err.raw_response().map(|r| r.status().as_u16());
    match (err.code(), status) {
        (Some("NoSuchBucket"), _) => StorageError::NoSuchBucket(bucket.to_owned()),
        (Some("NoSuchKey" | "NotFound"), _) | (None, Some(404)) if !key.is_empty() => {
            StorageError::NoSuchKey { bucket: bucket.to_owned(), key: key.to_owned() }
        }
        (Some("NotFound"), _) | (None, Some(404)) => StorageError::NoSuchBucket(bucket.to_owned()),
        (Some(code @ ("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch")), _) => {
            StorageError::AccessDenied(code.to_owned())
        }
        (_, Some(403)) => StorageError::AccessDenied("forbidden".to_owned()),
        _ => StorageError::Other(format!("{}", aws_sdk_s3::error::DisplayErrorContext(err))),
    }
}

#[async_trait]
impl Storage for S3Storage {
    async fn ensure_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        match self.check_bucket(bucket).await {
            Err(StorageError::NoSuchBucket(_)) => {}
            other => return other,
        }
        let mut create = self.client.create_bucket().bucket(bucket);
        // us-east-1 is the one region that must not be named as a location constraint.
        if self.region != "us-east-1" {
            let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(self.region.as_str().into())
                .build();
            create = create.create_bucket_configuration(location);
        }
        match create.send().await {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.code(), Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")) => Ok(()),
            Err(err) => Err(map_err(&err, bucket, "")),
        }
    }

    async fn check_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.client.head_bucket().bucket(bucket).send().await.map_err(|e| map_err(&e, bucket, ""))?;
        Ok(())
    }

    async fn put_object(&self, bucket: &str, key: &str, body: Bytes) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        Ok(())
    }

    async fn get_object(&self, bucket: &str, key: &str) -> Result<Bytes, StorageError> {
        let out =
            self.client.get_object().bucket(bucket).key(key).send().await.map_err(|e| map_err(&e, bucket, key))?;
        let data = out.body.collect().await.map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(data.into_bytes())
    }

    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, StorageError> {
        let out =
            self.client.head_object().bucket(bucket).key(key).send().await.map_err(|e| map_err(&e, bucket, key))?;
        Ok(ObjectInfo { key: key.to_owned(), size: out.content_length.unwrap_or(0).max(0) as u64, etag: out.e_tag })
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        match self.client.delete_object().bucket(bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(err) => match map_err(&err, bucket, key) {
                StorageError::NoSuchKey { .. } => Ok(()),
                other => Err(other),
            },
        }
    }

    async fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let mut pages = self.client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
        let mut objects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| map_err(&e, bucket, ""))?;
            for object in page.contents.unwrap_or_default() {
                objects.push(ObjectInfo {
                    key: object.key.unwrap_or_default(),
                    size: object.size.unwrap_or(0).max(0) as u64,
                    etag: object.e_tag,
                });
            }
        }
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }
}
