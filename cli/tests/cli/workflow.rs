//! Workflows through the real server: an upload is ingested by the server's own worker
//! while a browser-like client follows `GET /api/events`; and a real `mediaport worker`
//! process killed in the middle of a job is replaced by another that finishes it; and a
//! worker with nothing but a PostgreSQL URL and storage keys (as on another machine) does
//! a PostgreSQL-backed server's work.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mediaport_cli::server::RunningServer;
use mediaport_core::{JobFilter, JobStatus, users};
use mediaport_shared::{AssetDetail, AssetId, AssetList, AssetStatus, Group, RegisterAssetRequest};
use serde_json::Value;

const PASSWORD: &str = "W0rkflow-Tester!";

fn make_video(dir: &Path, name: &str, size: &str, seconds: u32) -> PathBuf {
    let out = dir.join(name);
    let pattern = format!("testsrc2=s={size}:r=30:d={seconds}");
    let tone = format!("sine=d={seconds}");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", &pattern, "-f", "lavfi", "-i", &tone])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

async fn token(server: &RunningServer) -> String {
    let identity = server.state.identity.as_ref();
    users::create_user(identity, "editor", "e@example.org", Group::Creator, Some(PASSWORD)).await.unwrap();
    identity.login("editor", PASSWORD).await.unwrap().0.access_token
}

/// Copies a file into the ingest bucket and registers it, as a bulk migration does.
async fn register(server: &RunningServer, token: &str, file: &Path, key: &str) -> Value {
    let storage = server.state.storage.as_ref();
    storage.put_file(&server.settings.storage.ingest_bucket, key, file, "video/mp4").await.unwrap();
    let request = RegisterAssetRequest {
        bucket: server.settings.storage.ingest_bucket.clone(),
        key: key.into(),
        group: None,
        attributes: Default::default(),
        ai_options: None,
    };
    let response = reqwest::Client::new()
        .post(format!("{}/api/assets", server.url()))
        .bearer_auth(token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_follow_an_ingest_to_ready_and_links_serve_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.worker.in_server = true;
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let token = token(&server).await;
    let http = reqwest::Client::new();

    // EventSource cannot send headers: the token rides in the query, on this route only.
    let events = http.get(format!("{}/api/events?access_token={token}", server.url())).send().await.unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let elsewhere = http.get(format!("{}/api/jobs?access_token={token}", server.url())).send().await.unwrap();
    assert_eq!(elsewhere.status(), 401, "tokens in URLs are refused elsewhere");

    let clip = make_video(dir.path(), "clip.mp4", "640x360", 3);
    let asset = register(&server, &token, &clip, "bulk/clip.mp4").await;
    let id = AssetId::from(asset["id"].as_str().unwrap());

    // Follow the stream until the asset is ready; the job's states arrive on the way.
    let mut events = events;
    let mut text = String::new();
    let mut seen_statuses = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    'follow: while Instant::now() < deadline {
        let chunk = tokio::time::timeout(Duration::from_secs(60), events.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            let name = message.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or_default().to_owned();
            let Some(data) = message.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
            let data: Value = serde_json::from_str(data).unwrap();
            if name == "job" {
                seen_statuses.push(data["status"].as_str().unwrap().to_owned());
            }
            if name == "asset" && data["id"] == id.as_str() && data["status"] == "ready" {
                assert!(data["thumbnail_url"].is_string(), "{data}");
                break 'follow;
            }
        }
    }
    assert!(seen_statuses.contains(&"running".to_owned()), "{seen_statuses:?}");
    assert_eq!(seen_statuses.last().map(String::as_str), Some("done"), "{seen_statuses:?}");

    // The asset page's links fetch straight from storage: the proxy plays, the thumbnail shows.
    let detail: AssetDetail = http
        .get(format!("{}/api/assets/{id}", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail.asset.technical.as_ref().unwrap().duration_ms, Some(3000));
    let proxy = http.get(detail.proxies.video.as_ref().unwrap()).send().await.unwrap();
    assert_eq!(proxy.headers()["content-type"], "video/mp4");
    let local = dir.path().join("proxy.mp4");
    std::fs::write(&local, proxy.bytes().await.unwrap()).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0"])
        .arg(&local)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).lines().next(), Some("640,360"));
    assert_eq!(detail.proxies.thumbnails.len(), 1);
    let list: AssetList = http
        .get(format!("{}/api/assets?type=video", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let thumbnail = http.get(list.items[0].thumbnail_url.as_ref().unwrap()).send().await.unwrap();
    assert_eq!(thumbnail.headers()["content-type"], "image/jpeg");

    // The work shows on /metrics: jobs by kind and outcome, and the tools they ran.
    let metrics = http.get(format!("{}/metrics", server.url())).send().await.unwrap().text().await.unwrap();
    let count = |name: &str, labels: &[&str]| -> f64 {
        let line = metrics.lines().find(|l| l.starts_with(name) && labels.iter().all(|label| l.contains(label)));
        line.and_then(|l| l.rsplit(' ').next()?.parse().ok()).unwrap_or(0.0)
    };
    let ingests = count("mediaport_jobs_total", &["kind=\"ingest\"", "outcome=\"done\""]);
    assert!(ingests >= 1.0, "no finished ingest in:\n{metrics}");
    assert!(count("mediaport_tool_runs_total", &["tool=\"ffmpeg\"", "outcome=\"done\""]) >= 1.0, "{metrics}");
    assert!(count("mediaport_job_seconds_count", &["kind=\"ingest\""]) >= 1.0, "{metrics}");
    server.shutdown().await.unwrap();
}

/// The asset once it is ready or failed (after ingest and analysis).
async fn settled(server: &RunningServer, id: &AssetId, within: Duration) -> mediaport_shared::Asset {
    let deadline = Instant::now() + within;
    loop {
        let asset = server.state.catalog.get_asset(id).await.unwrap();
        if matches!(asset.status, AssetStatus::Ready | AssetStatus::Failed) {
            return asset;
        }
        assert!(Instant::now() < deadline, "the asset never settled: {asset:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn ingest_job(server: &RunningServer, id: &AssetId) -> mediaport_core::Job {
    let filter = JobFilter { asset_id: Some(id.clone()), status: None, kind: None };
    let jobs = server.state.queue.list(&filter, 10).await.unwrap();
    jobs.into_iter().find(|j| j.task.kind() == mediaport_core::JobKind::Ingest).expect("an ingest job")
}

/// A `mediaport worker` process for `server`'s storage endpoint, configured by `settings`
/// (environment variables) on top of a short poll and one ffmpeg thread.
fn spawn_worker_with(server: &RunningServer, settings: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mediaport"))
        .arg("worker")
        .env("MEDIAPORT__STORAGE__EMBEDDED__LISTEN", server.s3_addr.unwrap().to_string())
        .envs(common::WORKFLOW_ONLY.iter().copied())
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A worker on the server's machine: same data folder (catalog file, storage keys).
fn spawn_worker(server: &RunningServer) -> Child {
    let data_dir = server.settings.data_dir.to_string_lossy().into_owned();
    spawn_worker_with(server, &[("MEDIAPORT__DATA_DIR", &data_dir), ("MEDIAPORT__WORKER__LEASE_SECS", "3")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_is_replaced_and_the_asset_still_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let token = token(&server).await;
    // Long enough that the worker is surely in the middle when it is killed.
    let film = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || make_video(&dir, "film.mp4", "1920x1080", 20)
    })
    .await
    .unwrap();
    let asset = register(&server, &token, &film, "bulk/film.mp4").await;
    let id = AssetId::from(asset["id"].as_str().unwrap());
    let queue = server.state.queue.clone();
    let filter = JobFilter { asset_id: Some(id.clone()), status: None, kind: None };

    let mut first = spawn_worker(&server);
    let deadline = Instant::now() + Duration::from_secs(60);
    while queue.list(&filter, 1).await.unwrap()[0].status != JobStatus::Running {
        assert!(Instant::now() < deadline, "the worker never started the job");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill().unwrap(); // SIGKILL: no goodbye, the lease just stops being renewed
    first.wait().unwrap();
    assert_eq!(queue.list(&filter, 1).await.unwrap()[0].status, JobStatus::Running, "killed mid-job");

    let mut second = spawn_worker(&server);
    let asset = settled(&server, &id, Duration::from_secs(240)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let job = ingest_job(&server, &id).await;
    assert_eq!((job.status, job.attempts), (JobStatus::Done, 2), "{:?}", job.error);
    assert_eq!(asset.outputs.unwrap().frames.unwrap().captured, 20);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_on_another_machine_shares_the_servers_postgresql() {
    let database = mediaport_backends::testing::Postgres::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.catalog.url = Some(database.url.clone());
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let token = token(&server).await;
    let clip = make_video(dir.path(), "clip.mp4", "640x360", 2);
    let asset = register(&server, &token, &clip, "bulk/clip.mp4").await;
    let id = AssetId::from(asset["id"].as_str().unwrap());

    // Nothing shared with the server but the database URL, the storage endpoint and keys.
    let (access, secret) = mediaport_wiring::bootstrap::storage_credentials(&server.settings).unwrap().unwrap();
    let elsewhere = dir.path().join("worker-machine").to_string_lossy().into_owned();
    let mut worker = spawn_worker_with(
        &server,
        &[
            ("MEDIAPORT__DATA_DIR", &elsewhere),
            ("MEDIAPORT__CATALOG__URL", &database.url),
            ("MEDIAPORT__STORAGE__ACCESS_KEY", &access),
            ("MEDIAPORT__STORAGE__SECRET_KEY", &secret),
        ],
    );
    let asset = settled(&server, &id, Duration::from_secs(120)).await;
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    assert_eq!(asset.outputs.unwrap().frames.unwrap().captured, 2);
    let job = ingest_job(&server, &id).await;
    assert_eq!((job.status, job.attempts), (JobStatus::Done, 1));
    assert!(!dir.path().join("server/catalog.db").exists(), "nothing was written to SQLite");
    server.shutdown().await.unwrap();
}
