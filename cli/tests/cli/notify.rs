//! Notifications through the real server and its own worker, as an admin sets them up:
//! a webhook added and tested from the settings API, then told of an asset that is ready,
//! one that fails (with its reason) and an analysis run again, each call signed; a
//! receiver that fails once gets the notice on the next try; one that refuses is logged
//! as failed and can be sent again.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mediaport_backends::notify::{SIGNATURE_HEADER, signature};
use mediaport_backends::testing::notifier::{Inbox, Received};
use mediaport_shared::{
    AssetDetail, AssetStatus, Deliveries, Delivery, NoticeKind, NotifyTarget, NotifyTargets, TestDelivery,
};
use reqwest::Method;
use serde_json::json;

use crate::common;
use crate::common::client::Client;

const PASSWORD: &str = "N0tify-Tester!";

fn picture(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("harbour.png");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(made.success());
    out
}

async fn deliveries(client: &Client) -> Vec<Delivery> {
    client.get::<Deliveries>("/api/settings/notifications/deliveries", &client.admin).await.items
}

/// Waits until `done` holds of the delivery log, for up to a minute.
async fn log_until(client: &Client, what: &str, done: impl Fn(&[Delivery]) -> bool) -> Vec<Delivery> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = deliveries(client).await;
        if done(&log) {
            return log;
        }
        assert!(Instant::now() < deadline, "{what}: {log:#?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn add(client: &Client, body: serde_json::Value) -> NotifyTarget {
    let answer = client.call(Method::POST, "/api/settings/notifications", &client.admin, Some(body)).await;
    assert_eq!(answer.status(), 201);
    answer.json().await.unwrap()
}

/// The notice a received call carries, checked against the target's secret.
fn signed_notice(received: &Received, secret: &str) -> mediaport_shared::Notice {
    let signed = received.headers[SIGNATURE_HEADER].to_str().unwrap();
    assert_eq!(signed, signature(secret, &received.body), "the call is signed with the target's secret");
    received.notice().expect("the body is a notice")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_add_and_test_webhooks_which_hear_of_ready_failed_and_re_analysed_assets() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = Inbox::start().await.unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.worker.in_server = true;
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;
    let targets = "/api/settings/notifications";

    // Only admins see or change targets; what cannot be a target is refused with a reason.
    assert_eq!(client.refused(Method::GET, targets, &client.editor, None).await, (403, "forbidden".into()));
    let not_a_url = json!({"kind": "webhook", "address": "example.org/hook"});
    let (status, code) = client.refused(Method::POST, targets, &client.admin, Some(not_a_url)).await;
    assert_eq!((status, code.as_str()), (400, "invalid-notification-target"));
    let unknown_event = json!({"kind": "webhook", "address": "https://example.org/h", "events": ["asset.gone"]});
    assert_eq!(client.refused(Method::POST, targets, &client.admin, Some(unknown_event)).await.0, 400);

    let hook = add(&client, json!({"kind": "webhook", "address": inbox.url("/flaky")})).await;
    let secret = hook.secret.clone().expect("a webhook gets a secret");
    assert_eq!(hook.events, NoticeKind::SUBSCRIBABLE);
    let again = json!({"kind": "webhook", "address": inbox.url("/flaky")});
    assert_eq!(client.refused(Method::POST, targets, &client.admin, Some(again)).await.0, 409);
    let refusing =
        add(&client, json!({"kind": "webhook", "address": inbox.url("/status/410"), "events": ["asset.failed"]})).await;
    let listed: NotifyTargets = client.get(targets, &client.admin).await;
    assert_eq!(listed.items, [hook.clone(), refusing.clone()]);

    // The test button: the receiver's first answer is a 500, its second a 204.
    let test = format!("{targets}/{}/test", hook.id);
    let first: TestDelivery = client.call(Method::POST, &test, &client.admin, None).await.json().await.unwrap();
    assert!(!first.delivered && first.answer.contains("HTTP 500"), "{first:?}");
    let second: TestDelivery = client.call(Method::POST, &test, &client.admin, None).await.json().await.unwrap();
    assert!(second.delivered && second.answer.starts_with("HTTP 204"), "{second:?}");
    let tested = inbox.received().pop().unwrap();
    assert_eq!(signed_notice(&tested, &secret).event, NoticeKind::Test);
    assert_eq!(client.refused(Method::POST, &format!("{targets}/nope/test"), &client.admin, None).await.0, 404);

    // An asset ready: one signed notice with its id, name and page.
    let id = client.register(&server, &picture(dir.path()), "bulk/harbour.png").await;
    client.ready(&id).await;
    let log = log_until(&client, "the ready notice delivered", |log| log.iter().any(|d| d.status == "done")).await;
    let ready = inbox.received().into_iter().filter(|r| r.path == "/flaky").last().unwrap();
    let notice = signed_notice(&ready, &secret);
    assert_eq!(notice.event, NoticeKind::AssetReady);
    let about = notice.asset.unwrap();
    assert_eq!((about.id.as_str(), about.filename.as_str()), (id.as_str(), "harbour.png"));
    assert_eq!(about.url, Some(format!("{}/assets/{id}", server.url())));
    assert_eq!(ready.headers["x-mediaport-delivery"], notice.id.as_str());
    assert_eq!(log.len(), 1, "the refusing target does not want ready notices");
    assert!(log[0].answer.as_deref().unwrap_or_default().starts_with("HTTP 204"), "{log:?}");

    // An asset that fails: the reason goes out, the refusing target's delivery fails for good.
    let storage = server.state.storage.as_ref();
    storage
        .put_object(&server.settings.storage.ingest_bucket, "bulk/broken.png", b"not a picture".to_vec().into())
        .await
        .unwrap();
    let register = json!({"bucket": server.settings.storage.ingest_bucket, "key": "bulk/broken.png"});
    let broken = client.call(Method::POST, "/api/assets", &client.editor, Some(register)).await;
    let broken = broken.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let log = log_until(&client, "the failure told to both", |log| {
        log.iter()
            .filter(|d| d.event == NoticeKind::AssetFailed && matches!(d.status.as_str(), "done" | "failed"))
            .count()
            == 2
    })
    .await;
    let detail: AssetDetail = client.get(&format!("/api/assets/{broken}"), &client.editor).await;
    assert_eq!(detail.asset.status, AssetStatus::Failed);
    let failed = inbox.received().into_iter().filter(|r| r.path == "/flaky").last().unwrap();
    let notice = signed_notice(&failed, &secret);
    assert_eq!(notice.event, NoticeKind::AssetFailed);
    assert_eq!(notice.asset.unwrap().reason, detail.asset.error, "the reason the UI shows");
    let refused = log.iter().find(|d| d.target_id == refusing.id).unwrap();
    assert_eq!((refused.status.as_str(), refused.attempts), ("failed", 1), "a refusal is not retried");
    assert!(refused.error.as_deref().unwrap().contains("HTTP 410"), "{refused:?}");
    assert_eq!(inbox.received().iter().filter(|r| r.path == "/status/410").count(), 1);

    // Sent again from the log, by the admin: one more try.
    let retry = client.call(Method::POST, &format!("/api/jobs/{}/retry", refused.id), &client.admin, None).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(inbox.wait_for("/status/410", 2, Duration::from_secs(30)).await.len(), 2);

    // An analysis run again: `analysis.done`, once the asset is ready again.
    let rerun = client.call(Method::POST, &format!("/api/assets/{id}/analysis"), &client.editor, Some(json!({}))).await;
    assert_eq!(rerun.status(), 202);
    log_until(&client, "the re-analysis told", |log| {
        log.iter().any(|d| d.event == NoticeKind::AnalysisDone && d.status == "done")
    })
    .await;
    let done = inbox.received().into_iter().filter(|r| r.path == "/flaky").last().unwrap();
    assert_eq!(signed_notice(&done, &secret).event, NoticeKind::AnalysisDone);

    // A receiver down for a moment: its first try fails, the queue's next one delivers.
    let flaky =
        add(&client, json!({"kind": "webhook", "address": inbox.url("/flaky-ready"), "events": ["asset.ready"]})).await;
    let other = client.register(&server, &picture(dir.path()), "bulk/second.png").await;
    client.ready(&other).await;
    let log = log_until(&client, "the retried delivery", |log| {
        log.iter().any(|d| d.target_id == flaky.id && d.status == "done")
    })
    .await;
    let retried = log.iter().find(|d| d.target_id == flaky.id).unwrap();
    assert_eq!(retried.attempts, 2, "{retried:?}");
    let tries = inbox.received().into_iter().filter(|r| r.path == "/flaky-ready").collect::<Vec<_>>();
    assert_eq!(tries.len(), 2);
    assert_eq!(tries[0].body, tries[1].body, "a retry sends the same notice, same id");

    // Removed: no longer listed, and a second removal is a 404.
    let remove = format!("{targets}/{}", refusing.id);
    assert_eq!(client.call(Method::DELETE, &remove, &client.admin, None).await.status(), 204);
    assert_eq!(client.refused(Method::DELETE, &remove, &client.admin, None).await.0, 404);
    let listed: NotifyTargets = client.get(targets, &client.admin).await;
    assert_eq!(listed.items.len(), 2);
    server.shutdown().await.unwrap();
}
