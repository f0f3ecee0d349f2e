//! The storage port's suite: what every object store must do, run through the S3 adapter
//! against each S3 server that can run here.

use std::time::{Duration, SystemTime};

use mediaport_core::{PartInfo, Storage, StorageError};

pub async fn suite(storage: &dyn Storage) {
    let bucket = "suite-bucket";
    assert!(matches!(storage.check_bucket(bucket).await, Err(StorageError::NoSuchBucket(_))));
    storage.ensure_bucket(bucket).await.unwrap();
    storage.ensure_bucket(bucket).await.unwrap(); // a second time is fine
    storage.check_bucket(bucket).await.unwrap();

    let body = bytes::Bytes::from(b"{\"labels\":[\"dog\"]}".repeat(100));
    storage.put_object(bucket, "results/a/labels.json", body.clone()).await.unwrap();
    storage.put_object(bucket, "results/b/labels.json", "{}".into()).await.unwrap();
    storage.put_object(bucket, "other.json", "{}".into()).await.unwrap();
    assert_eq!(storage.get_object(bucket, "results/a/labels.json").await.unwrap(), body);

    let info = storage.head_object(bucket, "results/a/labels.json").await.unwrap();
    assert_eq!(info.size, body.len() as u64);
    let etag = info.etag.unwrap();
    assert_eq!(etag.trim_matches('"'), md5(&body));

    let listed: Vec<_> = storage.list_objects(bucket, "results/").await.unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(listed, ["results/a/labels.json", "results/b/labels.json"]);

    let missing = storage.get_object(bucket, "results/none.json").await.unwrap_err();
    assert!(matches!(missing, StorageError::NoSuchKey { .. }), "{missing:?}");
    let missing = storage.head_object(bucket, "results/none.json").await.unwrap_err();
    assert!(matches!(missing, StorageError::NoSuchKey { .. }), "{missing:?}");

    storage.delete_object(bucket, "results/b/labels.json").await.unwrap();
    storage.delete_object(bucket, "results/b/labels.json").await.unwrap(); // already gone: fine
    let listed = storage.list_objects(bucket, "results/").await.unwrap();
    assert_eq!(listed.len(), 1);

    batch_delete(storage, bucket).await;
    multipart(storage, bucket).await;
}

/// More keys than one DeleteObjects request takes, and one that is missing: all go, and
/// what was not named stays.
async fn batch_delete(storage: &dyn Storage, bucket: &str) {
    use futures::StreamExt;
    let keys: Vec<String> = (0..1005).map(|n| format!("frames/f{n:04}.jpg")).collect();
    futures::stream::iter(&keys)
        .for_each_concurrent(16, |key| async move { storage.put_object(bucket, key, "x".into()).await.unwrap() })
        .await;
    storage.put_object(bucket, "frames-kept.json", "{}".into()).await.unwrap();
    assert_eq!(storage.list_objects(bucket, "frames/").await.unwrap().len(), 1005);
    let mut named = keys.clone();
    named.push("frames/never-there.jpg".into());
    storage.delete_objects(bucket, &named).await.unwrap();
    storage.delete_objects(bucket, &[]).await.unwrap();
    assert!(storage.list_objects(bucket, "frames/").await.unwrap().is_empty());
    storage.head_object(bucket, "frames-kept.json").await.unwrap();
}

/// Parts PUT to presigned URLs with no headers, listed, checked at completion, and
/// joined byte for byte; abort frees everything.
async fn multipart(storage: &dyn Storage, bucket: &str) {
    let key = "uploads/film.mov";
    let first: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let last = b"the end".to_vec();
    let id = storage.create_multipart(bucket, key, Some("video/quicktime")).await.unwrap();
    let http = reqwest::Client::new();
    let mut etags = Vec::new();
    for (number, body) in [(1, &first), (2, &last)] {
        let url = storage.presign_upload_part(bucket, key, &id, number, Duration::from_secs(600)).await.unwrap();
        let put = http.put(&url).body(body.clone()).send().await.unwrap();
        assert!(put.status().is_success(), "part {number}: {}", put.text().await.unwrap());
        etags.push(put.headers()["etag"].to_str().unwrap().to_owned());
    }
    let parts = storage.list_parts(bucket, key, &id).await.unwrap();
    let seen: Vec<_> = parts.iter().map(|p| (p.part_number, p.size, p.etag.clone())).collect();
    assert_eq!(seen, [(1, first.len() as u64, etags[0].clone()), (2, last.len() as u64, etags[1].clone())]);
    let age = |part: &PartInfo| SystemTime::now().duration_since(part.last_modified).unwrap_or_default();
    assert!(parts.iter().all(|p| age(p) < Duration::from_secs(60)), "parts are timed as they arrive: {parts:?}");
    let open = storage.list_multiparts(bucket).await.unwrap();
    assert!(open.iter().any(|u| u.upload_id == id && u.key == key), "{open:?}");

    let wrong = [(1, etags[0].clone()), (2, format!("\"{}\"", "0".repeat(32)))];
    let wrong = storage.complete_multipart(bucket, key, &id, &wrong).await;
    assert!(matches!(wrong, Err(StorageError::InvalidPart(_))), "{wrong:?}");
    let missing = [(1, etags[0].clone()), (3, etags[1].clone())];
    let missing = storage.complete_multipart(bucket, key, &id, &missing).await;
    assert!(matches!(missing, Err(StorageError::InvalidPart(_))), "{missing:?}");
    let joined =
        storage.complete_multipart(bucket, key, &id, &[(1, etags[0].clone()), (2, etags[1].clone())]).await.unwrap();
    assert_eq!(joined.size, (first.len() + last.len()) as u64);
    assert!(joined.etag.unwrap().trim_matches('"').ends_with("-2"));
    let url = storage.presign_get(bucket, key, Duration::from_secs(600)).await.unwrap();
    let back = http.get(&url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(md5(&back), md5(&[first.as_slice(), last.as_slice()].concat()));
    assert!(!storage.list_multiparts(bucket).await.unwrap().iter().any(|u| u.upload_id == id));
    // A streamed read from an offset inside the first part runs across the part boundary.
    let offset = first.len() as u64 - 3;
    let tail = read_stream(storage.read_from(bucket, key, offset).await.unwrap()).await;
    assert_eq!(tail, [&first[first.len() - 3..], last.as_slice()].concat());
    let whole = read_stream(storage.read_from(bucket, key, 0).await.unwrap()).await;
    assert_eq!(whole.len(), first.len() + last.len());
    let missing = storage.read_from(bucket, "uploads/none.mov", 0).await.err().unwrap();
    assert!(matches!(missing, StorageError::NoSuchKey { .. }), "{missing:?}");

    // A file put from disk keeps its content type, which players rely on.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proxy.mp4");
    std::fs::write(&file, &first).unwrap();
    storage.put_file(bucket, "proxies/proxy.mp4", &file, "video/mp4").await.unwrap();
    let url = storage.presign_get(bucket, "proxies/proxy.mp4", Duration::from_secs(600)).await.unwrap();
    let got = http.get(&url).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "video/mp4");
    assert_eq!(md5(&got.bytes().await.unwrap()), md5(&first));

    let id = storage.create_multipart(bucket, "uploads/dropped.mov", None).await.unwrap();
    let url =
        storage.presign_upload_part(bucket, "uploads/dropped.mov", &id, 1, Duration::from_secs(600)).await.unwrap();
    http.put(&url).body(last.clone()).send().await.unwrap().error_for_status().unwrap();
    storage.abort_multipart(bucket, "uploads/dropped.mov", &id).await.unwrap();
    let gone = storage.list_parts(bucket, "uploads/dropped.mov", &id).await.unwrap_err();
    assert!(matches!(gone, StorageError::NoSuchUpload(_)), "{gone:?}");
    assert!(storage.list_multiparts(bucket).await.unwrap().is_empty());
}

async fn read_stream(mut stream: mediaport_core::ObjectStream) -> Vec<u8> {
    use futures::StreamExt;
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

fn md5(data: &[u8]) -> String {
    format!("{:x}", <md5::Md5 as md5::Digest>::digest(data))
}
