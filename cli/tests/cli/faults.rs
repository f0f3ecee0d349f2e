//! Faults as they happen in production, on the real binaries: the server killed with
//! SIGKILL in the middle of an upload and again in the middle of the ingest job that
//! follows, and PostgreSQL restarted under a running job. Nothing is lost: the client's
//! second run resumes the upload and the stored bytes have the file's MD5; the job is
//! taken up again and the asset ends ready, once. A full disk refuses uploads with a
//! clear error, keeps what it holds, and takes uploads again once space is freed.

use crate::common;
use crate::common::browser::Browser;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use mediaport_backends::testing::{Postgres, SmallDisk, free_port};
use mediaport_core::users;
use mediaport_shared::Group;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PASSWORD: &str = "F4ult-Tolerant!";

/// A `mediaport serve` process on fixed ports, so that a restart keeps its addresses
/// (the client's server URL and the presigned URLs it holds).
struct Server {
    data_dir: PathBuf,
    port: u16,
    s3_port: u16,
    catalog_url: Option<String>,
    child: Option<Child>,
}

impl Server {
    fn new(data_dir: &Path, catalog_url: Option<String>) -> Self {
        Self { data_dir: data_dir.to_owned(), port: free_port(), s3_port: free_port(), catalog_url, child: None }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits for its banner; returns the first admin password when
    /// the data folder was new.
    async fn start(&mut self) -> Option<String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mediaport"));
        command
            .args(["serve", "--web-dir", ""])
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--s3-listen")
            .arg(format!("127.0.0.1:{}", self.s3_port))
            .arg("--data-dir")
            .arg(&self.data_dir)
            // A dead server's job is taken up again once its lease runs out.
            .env("MEDIAPORT__WORKER__LEASE_SECS", "3")
            .envs(common::WORKFLOW_ONLY.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(url) = &self.catalog_url {
            command.env("MEDIAPORT__CATALOG__URL", url);
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut password = None;
        tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some((_, value)) = line.split_once("password:") {
                    password = Some(value.trim().to_owned());
                }
                if line.contains("Press Ctrl-C") {
                    break;
                }
            }
        })
        .await
        .expect("the banner within two minutes");
        // Keep reading so that a full pipe never stalls the server.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.child = Some(child);
        password
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    async fn kill(&mut self) {
        let mut child = self.child.take().expect("a running server");
        child.kill().await.unwrap();
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn login(server: &Server, password: &str) -> Self {
        let http = reqwest::Client::new();
        let session: Value = http
            .post(format!("{}/api/auth/login", server.url()))
            .json(&json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["access_token"].as_str().expect("a session").to_owned();
        Self { http, base: server.url(), token }
    }

    async fn get(&self, path: &str) -> Value {
        let answer = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }

    async fn assets(&self) -> Vec<Value> {
        self.get("/api/assets?page_size=100").await["items"].as_array().unwrap().clone()
    }

    async fn job(&self, asset: &str) -> Value {
        let jobs = self.get(&format!("/api/jobs?asset_id={asset}")).await;
        let ingest = jobs["items"].as_array().unwrap().iter().find(|job| job["stage"] == "ingest").cloned();
        ingest.unwrap_or_default()
    }

    /// The asset once it is ready or failed.
    async fn settled(&self, asset: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let record = self.get(&format!("/api/assets/{asset}")).await;
            if record["status"] == "ready" || record["status"] == "failed" {
                return record;
            }
            assert!(Instant::now() < deadline, "the asset stayed {record}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until `check` holds of the asset's ingest job.
    async fn job_until(&self, asset: &str, within: Duration, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let job = self.job(asset).await;
            if check(&job) {
                return job;
            }
            assert!(Instant::now() < deadline, "the job stayed {job}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A 1080p recording in Motion JPEG: large enough (about 90 MB) to kill the server
/// while it is arriving, and slow enough to ingest that a kill lands mid-job.
async fn film(dir: &Path) -> PathBuf {
    let out = dir.join("film.mov");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=10"])
        .args(["-f", "lavfi", "-i", "sine=d=10", "-c:v", "mjpeg", "-q:v", "2", "-c:a", "pcm_s16le"])
        .arg(&out)
        .status()
        .await
        .unwrap();
    assert!(status.success());
    out
}

fn ingest(server: &Server, password: &str, file: &Path, journal: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mediaport"));
    command
        .args(["ingest", "--user", "admin", "--jobs", "2", "--server"])
        .arg(server.url())
        .arg("--journal")
        .arg(journal)
        .arg(file)
        .env("MEDIAPORT_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

fn md5_of(path: &Path) -> String {
    common::md5_hex(&std::fs::read(path).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_upload_and_mid_ingest_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = film(dir.path()).await;
    let mut server = Server::new(&dir.path().join("data"), None);
    let password = server.start().await.expect("the first admin password");
    let journal = dir.path().join("journal.jsonl");

    // Kill the server once parts of the file are arriving.
    let mut first = ingest(&server, &password, &file, &journal).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&journal).unwrap_or_default().contains("\"done\":false") {
        assert!(first.try_wait().unwrap().is_none(), "the upload ended before the server could be killed");
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.kill().await;
    let first = first.wait_with_output().await.unwrap();
    assert!(!first.status.success(), "the client noticed the server was gone");

    // The same command again, on the restarted server, resumes and finishes the upload.
    assert_eq!(server.start().await, None, "a restart keeps the data folder's admin");
    let second = ingest(&server, &password, &file, &journal).output().await.unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&second.stdout), String::from_utf8_lossy(&second.stderr));
    assert!(second.status.success() && said.contains("failed 0"), "{said}");
    let api = Api::login(&server, &password).await;
    let assets = api.assets().await;
    assert_eq!(assets.len(), 1, "one asset, the resumed upload: {assets:#?}");
    let id = assets[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(assets[0]["md5"].as_str(), Some(md5_of(&file).as_str()));

    // Kill it again while the ingest job runs; the restarted server takes the job up.
    api.job_until(&id, Duration::from_secs(60), |job| job["status"] == "running").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().await;
    server.start().await;
    let api = Api::login(&server, &password).await;
    let job =
        api.job_until(&id, Duration::from_secs(240), |job| job["status"] == "done" || job["status"] == "failed").await;
    assert_eq!((job["status"].as_str(), job["attempts"].as_u64()), (Some("done"), Some(2)), "{job}");
    let asset = api.settled(&id, Duration::from_secs(120)).await;
    assert_eq!(asset["status"], "ready", "{asset}");
    // Fixity read the stored object back: its MD5 is the file's.
    assert_eq!(asset["md5"].as_str(), Some(md5_of(&file).as_str()));
    assert_eq!(api.assets().await.len(), 1, "no asset was made twice");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarted_mid_job_loses_nothing() {
    let database = Postgres::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = film(dir.path()).await;
    let mut server = Server::new(&dir.path().join("data"), Some(database.url.clone()));
    let password = server.start().await.expect("the first admin password");
    let journal = dir.path().join("journal.jsonl");
    let sent = ingest(&server, &password, &file, &journal).output().await.unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    let api = Api::login(&server, &password).await;
    let id = api.assets().await[0]["id"].as_str().unwrap().to_owned();

    api.job_until(&id, Duration::from_secs(60), |job| job["status"] == "running").await;
    database.restart().await.unwrap();
    let during = api.job(&id).await;
    assert_eq!(during["status"], "running", "PostgreSQL came back while the job ran: {during}");
    let job =
        api.job_until(&id, Duration::from_secs(240), |job| job["status"] == "done" || job["status"] == "failed").await;
    assert_eq!(job["status"], "done", "{job}");
    let asset = api.settled(&id, Duration::from_secs(120)).await;
    assert_eq!(asset["status"], "ready", "{asset}");
    assert_eq!(asset["md5"].as_str(), Some(md5_of(&file).as_str()));
    assert_eq!(api.assets().await.len(), 1);
    server.kill().await;
}

/// The whole data folder (catalog, index, stored objects) on a 96 MiB disk: uploads
/// fill it until storage refuses a part with a clear error; what was stored stays whole;
/// deleting assets frees the space and uploads work again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_uploads_clearly_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_disk) = SmallDisk::mount(dir.path(), "96m") else {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    };
    let mut settings = common::settings(&dir.path().join("server"));
    // Its worker removes deleted assets' files.
    settings.worker.in_server = true;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let identity = server.state.identity.as_ref();
    users::create_user(identity, "dora", "d@example.org", Group::Admin, Some(PASSWORD)).await.unwrap();
    let (session, _) = identity.login("dora", PASSWORD).await.unwrap();
    let browser = Browser::new(&server, session.access_token);
    let file =
        |n: u8| -> Vec<u8> { (0..9 * 1024 * 1024 + 100).map(|i: usize| (i as u8).wrapping_mul(n) ^ n).collect() };

    let mut stored = Vec::new();
    let refused = loop {
        let n = stored.len() as u8 + 1;
        match browser.upload(&server, &format!("reel-{n}.bin"), &file(n)).await {
            Ok((asset, _)) => stored.push((asset["id"].as_str().unwrap().to_owned(), n)),
            Err(err) => break err,
        }
        assert!(stored.len() < 20, "a 96 MiB disk never filled");
    };
    // Storage refuses the part (S3's InsufficientStorage), or the API the upload (storage-full).
    assert!(refused.contains("507 Insufficient Storage") && refused.contains("is full"), "{refused}");
    assert!(stored.len() >= 3, "{} files fitted", stored.len());
    // Tried again while full, it is refused as clearly: never a 500.
    for attempt in 0..3 {
        let again = browser.upload(&server, "again.bin", &file(77)).await.unwrap_err();
        assert!(again.contains("507 Insufficient Storage") && again.contains("is full"), "attempt {attempt}: {again}");
    }
    for (id, n) in &stored {
        let asset = server.state.catalog.get_asset(&id.as_str().into()).await.unwrap();
        let bytes = server.state.storage.get_object(&asset.bucket, &asset.key).await.unwrap();
        assert_eq!(common::md5_hex(&bytes), common::md5_hex(&file(*n)), "{id} survived the full disk");
    }

    // Deleting assets (and their originals) frees the space: uploads work again.
    for (id, _) in stored.drain(..2) {
        browser.call(reqwest::Method::DELETE, &format!("/api/assets/{id}?purge=true"), None).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let again = loop {
        match browser.upload(&server, "after.bin", &file(99)).await {
            Ok((asset, _)) => break asset,
            Err(err) => assert!(Instant::now() < deadline, "the space never came back: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(again["size"].as_u64(), Some(file(99).len() as u64));
    server.shutdown().await.unwrap();
}
