//! Multipart uploads of the embedded endpoint, answering as Amazon S3 does: parts of
//! at least 5 MiB but the last, ascending part lists, `InvalidPart` for a missing part or
//! a wrong ETag, and the `<md5 of part md5s>-<count>` ETag of the joined object.

use md5::{Digest, Md5};
use s3s::dto::*;
use s3s::{S3Response, S3Result, s3_error};

use super::disk::{
    Completion, DiskError, DiskStore, MAX_BLOB, ObjectMeta, PartMeta, Segment, StoredHeaders, UploadMeta, Written,
    new_upload_meta, timestamp_ms,
};
use super::objects::{accept_written, bare, etag, hex, http_date, read_range, timestamp};

/// S3's smallest part, except for the last one.
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
const MAX_PART_NUMBER: i32 = 10_000;

pub(super) async fn create(
    store: &DiskStore,
    input: CreateMultipartUploadInput,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let mut upload = new_upload_meta(&input.bucket, &input.key, input.content_type);
    upload.metadata = input.metadata.unwrap_or_default();
    upload.headers = StoredHeaders {
        cache_control: input.cache_control,
        content_disposition: input.content_disposition,
        content_encoding: input.content_encoding,
        content_language: input.content_language,
        expires: input.expires.as_ref().and_then(http_date),
    };
    store.create_upload(&upload).await?;
    Ok(S3Response::new(CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(upload.upload_id),
        ..Default::default()
    }))
}

pub(super) async fn upload_part(store: &DiskStore, input: UploadPartInput) -> S3Result<S3Response<UploadPartOutput>> {
    if !(1..=MAX_PART_NUMBER).contains(&input.part_number) {
        return Err(s3_error!(InvalidArgument, "part numbers run from 1 to {MAX_PART_NUMBER}"));
    }
    // Refuse before reading the body: an unknown upload must not cost a disk write.
    store.get_upload(&input.bucket, &input.key, &input.upload_id).await?;
    let body = input.body.ok_or_else(|| s3_error!(IncompleteBody, "a part needs a body"))?;
    if input.content_length.is_some_and(|n| n as u64 > MAX_BLOB) {
        return Err(s3_error!(EntityTooLarge, "a part may hold at most 5 GiB"));
    }
    let written = store.write_blob(body, MAX_BLOB).await?;
    accept_written(store, &written, input.content_md5.as_deref(), input.content_length).await?;
    let part = record_part(store, &input.upload_id, input.part_number, written).await?;
    Ok(S3Response::new(UploadPartOutput { e_tag: Some(etag(&part.etag)), ..Default::default() }))
}

/// Records what was written as part `number` of the upload.
async fn record_part(store: &DiskStore, upload_id: &str, number: i32, written: Written) -> S3Result<PartMeta> {
    let part = PartMeta {
        part_number: number as u32,
        size: written.size,
        etag: hex(&written.md5),
        md5: written.md5,
        blob: written.blob,
        last_modified: timestamp_ms(),
    };
    store.put_part(upload_id, &part).await?;
    Ok(part)
}

/// A part copied from a range of an existing object (`aws s3 cp` copies large objects
/// between buckets this way).
pub(super) async fn upload_part_copy(
    store: &DiskStore,
    input: UploadPartCopyInput,
) -> S3Result<S3Response<UploadPartCopyOutput>> {
    if !(1..=MAX_PART_NUMBER).contains(&input.part_number) {
        return Err(s3_error!(InvalidArgument, "part numbers run from 1 to {MAX_PART_NUMBER}"));
    }
    let CopySource::Bucket { bucket: from_bucket, key: from_key, .. } = &input.copy_source else {
        return Err(s3_error!(NotImplemented, "only bucket copy sources are supported"));
    };
    store.get_upload(&input.bucket, &input.key, &input.upload_id).await?;
    let source = store.get_object(from_bucket, from_key).await?;
    let range = match input.copy_source_range.as_deref() {
        Some(text) => source_range(text, source.size)?,
        None => 0..source.size,
    };
    if range.end - range.start > MAX_BLOB {
        return Err(s3_error!(EntityTooLarge, "a part may hold at most 5 GiB"));
    }
    let written = store.write_blob(read_range(store, &source.segments, range), MAX_BLOB).await?;
    let part = record_part(store, &input.upload_id, input.part_number, written).await?;
    let result = CopyPartResult {
        e_tag: Some(etag(&part.etag)),
        last_modified: Some(timestamp(part.last_modified)),
        ..Default::default()
    };
    Ok(S3Response::new(UploadPartCopyOutput { copy_part_result: Some(result), ..Default::default() }))
}

/// `bytes=first-last` (both included) of an object of `size` bytes.
fn source_range(text: &str, size: u64) -> S3Result<std::ops::Range<u64>> {
    let bounds = text.trim().strip_prefix("bytes=").and_then(|r| r.split_once('-'));
    let parsed = bounds.and_then(|(first, last)| Some((first.parse::<u64>().ok()?, last.parse::<u64>().ok()?)));
    match parsed {
        Some((first, last)) if first <= last && last < size => Ok(first..last + 1),
        _ => Err(s3_error!(InvalidArgument, "x-amz-copy-source-range must be bytes=first-last inside the object")),
    }
}

pub(super) async fn list_parts(store: &DiskStore, input: ListPartsInput) -> S3Result<S3Response<ListPartsOutput>> {
    store.get_upload(&input.bucket, &input.key, &input.upload_id).await?;
    let marker = input.part_number_marker.unwrap_or(0).max(0) as u32;
    let max = input.max_parts.unwrap_or(1000).clamp(1, 1000) as usize;
    let after: Vec<PartMeta> =
        store.list_parts(&input.upload_id).await?.into_iter().filter(|p| p.part_number > marker).collect();
    let truncated = after.len() > max;
    let page: Vec<Part> = after
        .iter()
        .take(max)
        .map(|p| Part {
            part_number: Some(p.part_number as i32),
            e_tag: Some(etag(&p.etag)),
            size: Some(p.size as i64),
            last_modified: Some(timestamp(p.last_modified)),
            ..Default::default()
        })
        .collect();
    let next = page.last().and_then(|p| p.part_number);
    Ok(S3Response::new(ListPartsOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(input.upload_id),
        part_number_marker: input.part_number_marker,
        next_part_number_marker: truncated.then_some(next).flatten(),
        max_parts: Some(max as i32),
        is_truncated: Some(truncated),
        parts: Some(page),
        ..Default::default()
    }))
}

/// What a completion answered: the object, when this request made it.
pub(super) struct Completed {
    pub made: Option<ObjectMeta>,
    pub output: CompleteMultipartUploadOutput,
}

pub(super) async fn complete(store: &DiskStore, input: CompleteMultipartUploadInput) -> S3Result<Completed> {
    let listed = input.multipart_upload.and_then(|m| m.parts).unwrap_or_default();
    if listed.is_empty() {
        return Err(s3_error!(MalformedXML, "name at least one part to complete an upload"));
    }
    let mut named = Vec::with_capacity(listed.len());
    for part in &listed {
        let number = part.part_number.unwrap_or(0);
        if named.last().is_some_and(|&(previous, _)| number <= previous as i32) || number < 1 {
            return Err(s3_error!(InvalidPartOrder, "parts must be listed in ascending order"));
        }
        let sent = part.e_tag.as_ref().map(|t| bare(t.value()).to_owned()).unwrap_or_default();
        named.push((number as u32, sent));
    }
    let join = |upload: &UploadMeta, held: &[PartMeta]| join(upload, held, &named);
    let completion = store.complete_upload(&input.bucket, &input.key, &input.upload_id, &named, join).await?;
    let (made, tag) = match completion {
        Completion::Made(object) => {
            let tag = object.etag.clone();
            (Some(*object), tag)
        }
        Completion::Again { etag } => (None, etag),
    };
    let output = CompleteMultipartUploadOutput {
        bucket: Some(input.bucket.clone()),
        key: Some(input.key.clone()),
        e_tag: Some(etag(&tag)),
        location: Some(format!("/{}/{}", input.bucket, input.key)),
        ..Default::default()
    };
    Ok(Completed { made, output })
}

/// The object the `named` parts make, by S3's rules: each part held with the ETag the
/// client names (`InvalidPart` otherwise, as when a part was uploaded again since it was
/// listed), all but the last at least 5 MiB, and the `<md5 of part md5s>-<count>` ETag.
fn join(upload: &UploadMeta, held: &[PartMeta], named: &[(u32, String)]) -> Result<ObjectMeta, DiskError> {
    let mut chosen: Vec<&PartMeta> = Vec::with_capacity(named.len());
    for (number, sent) in named {
        let found = held
            .iter()
            .find(|p| p.part_number == *number)
            .ok_or_else(|| DiskError::InvalidPart(format!("part {number} was never uploaded")))?;
        if *sent != found.etag {
            return Err(DiskError::InvalidPart(format!("part {number} has ETag {}, not {sent}", found.etag)));
        }
        chosen.push(found);
    }
    if let Some(small) = chosen[..chosen.len() - 1].iter().find(|p| p.size < MIN_PART_SIZE) {
        return Err(DiskError::TooSmall(format!(
            "part {} is {} bytes; all but the last need 5 MiB",
            small.part_number, small.size
        )));
    }
    let mut digest = Md5::new();
    for part in &chosen {
        digest.update(part.md5);
    }
    Ok(ObjectMeta {
        key: upload.key.clone(),
        size: chosen.iter().map(|p| p.size).sum(),
        etag: format!("{}-{}", hex(&digest.finalize()), chosen.len()),
        content_type: upload.content_type.clone(),
        metadata: upload.metadata.clone(),
        last_modified: timestamp_ms(),
        segments: chosen.iter().map(|p| Segment { blob: p.blob.clone(), size: p.size }).collect(),
        parts_count: Some(chosen.len() as u32),
        headers: upload.headers.clone(),
    })
}

pub(super) async fn list_uploads(
    store: &DiskStore,
    input: ListMultipartUploadsInput,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let prefix = input.prefix.clone().unwrap_or_default();
    let key_marker = input.key_marker.clone().unwrap_or_default();
    let id_marker = input.upload_id_marker.clone().unwrap_or_default();
    let max = input.max_uploads.unwrap_or(1000).clamp(1, 1000) as usize;
    let after: Vec<_> = store
        .list_uploads(&input.bucket, &prefix)
        .await?
        .into_iter()
        .filter(|u| (u.key.as_str(), u.upload_id.as_str()) > (key_marker.as_str(), id_marker.as_str()))
        .collect();
    let truncated = after.len() > max;
    let page: Vec<_> = after.into_iter().take(max).collect();
    let last = page.last().map(|u| (u.key.clone(), u.upload_id.clone()));
    let uploads = page
        .into_iter()
        .map(|u| MultipartUpload {
            key: Some(u.key),
            upload_id: Some(u.upload_id),
            initiated: Some(timestamp(u.initiated)),
            ..Default::default()
        })
        .collect();
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: input.prefix,
        key_marker: input.key_marker,
        upload_id_marker: input.upload_id_marker,
        next_key_marker: truncated.then(|| last.clone().map(|l| l.0)).flatten(),
        next_upload_id_marker: truncated.then(|| last.map(|l| l.1)).flatten(),
        max_uploads: Some(max as i32),
        is_truncated: Some(truncated),
        uploads: Some(uploads),
        ..Default::default()
    }))
}
