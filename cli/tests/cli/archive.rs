//! An original in an archive storage class, on moto's S3 (which keeps storage classes,
//! refuses to read archived objects, and restores at once): the ingest asks for the
//! restore, waits in the queue without holding a worker or spending a try, then goes on.

use std::process::Command;

use mediaport_backends::testing::Moto;
use mediaport_core::ports::queue::{JobFilter, JobKind};
use mediaport_wiring::settings::StorageKind;

use crate::common;
use crate::common::client::Client;

const PASSWORD: &str = "Gl4cier-Tester!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_original_is_restored_before_its_ingest() {
    let moto = Moto::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    let storage = &mut settings.storage;
    storage.kind = StorageKind::S3;
    storage.endpoint = Some(moto.endpoint.clone());
    (storage.access_key, storage.secret_key) = (Some("test".into()), Some("test".into()));
    storage.force_path_style = true;
    settings.worker.in_server = true;
    settings.worker.restore_check_secs = 1;
    settings.uploads.adopt_copies = false;
    let a = &mut settings.analysis;
    (a.labels, a.text, a.moderation, a.shots, a.transcript, a.faces) = (false, false, false, false, false, false);
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;

    let tone = dir.path().join("tone.wav");
    let made = Command::new("ffmpeg").args(["-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=2"]).arg(&tone).status();
    assert!(made.unwrap().success());
    let s3 = moto.s3();
    let bucket = server.settings.storage.ingest_bucket.clone();
    let key = "1998/Interview, archived.wav";
    s3.put_object()
        .bucket(&bucket)
        .key(key)
        .storage_class(aws_sdk_s3::types::StorageClass::DeepArchive)
        .body(std::fs::read(&tone).unwrap().into())
        .send()
        .await
        .unwrap();
    let unread = s3.get_object().bucket(&bucket).key(key).send().await;
    assert!(unread.is_err(), "an archived object cannot be read before its restore");

    let request = serde_json::json!({"bucket": bucket, "key": key});
    let response = client.call(reqwest::Method::POST, "/api/assets", &client.editor, Some(request)).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let asset = client.ready(&id).await;
    assert_eq!(asset.size, std::fs::metadata(&tone).unwrap().len());

    let head = s3.head_object().bucket(&bucket).key(key).send().await.unwrap();
    assert!(head.restore().is_some_and(|r| r.contains("ongoing-request=\"false\"")), "a restore was asked for");
    let filter = JobFilter { asset_id: Some(id.as_str().into()), status: None, kind: None };
    let jobs = server.state.queue.list(&filter, 10).await.unwrap();
    let ingest = jobs.iter().find(|j| j.task.kind() == JobKind::Ingest).unwrap();
    assert_eq!(ingest.attempts, 1, "waiting for the restore spent no try");
    server.shutdown().await.unwrap();
}
