//! The engine's promises where the protocol cannot reach: what a race, a broken body or a
//! crash leaves on disk.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, stream};

use super::*;

type Chunk = Result<Bytes, std::io::Error>;

fn body(bytes: &'static [u8]) -> impl futures::Stream<Item = Chunk> + Unpin {
    stream::iter(vec![Ok(Bytes::from_static(bytes))])
}

/// The files under `folder` (`tmp` or `blobs`), however deep.
fn files(root: &Path, folder: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![root.join(folder)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.path().is_dir() {
                dirs.push(entry.path());
            } else {
                found.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

async fn store_with_upload(root: &Path) -> (DiskStore, UploadMeta) {
    let store = DiskStore::open(root).await.unwrap();
    store.create_bucket("b").await.unwrap();
    let upload = new_upload_meta("b", "clip.mp4", None);
    store.create_upload(&upload).await.unwrap();
    (store, upload)
}

async fn put_part(store: &DiskStore, upload: &UploadMeta, bytes: &'static [u8]) -> PartMeta {
    let written = store.write_blob(body(bytes), MAX_BLOB).await.unwrap();
    let part = PartMeta {
        part_number: 1,
        size: written.size,
        etag: written.md5.iter().map(|b| format!("{b:02x}")).collect(),
        md5: written.md5,
        blob: written.blob,
        last_modified: now_ms(),
    };
    store.put_part(&upload.upload_id, &part).await.unwrap();
    part
}

/// The join a completion uses, reduced to the rule under test: the named ETag must be held.
fn join_named(upload: &UploadMeta, held: &[PartMeta], named: &[(u32, String)]) -> Result<ObjectMeta, DiskError> {
    let part = held
        .iter()
        .find(|p| p.part_number == named[0].0 && p.etag == named[0].1)
        .ok_or_else(|| DiskError::InvalidPart("changed".into()))?;
    Ok(ObjectMeta {
        key: upload.key.clone(),
        size: part.size,
        etag: format!("{}-1", part.etag),
        content_type: None,
        metadata: Default::default(),
        last_modified: now_ms(),
        segments: vec![Segment { blob: part.blob.clone(), size: part.size }],
        parts_count: Some(1),
        headers: Default::default(),
    })
}

#[tokio::test]
async fn a_part_uploaded_again_after_it_was_listed_makes_the_completion_refuse_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, upload) = store_with_upload(dir.path()).await;
    let listed = put_part(&store, &upload, b"first bytes").await;
    let again = put_part(&store, &upload, b"second bytes").await;

    let stale = [(1, listed.etag.clone())];
    let join = |u: &UploadMeta, held: &[PartMeta]| join_named(u, held, &stale);
    let refused = store.complete_upload("b", "clip.mp4", &upload.upload_id, &stale, join).await.unwrap_err();
    assert!(matches!(refused, DiskError::InvalidPart(_)), "{refused:?}");
    assert!(store.get_object("b", "clip.mp4").await.is_err(), "no object points at the replaced part");
    assert!(store.blob_path(&again.blob).exists(), "the part that is held stays");

    let current = [(1, again.etag.clone())];
    let join = |u: &UploadMeta, held: &[PartMeta]| join_named(u, held, &current);
    let done = store.complete_upload("b", "clip.mp4", &upload.upload_id, &current, join).await.unwrap();
    let Completion::Made(object) = done else { panic!("a first completion makes the object") };
    assert!(object.segments.iter().all(|s| store.blob_path(&s.blob).exists()), "every blob of the object is there");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!store.blob_path(&listed.blob).exists(), "the replaced part's blob was freed");
}

#[tokio::test]
async fn a_completion_retried_with_the_same_parts_gets_the_same_etag_and_other_parts_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let (store, upload) = store_with_upload(dir.path()).await;
    let part = put_part(&store, &upload, b"bytes").await;
    let named = [(1, part.etag.clone())];
    let join = |u: &UploadMeta, held: &[PartMeta]| join_named(u, held, &named);
    let Completion::Made(object) =
        store.complete_upload("b", "clip.mp4", &upload.upload_id, &named, join).await.unwrap()
    else {
        panic!("made")
    };
    let join = |u: &UploadMeta, held: &[PartMeta]| join_named(u, held, &named);
    match store.complete_upload("b", "clip.mp4", &upload.upload_id, &named, join).await.unwrap() {
        Completion::Again { etag } => assert_eq!(etag, object.etag),
        other => panic!("a retry makes nothing new: {other:?}"),
    }
    let other = [(1, "0".repeat(32))];
    let join = |u: &UploadMeta, held: &[PartMeta]| join_named(u, held, &other);
    let refused = store.complete_upload("b", "clip.mp4", &upload.upload_id, &other, join).await.unwrap_err();
    assert!(matches!(refused, DiskError::NoSuchUpload(_)), "{refused:?}");
}

#[tokio::test]
async fn a_broken_an_oversized_or_an_abandoned_body_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = DiskStore::open(dir.path()).await.unwrap();
    let broken = stream::iter(vec![Ok(Bytes::from_static(b"half")), Err(std::io::Error::other("reset"))]);
    assert!(matches!(store.write_blob(broken, MAX_BLOB).await, Err(DiskError::Body(_))));
    let big = stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 64]))));
    assert!(matches!(store.write_blob(big, 100).await, Err(DiskError::TooLarge(100))));

    // A request dropped mid-body: one chunk, then the client goes quiet and the server
    // gives up on it.
    let quiet = stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from_static(b"start"))]).chain(stream::pending());
    let writing = {
        let store = store.clone();
        tokio::spawn(async move { store.write_blob(Box::pin(quiet), MAX_BLOB).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    writing.abort();
    let mut left = (files(dir.path(), "tmp"), files(dir.path(), "blobs"));
    for _ in 0..50 {
        if left.0.is_empty() && left.1.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = (files(dir.path(), "tmp"), files(dir.path(), "blobs"));
    }
    assert_eq!(left, (vec![], vec![]), "nothing of the refused or dropped bodies is kept");
}

#[tokio::test]
async fn blob_files_nothing_references_are_collected_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (store, upload) = store_with_upload(dir.path()).await;
    let part = put_part(&store, &upload, b"held by an open upload").await;
    let written = store.write_blob(body(b"an object"), MAX_BLOB).await.unwrap();
    let object = ObjectMeta {
        key: "kept.txt".into(),
        size: written.size,
        etag: "e".into(),
        content_type: None,
        metadata: Default::default(),
        last_modified: now_ms(),
        segments: vec![Segment { blob: written.blob.clone(), size: written.size }],
        parts_count: None,
        headers: Default::default(),
    };
    store.put_object("b", &object).await.unwrap();
    // A crash between an index change and the file's removal leaves this behind.
    let orphan = store.write_blob(body(b"nobody's"), MAX_BLOB).await.unwrap();
    store.db.close().await;

    let store = DiskStore::open(dir.path()).await.unwrap();
    assert!(!store.blob_path(&orphan.blob).exists(), "the orphan is gone");
    assert!(store.blob_path(&written.blob).exists() && store.blob_path(&part.blob).exists(), "referenced blobs stay");
}
