//! The intake's rules on in-memory ports: an upload's states from open to completed or
//! aborted, what each step refuses, and registration of objects already in the bucket.

use std::time::Duration;

use bytes::Bytes;
use mediaport_shared::{
    AssetId, AssetStatus, CompleteUploadRequest, CompletedPart, CreateUploadRequest, RegisterAssetRequest, UploadId,
};

use super::{Intake, IntakeError, UploadPolicy};
use crate::error::ServiceError;
use crate::memory::{MemoryCatalog, MemoryQueue, MemoryStorage};
use crate::ports::catalog::Catalog;
use crate::ports::queue::{JobFilter, JobKind, Queue};
use crate::ports::storage::Storage;

const BUCKET: &str = "ingest";

struct Ports {
    catalog: MemoryCatalog,
    storage: MemoryStorage,
    queue: MemoryQueue,
    policy: UploadPolicy,
}

impl Ports {
    async fn new() -> Self {
        let storage = MemoryStorage::default();
        storage.ensure_bucket(BUCKET).await.unwrap();
        let policy = UploadPolicy {
            bucket: BUCKET.into(),
            part_url_ttl: Duration::from_secs(600),
            abandon_after: Duration::from_secs(3600),
        };
        Self { catalog: MemoryCatalog::default(), storage, queue: MemoryQueue::default(), policy }
    }

    fn intake(&self) -> Intake<'_> {
        Intake { catalog: &self.catalog, storage: &self.storage, queue: &self.queue, policy: &self.policy }
    }

    /// Sends part 1 as a browser would and returns its ETag.
    async fn send_part(&self, upload_id: &UploadId, body: &'static [u8]) -> String {
        let record = self.catalog.get_upload(upload_id).await.unwrap();
        self.storage.put_part(&record.storage_upload_id, 1, Bytes::from_static(body)).unwrap()
    }

    /// The kinds of job queued for an asset.
    async fn jobs_of(&self, asset_id: &AssetId) -> Vec<JobKind> {
        let filter = JobFilter { asset_id: Some(asset_id.clone()), status: None, kind: None };
        self.queue.list(&filter, 10).await.unwrap().iter().map(|j| j.task.kind()).collect()
    }
}

fn upload(filename: &str, size: u64) -> CreateUploadRequest {
    CreateUploadRequest {
        filename: filename.into(),
        size,
        content_type: None,
        md5: None,
        group: None,
        attributes: Default::default(),
        ai_options: None,
    }
}

fn parts(etag: &str) -> CompleteUploadRequest {
    CompleteUploadRequest { parts: vec![CompletedPart { part_number: 1, etag: etag.into() }], md5: None }
}

fn code<T: std::fmt::Debug>(result: Result<T, IntakeError>) -> &'static str {
    result.expect_err("refused").code()
}

#[tokio::test]
async fn an_upload_goes_from_open_to_completed_and_queues_its_ingest() {
    let ports = Ports::new().await;
    let intake = ports.intake();
    let started = intake.start(upload("clip.mp4", 10), "ana").await.unwrap();
    assert_eq!((started.part_count, started.key.ends_with("/clip.mp4")), (1, true));
    assert_eq!(ports.catalog.get_asset(&started.asset_id).await.unwrap().status, AssetStatus::Uploading);
    assert!(ports.jobs_of(&started.asset_id).await.is_empty(), "nothing to ingest before the bytes are whole");

    let urls = intake.presign_parts(&started.upload_id, &[1]).await.unwrap();
    assert!(urls[0].url.contains("partNumber=1"), "{}", urls[0].url);
    assert_eq!(code(intake.presign_parts(&started.upload_id, &[2]).await), "invalid-part-number");
    assert_eq!(code(intake.presign_parts(&"no-such-upload".into(), &[1]).await), "not-found");

    let etag = ports.send_part(&started.upload_id, b"0123456789").await;
    assert_eq!(intake.stored_parts(&started.upload_id).await.unwrap().len(), 1, "a resumed client skips it");
    assert_eq!(code(intake.complete(&started.upload_id, parts("\"other\"")).await), "etag-mismatch");
    let asset =
        intake.complete(&started.upload_id, parts(&etag)).await.expect("the upload stays open after a bad list");
    assert_eq!(asset.status, AssetStatus::Ingesting);
    assert_eq!(ports.storage.get_object(BUCKET, &started.key).await.unwrap(), Bytes::from_static(b"0123456789"));
    assert_eq!(ports.jobs_of(&asset.id).await, [JobKind::Ingest]);

    assert_eq!(code(intake.complete(&started.upload_id, parts(&etag)).await), "upload-completed");
    assert_eq!(code(intake.abort(&started.upload_id).await), "upload-completed");
}

#[tokio::test]
async fn a_part_of_the_wrong_size_is_refused_and_the_upload_stays_open() {
    let ports = Ports::new().await;
    let intake = ports.intake();
    let started = intake.start(upload("take.wav", 10), "ana").await.unwrap();
    let short = ports.send_part(&started.upload_id, b"01234").await;
    assert_eq!(code(intake.complete(&started.upload_id, parts(&short)).await), "part-size-mismatch");
    let whole = ports.send_part(&started.upload_id, b"0123456789").await;
    assert_eq!(intake.complete(&started.upload_id, parts(&whole)).await.unwrap().status, AssetStatus::Ingesting);
}

#[tokio::test]
async fn an_aborted_upload_leaves_nothing_and_aborting_twice_is_fine() {
    let ports = Ports::new().await;
    let intake = ports.intake();
    let started = intake.start(upload("clip.mp4", 10), "ana").await.unwrap();
    ports.send_part(&started.upload_id, b"0123456789").await;
    intake.abort(&started.upload_id).await.unwrap();
    intake.abort(&started.upload_id).await.unwrap();
    assert!(ports.catalog.get_asset(&started.asset_id).await.is_err(), "the uploading asset is gone");
    assert!(ports.storage.list_multiparts(BUCKET).await.unwrap().is_empty(), "storage freed the parts");
    assert_eq!(code(intake.presign_parts(&started.upload_id, &[1]).await), "upload-aborted");
}

#[tokio::test]
async fn bad_starts_are_refused_with_their_code() {
    let ports = Ports::new().await;
    let intake = ports.intake();
    assert_eq!(code(intake.start(upload("empty.mp4", 0), "ana").await), "empty-file");
    assert_eq!(code(intake.start(upload("huge.mp4", 6 << 40), "ana").await), "too-large");
    assert_eq!(code(intake.start(upload("../clip.mp4", 10), "ana").await), "invalid-filename");
    assert!(ports.storage.list_multiparts(BUCKET).await.unwrap().is_empty(), "no storage upload was opened");
}

#[tokio::test]
async fn an_object_in_the_bucket_is_registered_once_and_a_deleted_one_stays_deleted() {
    let ports = Ports::new().await;
    let intake = ports.intake();
    let register = |key: &str| RegisterAssetRequest {
        bucket: BUCKET.into(),
        key: key.into(),
        group: None,
        attributes: Default::default(),
        ai_options: None,
    };
    assert_eq!(code(intake.register(register("bulk/clip.mp4")).await), "not-found");
    ports.storage.put_object(BUCKET, "bulk/clip.mp4", Bytes::from_static(b"bytes")).await.unwrap();
    let asset = intake.register(register("bulk/clip.mp4")).await.unwrap();
    assert_eq!((asset.filename.as_str(), asset.status), ("clip.mp4", AssetStatus::Ingesting));
    assert_eq!(ports.jobs_of(&asset.id).await, [JobKind::Ingest]);
    assert_eq!(code(intake.register(register("bulk/clip.mp4")).await), "already-registered");
    assert!(intake.adopt("bulk/clip.mp4").await.unwrap().is_none(), "already an asset");
    let elsewhere = RegisterAssetRequest { bucket: "other".into(), ..register("bulk/clip.mp4") };
    assert_eq!(code(intake.register(elsewhere).await), "unknown-bucket");

    ports.catalog.delete_asset(&asset.id, true).await.unwrap();
    assert!(intake.adopt("bulk/clip.mp4").await.unwrap().is_none(), "a deleted asset's original stays deleted");
    ports.storage.put_object(BUCKET, "bulk/new.mp4", Bytes::from_static(b"bytes")).await.unwrap();
    assert!(intake.adopt("bulk/new.mp4").await.unwrap().is_some(), "a new copy becomes an asset");
}
