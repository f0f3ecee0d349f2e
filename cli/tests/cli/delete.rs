//! Deleting an asset through the real server and its own worker: a picture whose words
//! are read is ingested and analysed; deleted, it leaves search and the catalog at once,
//! its proxies, results and vectors go with the worker's removal job, and its original
//! stays unless purged, and the bucket scan does not make it an asset again. Viewers
//! cannot delete; an upload in progress is aborted instead.

use std::process::Command;
use std::time::{Duration, Instant};

use mediaport_core::search::semantic;
use mediaport_shared::ErrorBody;
use reqwest::Method;

use crate::common;
use crate::common::client::Client;

const PASSWORD: &str = "D3lete-Tester!";

/// Waits for the worker's removal job to have done `what`.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_asset_leaves_search_at_once_and_its_outputs_after_and_a_purge_takes_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.worker.in_server = true;
    settings.uploads.adopt_copies = false;
    let analysis = &mut settings.analysis;
    (analysis.labels, analysis.moderation, analysis.faces, analysis.transcript) = (false, false, false, false);
    analysis.text = true;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;
    let picture = dir.path().join("sign.png");
    let card = "color=c=white:s=640x360,drawtext=text='LISBON HARBOUR':x=60:y=150:fontsize=60:fontcolor=black";
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", card, "-frames:v", "1"])
        .arg(&picture)
        .status()
        .unwrap();
    assert!(made.success());

    let (proxy, ingest) = (&server.settings.storage.proxy_bucket, &server.settings.storage.ingest_bucket);
    let storage = server.state.storage.as_ref();
    let vectors = server.state.vectors.as_ref();
    let id = client.register(&server, &picture, "bulk/sign.png").await;
    client.ready(&id).await;
    assert_eq!(client.found("harbour").await, 1);
    assert!(!storage.list_objects(proxy, &format!("{id}/")).await.unwrap().is_empty());
    assert!(vectors.count(semantic::SPACE).await.unwrap() > 0, "its words are embedded");

    let refused = client.call(Method::DELETE, &format!("/api/assets/{id}"), &client.viewer, None).await;
    assert_eq!(refused.status(), 403);
    let deleted = client.call(Method::DELETE, &format!("/api/assets/{id}"), &client.editor, None).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(client.call(Method::GET, &format!("/api/assets/{id}"), &client.editor, None).await.status(), 404);
    assert_eq!(client.found("harbour").await, 0, "out of search at once");
    eventually("the removal of its outputs", async || {
        storage.list_objects(proxy, &format!("{id}/")).await.unwrap().is_empty()
            && vectors.count(semantic::SPACE).await.unwrap() == 0
    })
    .await;
    assert!(storage.head_object(ingest, "bulk/sign.png").await.is_ok(), "the original stays");
    // ... and the bucket scan does not make it an asset again.
    assert!(server.state.intake().adopt("bulk/sign.png").await.unwrap().is_none());
    assert_eq!(client.call(Method::DELETE, &format!("/api/assets/{id}"), &client.editor, None).await.status(), 404);

    // Purged: the original goes too.
    let id = client.register(&server, &picture, "bulk/sign-2.png").await;
    client.ready(&id).await;
    assert_eq!(
        client.call(Method::DELETE, &format!("/api/assets/{id}?purge=true"), &client.editor, None).await.status(),
        204
    );
    eventually("the purge of the original", async || storage.head_object(ingest, "bulk/sign-2.png").await.is_err())
        .await;
    assert!(storage.list_objects(proxy, &format!("{id}/")).await.unwrap().is_empty());

    // An upload in progress is aborted, not deleted.
    let request = common::upload_request("take.wav");
    let upload = server.state.intake().start(request, "editor").await.unwrap();
    let refused = client.call(Method::DELETE, &format!("/api/assets/{}", upload.asset_id), &client.editor, None).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.json::<ErrorBody>().await.unwrap().code, "asset-uploading");
    server.shutdown().await.unwrap();
}
