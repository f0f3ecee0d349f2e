//! Bucket and object operations of the embedded endpoint: the S3 protocol (parsed and
//! authenticated by `s3s`) over [`DiskStore`].

use std::io::{Read, Seek, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use bytes::Bytes;
use futures::Stream;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Response, S3Result, s3_error};

use super::disk::{DiskStore, MAX_BLOB, ObjectMeta, Segment, StoredHeaders, Written};

/// Bytes read from a blob file at a time.
const READ_CHUNK: usize = 256 * 1024;

pub(super) fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from(UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64))
}

/// An `Expires` time as the HTTP date it is stored and sent as.
pub(super) fn http_date(time: &Timestamp) -> Option<String> {
    let mut text = Vec::new();
    time.format(TimestampFormat::HttpDate, &mut text).ok()?;
    String::from_utf8(text).ok()
}

fn stored_headers(
    cache_control: Option<String>,
    content_disposition: Option<String>,
    content_encoding: Option<String>,
    content_language: Option<String>,
    expires: Option<&Timestamp>,
) -> StoredHeaders {
    StoredHeaders {
        cache_control,
        content_disposition,
        content_encoding,
        content_language,
        expires: expires.and_then(http_date),
    }
}

pub(super) fn etag(value: &str) -> ETag {
    ETag::Strong(value.to_owned())
}

/// The bare value of an ETag a client sent, with or without quotes.
pub(super) fn bare(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

/// Checks a `Content-MD5` header against the digest of what arrived.
fn check_content_md5(sent: Option<&str>, md5: &[u8; 16]) -> S3Result<()> {
    let Some(sent) = sent else { return Ok(()) };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(sent.trim())
        .map_err(|_| s3_error!(InvalidDigest, "Content-MD5 is not base64"))?;
    if decoded.as_slice() == md5 { Ok(()) } else { Err(s3_error!(BadDigest, "the body does not match Content-MD5")) }
}

/// Checks what arrived against `Content-MD5` and `Content-Length`; a refused blob is removed.
pub(super) async fn accept_written(
    store: &DiskStore,
    written: &Written,
    content_md5: Option<&str>,
    content_length: Option<i64>,
) -> S3Result<()> {
    let checked = check_content_md5(content_md5, &written.md5).and_then(|()| match content_length {
        Some(declared) if declared as u64 != written.size => {
            Err(s3_error!(IncompleteBody, "{} bytes arrived of {declared}", written.size))
        }
        _ => Ok(()),
    });
    if checked.is_err() {
        store.remove_blobs(std::slice::from_ref(&written.blob)).await;
    }
    checked
}

/// A blob stream fed by a blocking reader thread: file reads stay off the runtime.
struct BlobStream {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
}

impl Stream for BlobStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// Streams `range` of an object whose bytes are `segments`, in order.
pub(super) fn read_range(store: &DiskStore, segments: &[Segment], range: std::ops::Range<u64>) -> StreamingBlob {
    let mut pieces = Vec::new();
    let mut offset = 0u64;
    for segment in segments {
        let (start, end) = (offset, offset + segment.size);
        offset = end;
        if end <= range.start || start >= range.end {
            continue;
        }
        let from = range.start.max(start) - start;
        let to = range.end.min(end) - start;
        pieces.push((store.blob_path(&segment.blob), from, to - from));
    }
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::task::spawn_blocking(move || {
        for (path, from, len) in pieces {
            let opened = std::fs::File::open(&path).and_then(|mut f| f.seek(SeekFrom::Start(from)).map(|_| f));
            let mut file = match opened {
                Ok(file) => file.take(len),
                Err(err) => {
                    let _ = tx.blocking_send(Err(err));
                    return;
                }
            };
            loop {
                let mut buf = vec![0u8; READ_CHUNK];
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                            return;
                        }
                    }
                    Err(err) => {
                        let _ = tx.blocking_send(Err(err));
                        return;
                    }
                }
            }
        }
    });
    StreamingBlob::wrap(BlobStream { rx })
}

pub(super) async fn list_buckets(store: &DiskStore) -> S3Result<S3Response<ListBucketsOutput>> {
    let buckets = store
        .list_buckets()
        .await?
        .into_iter()
        .map(|(name, created)| Bucket {
            name: Some(name),
            creation_date: Some(timestamp(created)),
            ..Default::default()
        })
        .collect();
    Ok(S3Response::new(ListBucketsOutput { buckets: Some(buckets), ..Default::default() }))
}

pub(super) async fn create_bucket(store: &DiskStore, bucket: &str) -> S3Result<S3Response<CreateBucketOutput>> {
    if !store.create_bucket(bucket).await? {
        return Err(s3_error!(BucketAlreadyOwnedByYou, "you already own bucket {bucket}"));
    }
    Ok(S3Response::new(CreateBucketOutput { location: Some(format!("/{bucket}")) }))
}

pub(super) async fn get_object(store: &DiskStore, input: GetObjectInput) -> S3Result<S3Response<GetObjectOutput>> {
    let object = store.get_object(&input.bucket, &input.key).await?;
    check_preconditions(&object, input.if_match.as_ref(), input.if_none_match.as_ref())?;
    let (range, content_range) = match &input.range {
        Some(range) => {
            let r = range.check(object.size).map_err(|_| s3_error!(InvalidRange, "the range is outside the object"))?;
            let header = format!("bytes {}-{}/{}", r.start, r.end.saturating_sub(1), object.size);
            (r, Some(header))
        }
        None => (0..object.size, None),
    };
    let output = GetObjectOutput {
        body: Some(read_range(store, &object.segments, range.clone())),
        content_length: Some((range.end - range.start) as i64),
        content_range,
        accept_ranges: Some("bytes".to_owned()),
        last_modified: Some(timestamp(object.last_modified)),
        parts_count: object.parts_count.map(|n| n as i32),
        ..describe(&object)
    };
    Ok(S3Response::new(output))
}

/// `If-Match` and `If-None-Match` as S3 answers them: 412 and 304.
fn check_preconditions(
    object: &ObjectMeta,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
) -> S3Result<()> {
    let matches = |condition: &ETagCondition| match condition {
        ETagCondition::Any => true,
        ETagCondition::ETag(tag) => bare(tag.value()) == object.etag,
    };
    if if_match.is_some_and(|c| !matches(c)) {
        return Err(s3_error!(PreconditionFailed, "the object's ETag does not match If-Match"));
    }
    if if_none_match.is_some_and(matches) {
        let mut err = S3Error::new(S3ErrorCode::NotModified);
        err.set_status_code(http::StatusCode::NOT_MODIFIED);
        // A cache revalidating learns which version it holds is current.
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(&format!("\"{}\"", object.etag)) {
            headers.insert(http::header::ETAG, value);
        }
        err.set_headers(headers);
        return Err(err);
    }
    Ok(())
}

/// The headers GET and HEAD share.
fn describe(object: &ObjectMeta) -> GetObjectOutput {
    let headers = &object.headers;
    GetObjectOutput {
        cache_control: headers.cache_control.clone(),
        content_disposition: headers.content_disposition.clone(),
        content_encoding: headers.content_encoding.clone(),
        content_language: headers.content_language.clone(),
        expires: headers.expires.as_deref().and_then(|t| Timestamp::parse(TimestampFormat::HttpDate, t).ok()),
        e_tag: Some(etag(&object.etag)),
        content_type: object.content_type.clone(),
        metadata: (!object.metadata.is_empty()).then(|| object.metadata.clone()),
        content_length: Some(object.size as i64),
        last_modified: Some(timestamp(object.last_modified)),
        ..Default::default()
    }
}

pub(super) async fn head_object(store: &DiskStore, input: HeadObjectInput) -> S3Result<S3Response<HeadObjectOutput>> {
    let object = store.get_object(&input.bucket, &input.key).await?;
    check_preconditions(&object, input.if_match.as_ref(), input.if_none_match.as_ref())?;
    let got = describe(&object);
    Ok(S3Response::new(HeadObjectOutput {
        cache_control: got.cache_control,
        content_disposition: got.content_disposition,
        content_encoding: got.content_encoding,
        content_language: got.content_language,
        expires: got.expires,
        e_tag: got.e_tag,
        content_type: got.content_type,
        metadata: got.metadata,
        content_length: got.content_length,
        last_modified: got.last_modified,
        accept_ranges: Some("bytes".to_owned()),
        parts_count: object.parts_count.map(|n| n as i32),
        ..Default::default()
    }))
}

pub(super) async fn put_object(store: &DiskStore, input: PutObjectInput) -> S3Result<(ObjectMeta, PutObjectOutput)> {
    store.require_bucket(&input.bucket).await?;
    let body = input.body.ok_or_else(|| s3_error!(IncompleteBody, "a PUT needs a body"))?;
    if input.content_length.is_some_and(|n| n as u64 > MAX_BLOB) {
        return Err(s3_error!(EntityTooLarge, "a single PUT may hold at most 5 GiB: use a multipart upload"));
    }
    let written = store.write_blob(body, MAX_BLOB).await?;
    accept_written(store, &written, input.content_md5.as_deref(), input.content_length).await?;
    let object = ObjectMeta {
        key: input.key,
        size: written.size,
        etag: hex(&written.md5),
        content_type: input.content_type,
        metadata: input.metadata.unwrap_or_default(),
        last_modified: super::disk::timestamp_ms(),
        segments: vec![Segment { blob: written.blob, size: written.size }],
        parts_count: None,
        headers: stored_headers(
            input.cache_control,
            input.content_disposition,
            input.content_encoding,
            input.content_language,
            input.expires.as_ref(),
        ),
    };
    store.put_object(&input.bucket, &object).await?;
    let output = PutObjectOutput { e_tag: Some(etag(&object.etag)), ..Default::default() };
    Ok((object, output))
}

pub(super) async fn copy_object(store: &DiskStore, input: CopyObjectInput) -> S3Result<(ObjectMeta, CopyObjectOutput)> {
    let CopySource::Bucket { bucket: from_bucket, key: from_key, .. } = &input.copy_source else {
        return Err(s3_error!(NotImplemented, "only bucket copy sources are supported"));
    };
    let source = store.get_object(from_bucket, from_key).await?;
    store.require_bucket(&input.bucket).await?;
    let mut segments = Vec::with_capacity(source.segments.len());
    for segment in &source.segments {
        segments.push(Segment { blob: store.clone_blob(&segment.blob).await?, size: segment.size });
    }
    let replace = input.metadata_directive.as_ref().is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
    let (content_type, metadata, headers) = if replace {
        let headers = stored_headers(
            input.cache_control,
            input.content_disposition,
            input.content_encoding,
            input.content_language,
            input.expires.as_ref(),
        );
        (input.content_type, input.metadata.unwrap_or_default(), headers)
    } else {
        (source.content_type.clone(), source.metadata.clone(), source.headers.clone())
    };
    let object = ObjectMeta {
        key: input.key,
        size: source.size,
        etag: source.etag.clone(),
        content_type,
        metadata,
        last_modified: super::disk::timestamp_ms(),
        segments,
        parts_count: source.parts_count,
        headers,
    };
    store.put_object(&input.bucket, &object).await?;
    let result = CopyObjectResult {
        e_tag: Some(etag(&object.etag)),
        last_modified: Some(timestamp(object.last_modified)),
        ..Default::default()
    };
    Ok((object, CopyObjectOutput { copy_object_result: Some(result), ..Default::default() }))
}

pub(super) async fn delete_objects(
    store: &DiskStore,
    input: DeleteObjectsInput,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    let mut deleted = Vec::new();
    for object in input.delete.objects {
        store.delete_object(&input.bucket, &object.key).await?;
        deleted.push(DeletedObject { key: Some(object.key), ..Default::default() });
    }
    let quiet = input.delete.quiet.unwrap_or(false);
    Ok(S3Response::new(DeleteObjectsOutput { deleted: (!quiet).then_some(deleted), ..Default::default() }))
}

/// One page of a listing: objects, folded common prefixes, and where the next page starts.
pub(super) struct Listing {
    pub objects: Vec<ObjectMeta>,
    pub prefixes: Vec<String>,
    pub next: Option<String>,
    /// The page's last key or common prefix, in key order: ListObjects' `NextMarker`.
    pub last: Option<String>,
}

/// Where a ListObjects (v1) page starts after `marker`. A marker inside a common prefix
/// (S3 hands the prefix itself back as `NextMarker`) skips every key under it: they were
/// listed as that prefix already.
pub(super) fn after_marker(marker: &str, prefix: &str, delimiter: Option<&str>) -> String {
    match common_prefix(marker, prefix, delimiter) {
        // U+10FFFF sorts after any character in a key.
        Some(common) => format!("{common}\u{10FFFF}"),
        None => marker.to_owned(),
    }
}

/// The common prefix a listing folds `key` into: `prefix` and what follows it up to and
/// including the first `delimiter`; none without a delimiter after the prefix.
fn common_prefix<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let delimiter = delimiter.filter(|d| !d.is_empty())?;
    let at = key.strip_prefix(prefix)?.find(delimiter)?;
    Some(&key[..prefix.len() + at + delimiter.len()])
}

/// Lists keys after `after`, folding keys that share a prefix up to `delimiter`.
pub(super) async fn list(
    store: &DiskStore,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    after: &str,
    max_keys: usize,
) -> S3Result<Listing> {
    store.require_bucket(bucket).await?;
    let mut listing = Listing { objects: Vec::new(), prefixes: Vec::new(), next: None, last: None };
    let mut cursor = after.to_owned();
    'pages: loop {
        let batch = store.list_objects(bucket, prefix, &cursor, 1000).await?;
        if batch.is_empty() {
            return Ok(listing);
        }
        for object in batch {
            if listing.objects.len() + listing.prefixes.len() == max_keys {
                listing.next = Some(cursor);
                return Ok(listing);
            }
            match common_prefix(&object.key, prefix, delimiter).map(str::to_owned) {
                Some(common) => {
                    // Skip every key under this prefix: U+10FFFF sorts after any character in a key.
                    cursor = format!("{common}\u{10FFFF}");
                    listing.last = Some(common.clone());
                    listing.prefixes.push(common);
                    continue 'pages;
                }
                None => {
                    cursor = object.key.clone();
                    listing.last = Some(object.key.clone());
                    listing.objects.push(object);
                }
            }
        }
    }
}

pub(super) fn to_object(object: &ObjectMeta) -> Object {
    Object {
        key: Some(object.key.clone()),
        size: Some(object.size as i64),
        e_tag: Some(etag(&object.etag)),
        last_modified: Some(timestamp(object.last_modified)),
        storage_class: Some(ObjectStorageClass::from_static(ObjectStorageClass::STANDARD)),
        ..Default::default()
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn token(cursor: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cursor)
}

pub(super) fn untoken(token: &str) -> S3Result<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| s3_error!(InvalidArgument, "the continuation token is not valid"))
}
