//! The `s3s::S3` implementation: each operation hands off to `objects` or `multipart`,
//! and every new object is announced on the events channel (as S3 event notifications
//! announce them on AWS).

use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result};
use tokio::sync::broadcast;

use super::disk::{DiskStore, ObjectMeta};
use super::objects::{self, to_object, token, untoken};
use super::{ObjectCreated, multipart};

pub(super) struct EmbeddedS3 {
    pub store: DiskStore,
    pub events: broadcast::Sender<ObjectCreated>,
}

impl EmbeddedS3 {
    fn announce(&self, bucket: &str, object: &ObjectMeta) {
        // Nobody listening is fine: the periodic scan still finds the object.
        let _ = self.events.send(ObjectCreated {
            bucket: bucket.to_owned(),
            key: object.key.clone(),
            size: object.size,
            etag: object.etag.clone(),
        });
    }
}

#[async_trait::async_trait]
impl S3 for EmbeddedS3 {
    async fn list_buckets(&self, _req: S3Request<ListBucketsInput>) -> S3Result<S3Response<ListBucketsOutput>> {
        objects::list_buckets(&self.store).await
    }

    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        objects::create_bucket(&self.store, &req.input.bucket).await
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.store.require_bucket(&req.input.bucket).await?;
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.store.require_bucket(&req.input.bucket).await?;
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    async fn delete_bucket(&self, req: S3Request<DeleteBucketInput>) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.store.delete_bucket(&req.input.bucket).await?;
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let bucket = req.input.bucket.clone();
        let (object, output) = objects::put_object(&self.store, req.input).await?;
        self.announce(&bucket, &object);
        Ok(S3Response::new(output))
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        objects::get_object(&self.store, req.input).await
    }

    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        objects::head_object(&self.store, req.input).await
    }

    async fn copy_object(&self, req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        let bucket = req.input.bucket.clone();
        let (object, output) = objects::copy_object(&self.store, req.input).await?;
        self.announce(&bucket, &object);
        Ok(S3Response::new(output))
    }

    async fn delete_object(&self, req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.store.delete_object(&req.input.bucket, &req.input.key).await?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(&self, req: S3Request<DeleteObjectsInput>) -> S3Result<S3Response<DeleteObjectsOutput>> {
        objects::delete_objects(&self.store, req.input).await
    }

    async fn list_objects(&self, req: S3Request<ListObjectsInput>) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = input.max_keys.unwrap_or(1000).clamp(0, 1000) as usize;
        let marker = input.marker.clone().unwrap_or_default();
        let after = objects::after_marker(&marker, &prefix, input.delimiter.as_deref());
        let listing =
            objects::list(&self.store, &input.bucket, &prefix, input.delimiter.as_deref(), &after, max).await?;
        let last = listing.last.clone();
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket),
            prefix: input.prefix,
            marker: input.marker,
            delimiter: input.delimiter,
            max_keys: Some(max as i32),
            is_truncated: Some(listing.next.is_some()),
            next_marker: listing.next.is_some().then_some(last).flatten(),
            contents: Some(listing.objects.iter().map(to_object).collect()),
            common_prefixes: Some(listing.prefixes.into_iter().map(|p| CommonPrefix { prefix: Some(p) }).collect()),
            ..Default::default()
        }))
    }

    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = input.max_keys.unwrap_or(1000).clamp(0, 1000) as usize;
        let after = match (&input.continuation_token, &input.start_after) {
            (Some(t), _) => untoken(t)?,
            (None, Some(start)) => start.clone(),
            (None, None) => String::new(),
        };
        let listing =
            objects::list(&self.store, &input.bucket, &prefix, input.delimiter.as_deref(), &after, max).await?;
        let count = listing.objects.len() + listing.prefixes.len();
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: input.prefix,
            delimiter: input.delimiter,
            max_keys: Some(max as i32),
            key_count: Some(count as i32),
            continuation_token: input.continuation_token,
            start_after: input.start_after,
            is_truncated: Some(listing.next.is_some()),
            next_continuation_token: listing.next.as_deref().map(token),
            contents: Some(listing.objects.iter().map(to_object).collect()),
            common_prefixes: Some(listing.prefixes.into_iter().map(|p| CommonPrefix { prefix: Some(p) }).collect()),
            ..Default::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        multipart::create(&self.store, req.input).await
    }

    async fn upload_part(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        multipart::upload_part(&self.store, req.input).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        multipart::upload_part_copy(&self.store, req.input).await
    }

    async fn list_parts(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        multipart::list_parts(&self.store, req.input).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let bucket = req.input.bucket.clone();
        let completed = multipart::complete(&self.store, req.input).await?;
        if let Some(object) = &completed.made {
            self.announce(&bucket, object);
        }
        Ok(S3Response::new(completed.output))
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = req.input;
        self.store.abort_upload(&input.bucket, &input.key, &input.upload_id).await?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        multipart::list_uploads(&self.store, req.input).await
    }
}
