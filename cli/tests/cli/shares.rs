//! Shared moments through the real server and its worker: a creator shares two seconds of
//! a clip; the link works without an account and shows a clip of exactly that stretch
//! (never the proxy or the original) with the chosen results cut to it; each opening is
//! logged; a wrong secret, a revoked link and an expired one stop working, each with its
//! code; makers see their own links, admins everyone's; bad shares get 400 with codes.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummary, AssetStatus, CreatedShare, NewShare, Share, ShareList,
    ShareViewList, SharedMoment, Timecode, Timeline,
};
use reqwest::Method;
use serde_json::json;

use crate::common;
use crate::common::client::Client;
use crate::common::item;

const PASSWORD: &str = "Sh4re-Moment!";

/// Six seconds of a test pattern with a tone.
fn clip(dir: &std::path::Path) -> std::path::PathBuf {
    let clip = dir.join("match.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=6"])
        .args(["-f", "lavfi", "-i", "sine=f=440:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(made.success());
    clip
}

/// The length in seconds of a video at `url`, as ffprobe reads it.
async fn seconds_of(url: &str, dir: &std::path::Path) -> f64 {
    let body = reqwest::get(url).await.unwrap();
    assert!(body.status().is_success(), "{}", body.status());
    let file = dir.join("shared.mp4");
    std::fs::write(&file, body.bytes().await.unwrap()).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(&file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&probe.stdout).trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_moment_shows_its_stretch_until_revoked_or_expired() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.worker.in_server = true;
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;
    let id = client.register(&server, &clip(dir.path()), "bulk/match.mp4").await;
    let asset = client.ready(&id).await;
    // Its results, as analysis leaves them: a label before, during and after the stretch.
    let labels = Timeline::new(
        AnalysisKind::Label,
        vec![item("Ball", 0, 1500), item("Goal", 2500, 3500), item("Crowd", 4500, 6000)],
    );
    let key = mediaport_core::keys::timeline(&asset.id, AnalysisKind::Label, "fixture");
    let proxy = &server.settings.storage.proxy_bucket;
    server.state.storage.put_object(proxy, &key, serde_json::to_vec(&labels).unwrap().into()).await.unwrap();
    let mut analysis = asset.analysis.clone();
    let summary =
        AnalysisSummary { status: AnalysisStatus::Done, count: 3, error: None, key: Some(key), language: None };
    analysis.insert(AnalysisKind::Label, summary);
    server.state.catalog.record_analysis(&asset.id, &analysis, AssetStatus::Ready, None).await.unwrap();

    let shares = format!("/api/assets/{id}/shares");
    let new = json!({"at": {"begin": 2000, "end": 4000}, "days": 7, "kinds": ["label"]});
    assert_eq!(
        client.refused(Method::POST, &shares, &client.viewer, Some(new.clone())).await,
        (403, "forbidden".into())
    );
    let answer = client.call(Method::POST, &shares, &client.editor, Some(new)).await;
    assert_eq!(answer.status(), 201);
    let made: CreatedShare = answer.json().await.unwrap();
    assert_eq!(made.path, format!("/share/{}", made.token));

    // No account: the link alone. The clip is cut by the worker within seconds.
    let public = format!("{}/api/public/shares/{}", server.url(), made.token);
    let deadline = Instant::now() + Duration::from_secs(60);
    let moment: SharedMoment = loop {
        let moment: SharedMoment = reqwest::get(&public).await.unwrap().json().await.unwrap();
        if moment.video.is_some() {
            break moment;
        }
        assert!(Instant::now() < deadline, "the clip was never cut");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!((moment.filename.as_str(), moment.at), ("match.mp4", Timecode { begin: 2000, end: 4000 }));
    let length = seconds_of(moment.video.as_deref().unwrap(), dir.path()).await;
    assert!((length - 2.0).abs() < 0.25, "the clip is the stretch's two seconds, not the asset's six: {length}");
    let shown: Vec<(&str, u64, u64)> = moment.timelines[&AnalysisKind::Label]
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.timecodes[0].begin, i.timecodes[0].end))
        .collect();
    assert_eq!(shown, [("Goal", 500, 1500)], "only what is in the stretch, timed from its start");

    // Every opening is logged for its maker; a wrong secret opens nothing and is not logged.
    let share_id = made.share.id.clone();
    let views: ShareViewList = client.get(&format!("/api/shares/{share_id}/views"), &client.editor).await;
    assert_eq!(views.items.len(), 1, "asked while the clip was cut, the link showed nothing: {views:?}");
    assert_eq!(views.items[0].address.as_deref(), Some("127.0.0.1"));
    let wrong = format!("{}/api/public/shares/{share_id}.not-the-secret", server.url());
    let answer = reqwest::get(&wrong).await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap()["code"], "share-not-found");
    let mine: ShareList = client.get("/api/shares", &client.editor).await;
    assert_eq!(mine.items.iter().map(|s| &s.id).collect::<Vec<_>>(), [&share_id]);
    assert_eq!(mine.items[0].views, 1);

    for (body, code) in [
        (json!({"at": {"begin": 4000, "end": 2000}, "days": 7}), "invalid-span"),
        (json!({"at": {"begin": 0, "end": 60_000}, "days": 7}), "invalid-span"),
        (json!({"at": {"begin": 0, "end": 1000}, "days": 31}), "invalid-days"),
        (json!({"at": {"begin": 0, "end": 1000}, "days": 7, "kinds": ["transcript"]}), "not-analysed"),
    ] {
        assert_eq!(
            client.refused(Method::POST, &shares, &client.editor, Some(body.clone())).await,
            (400, code.into()),
            "{body}"
        );
    }

    // Revoked by an admin: the link stops and the clip is deleted.
    let revoke = format!("/api/shares/{share_id}/revoke");
    let answer = client.call(Method::POST, &revoke, &client.admin, None).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Share>().await.unwrap().revoked_by.as_deref(), Some("ada"));
    let answer = reqwest::get(&public).await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap()["code"], "share-revoked");
    let clip = mediaport_core::keys::share_clip(&asset.id, &share_id);
    assert!(server.state.storage.head_object(proxy, &clip).await.is_err(), "the revoked clip is gone");
    assert_eq!(client.refused(Method::POST, &revoke, &client.editor, None).await, (409, "already-revoked".into()));

    // A link made ten days ago for one day has expired.
    let asset = server.state.catalog.get_asset(&asset.id).await.unwrap();
    let old = NewShare { at: Timecode { begin: 0, end: 1000 }, days: 1, kinds: Vec::new() };
    let (share, token, secret_hash) =
        mediaport_core::shares::made(&asset, old, "editor", Utc::now() - chrono::Duration::days(10)).unwrap();
    server.state.catalog.add_share(&share, &secret_hash).await.unwrap();
    let answer = reqwest::get(format!("{}/api/public/shares/{token}", server.url())).await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap()["code"], "share-expired");
    let everyone: ShareList = client.get("/api/shares", &client.admin).await;
    assert_eq!(everyone.items.len(), 2, "an admin sees every link");
    server.shutdown().await.unwrap();
}
