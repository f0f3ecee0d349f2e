use async_trait::async_trait;
use aws_sdk_s3::Client;
use std::path::Path;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    CompletedMultipartUpload, CompletedPart, Delete, GlacierJobParameters, ObjectIdentifier, RestoreRequest, Tier,
};
use bytes::Bytes;
use mediaport_core::{Availability, MultipartInfo, ObjectInfo, ObjectStream, PartInfo, Storage, StorageError};

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
    /// The endpoint written into presigned URLs, when browsers reach storage by another
    /// address than the server does (a proxy, a public host name).
    pub public_endpoint: Option<String>,
}

/// The storage port over the S3 protocol, through `aws-sdk-s3`.
#[derive(Debug, Clone)]
pub struct S3Storage {
    client: Client,
    /// Signs URLs for the public endpoint; presigning never sends a request.
    presigner: Client,
    region: String,
}

impl S3Storage {
    pub async fn connect(config: &S3StorageConfig) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(config.region.clone()));
        if let Some((access, secret)) = &config.credentials {
            loader = loader.credentials_provider(Credentials::new(access, secret, None, None, "mediaport-settings"));
        }
        let shared = loader.load().await;
        // Checksums only when S3 requires them: a presigned part URL must accept the bare
        // bytes a browser PUTs, with no checksum header the browser would have to add.
        let builder = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(config.force_path_style)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        let at = |endpoint: Option<&String>| match endpoint {
            Some(url) => builder.clone().endpoint_url(url).build(),
            None => builder.clone().build(),
        };
        let public = config.public_endpoint.as_ref().or(config.endpoint.as_ref());
        Self {
            client: Client::from_conf(at(config.endpoint.as_ref())),
            presigner: Client::from_conf(at(public)),
            region: config.region.clone(),
        }
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
        (Some("NoSuchUpload"), _) => StorageError::NoSuchUpload(err.message().unwrap_or("no such upload").to_owned()),
        (Some(code @ ("InvalidPart" | "InvalidPartOrder" | "EntityTooSmall")), _) => {
            StorageError::InvalidPart(format!("{code}: {}", err.message().unwrap_or("the parts do not match")))
        }
        (Some("NoSuchBucket"), _) => StorageError::NoSuchBucket(bucket.to_owned()),
        (Some("NoSuchKey" | "NotFound"), _) | (None, Some(404)) if !key.is_empty() => {
            StorageError::NoSuchKey { bucket: bucket.to_owned(), key: key.to_owned() }
        }
        (Some("NotFound"), _) | (None, Some(404)) => StorageError::NoSuchBucket(bucket.to_owned()),
        (Some(code @ ("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch")), _) => {
            StorageError::AccessDenied(code.to_owned())
        }
        (_, Some(403)) => StorageError::AccessDenied("forbidden".to_owned()),
        (Some("InsufficientStorage" | "QuotaExceeded"), _) | (_, Some(507)) => {
            StorageError::Full(err.message().unwrap_or("no space left").to_owned())
        }
        _ => StorageError::Other(format!("{}", aws_sdk_s3::error::DisplayErrorContext(err))),
    }
}

/// Keys in one DeleteObjects request: S3's limit.
const DELETE_BATCH: usize = 1000;

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

    async fn read_from(&self, bucket: &str, key: &str, offset: u64) -> Result<ObjectStream, StorageError> {
        let mut request = self.client.get_object().bucket(bucket).key(key);
        if offset > 0 {
            request = request.range(format!("bytes={offset}-"));
        }
        let out = request.send().await.map_err(|e| map_err(&e, bucket, key))?;
        let chunks = futures::stream::unfold(out.body, |mut body| async move {
            match body.next().await? {
                Ok(chunk) => Some((Ok(chunk), body)),
                Err(err) => Some((Err(StorageError::Unavailable(err.to_string())), body)),
            }
        });
        Ok(Box::pin(chunks))
    }

    async fn put_file(&self, bucket: &str, key: &str, path: &Path, content_type: &str) -> Result<(), StorageError> {
        let body = ByteStream::from_path(path)
            .await
            .map_err(|e| StorageError::Other(format!("cannot read {}: {e}", path.display())))?;
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        Ok(())
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

    async fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<(), StorageError> {
        let built = |e: aws_sdk_s3::error::BuildError| StorageError::Other(e.to_string());
        for chunk in keys.chunks(DELETE_BATCH) {
            let objects =
                chunk.iter().map(|key| ObjectIdentifier::builder().key(key).build()).collect::<Result<Vec<_>, _>>();
            let delete = Delete::builder().set_objects(Some(objects.map_err(built)?)).quiet(true).build();
            let output = self
                .client
                .delete_objects()
                .bucket(bucket)
                .delete(delete.map_err(built)?)
                .send()
                .await
                .map_err(|e| map_err(&e, bucket, ""))?;
            // Quiet: only the objects storage could not remove are listed.
            if let Some(failed) = output.errors().iter().find(|e| e.code() != Some("NoSuchKey")) {
                let key = failed.key().unwrap_or_default();
                let reason = failed.message().or(failed.code()).unwrap_or("refused");
                return Err(StorageError::Other(format!("cannot delete {bucket}/{key}: {reason}")));
            }
        }
        Ok(())
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

    async fn create_multipart(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String, StorageError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .set_content_type(content_type.map(str::to_owned))
            .send()
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        out.upload_id.ok_or_else(|| StorageError::Other("storage answered no upload id".to_owned()))
    }

    async fn presign_upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        expires_in: Duration,
    ) -> Result<String, StorageError> {
        let request = self
            .presigner
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number as i32)
            .presigned(presigning(expires_in)?)
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        Ok(request.uri().to_owned())
    }

    async fn list_parts(&self, bucket: &str, key: &str, upload_id: &str) -> Result<Vec<PartInfo>, StorageError> {
        let mut pages = self.client.list_parts().bucket(bucket).key(key).upload_id(upload_id).into_paginator().send();
        let mut parts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| map_err(&e, bucket, key))?;
            for part in page.parts.unwrap_or_default() {
                parts.push(PartInfo {
                    part_number: part.part_number.unwrap_or(0).max(0) as u32,
                    etag: part.e_tag.unwrap_or_default(),
                    size: part.size.unwrap_or(0).max(0) as u64,
                    last_modified: part
                        .last_modified
                        .and_then(|t| SystemTime::try_from(t).ok())
                        .unwrap_or(SystemTime::UNIX_EPOCH),
                });
            }
        }
        parts.sort_by_key(|p| p.part_number);
        Ok(parts)
    }

    async fn complete_multipart(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<ObjectInfo, StorageError> {
        let parts = parts
            .iter()
            .map(|(number, etag)| CompletedPart::builder().part_number(*number as i32).e_tag(etag).build())
            .collect();
        self.client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        self.head_object(bucket, key).await
    }

    async fn abort_multipart(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StorageError> {
        self.client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        Ok(())
    }

    async fn list_multiparts(&self, bucket: &str) -> Result<Vec<MultipartInfo>, StorageError> {
        let mut uploads = Vec::new();
        let (mut key_marker, mut id_marker) = (None, None);
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(bucket)
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(id_marker.take())
                .send()
                .await
                .map_err(|e| map_err(&e, bucket, ""))?;
            for upload in page.uploads.unwrap_or_default() {
                let initiated =
                    upload.initiated.and_then(|t| SystemTime::try_from(t).ok()).unwrap_or(SystemTime::UNIX_EPOCH);
                uploads.push(MultipartInfo {
                    key: upload.key.unwrap_or_default(),
                    upload_id: upload.upload_id.unwrap_or_default(),
                    initiated,
                });
            }
            if page.is_truncated != Some(true) {
                break;
            }
            key_marker = page.next_key_marker;
            id_marker = page.next_upload_id_marker;
        }
        uploads.sort_by_key(|u| u.initiated);
        Ok(uploads)
    }

    async fn presign_get(&self, bucket: &str, key: &str, expires_in: Duration) -> Result<String, StorageError> {
        let request = self
            .presigner
            .get_object()
            .bucket(bucket)
            .key(key)
            .presigned(presigning(expires_in)?)
            .await
            .map_err(|e| map_err(&e, bucket, key))?;
        Ok(request.uri().to_owned())
    }

    async fn availability(&self, bucket: &str, key: &str) -> Result<Availability, StorageError> {
        let out =
            self.client.head_object().bucket(bucket).key(key).send().await.map_err(|e| map_err(&e, bucket, key))?;
        let class = out.storage_class().map(|c| c.as_str().to_owned()).unwrap_or_default();
        Ok(availability(&class, out.restore()))
    }

    async fn restore(&self, bucket: &str, key: &str, days: u32) -> Result<(), StorageError> {
        let tier = GlacierJobParameters::builder()
            .tier(Tier::Standard)
            .build()
            .map_err(|e| StorageError::Other(e.to_string()))?;
        let request = RestoreRequest::builder()
            .days(i32::try_from(days).unwrap_or(i32::MAX))
            .glacier_job_parameters(tier)
            .build();
        let sent = self.client.restore_object().bucket(bucket).key(key).restore_request(request).send().await;
        match sent {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("RestoreAlreadyInProgress") => Ok(()),
            Err(err) => Err(map_err(&err, bucket, key)),
        }
    }
}

/// Reads S3's storage class and `x-amz-restore` header (`ongoing-request="true"` while a
/// restore runs; `"false"` with an expiry date once the copy is readable).
fn availability(class: &str, restore: Option<&str>) -> Availability {
    // Glacier Instant Retrieval and the other classes read at once.
    if !matches!(class, "GLACIER" | "DEEP_ARCHIVE") {
        return Availability::Readable;
    }
    match restore {
        Some(state) if state.contains("ongoing-request=\"true\"") => {
            Availability::Restoring { class: class.to_owned() }
        }
        Some(state) if state.contains("ongoing-request=\"false\"") => Availability::Readable,
        _ => Availability::Archived { class: class.to_owned() },
    }
}

fn presigning(expires_in: Duration) -> Result<PresigningConfig, StorageError> {
    PresigningConfig::expires_in(expires_in).map_err(|e| StorageError::Other(format!("cannot presign: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_objects_are_read_after_their_restore() {
        assert_eq!(availability("STANDARD", None), Availability::Readable);
        assert_eq!(availability("GLACIER_IR", None), Availability::Readable);
        assert_eq!(availability("DEEP_ARCHIVE", None), Availability::Archived { class: "DEEP_ARCHIVE".into() });
        let running = Some("ongoing-request=\"true\"");
        assert_eq!(availability("GLACIER", running), Availability::Restoring { class: "GLACIER".into() });
        let done = Some("ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"");
        assert_eq!(availability("GLACIER", done), Availability::Readable);
    }
}
