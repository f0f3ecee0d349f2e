//! `mediaport ingest`, the real binary against a real server: a folder of mixed files,
//! killed in the middle of a file and run again, ends with every file uploaded exactly
//! once (the cut-off upload resumed, not restarted), and a third run skips them all.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mediaport_cli::server::RunningServer;
use mediaport_core::users;
use mediaport_shared::{AssetStatus, Group};

const PASSWORD: &str = "Ingest-R0bot!";

fn write(dir: &Path, name: &str, size: usize, seed: u8) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let data: Vec<u8> = (0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 13) as u8).collect();
    std::fs::write(&path, data).unwrap();
    path
}

fn ingest(server: &RunningServer, folder: &Path, journal: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mediaport"));
    command
        .args(["ingest", "--user", "robot", "--jobs", "1", "--attr", "source=tape-archive"])
        .arg("--server")
        .arg(server.url())
        .arg("--journal")
        .arg(journal)
        .arg(folder)
        .env("MEDIAPORT_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs the command to the end off the runtime's threads, which serve the server.
async fn finish(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_ingest_resumes_and_sends_every_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(&dir.path().join("server")).await;
    users::create_user(server.state.identity.as_ref(), "robot", "r@example.org", Group::Creator, Some(PASSWORD))
        .await
        .unwrap();
    let folder = dir.path().join("archive");
    let media = [
        write(&folder, "a-poster.jpg", 30_000, 1),
        write(&folder, "b-jingle.mp3", 200_000, 2),
        write(&folder, "c-feature.mov", 60 * 1024 * 1024 + 17, 3),
        write(&folder, "d-minutes.pdf", 5_000, 4),
        write(&folder, "reels/e-reel.mp4", 9 * 1024 * 1024, 5),
        write(&folder, "reels/f-voice.wav", 100_000, 6),
    ];
    write(&folder, "notes.txt", 100, 7);
    write(&folder, ".DS_Store", 100, 8);
    let journal = dir.path().join("journal.jsonl");

    // First run: stop it dead while the big file is half-way.
    let mut first = ingest(&server, &folder, &journal).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let lines = std::fs::read_to_string(&journal).unwrap_or_default();
        if lines.lines().any(|l| l.contains("c-feature.mov") && l.contains("\"done\":false")) {
            break;
        }
        assert!(first.try_wait().unwrap().is_none(), "the first run ended before it could be interrupted");
        assert!(Instant::now() < deadline, "the big file never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // ... and once storage holds at least one of its parts.
    let storage = server.state.storage.as_ref();
    loop {
        let open = storage.list_multiparts("mediaport-ingest").await.unwrap();
        let mut held = 0;
        for upload in open.iter().filter(|u| u.key.ends_with("c-feature.mov")) {
            held += storage.list_parts("mediaport-ingest", &upload.key, &upload.upload_id).await.unwrap().len();
        }
        if held > 0 {
            break;
        }
        assert!(first.try_wait().unwrap().is_none(), "the first run ended before it could be interrupted");
        assert!(Instant::now() < deadline, "no part of the big file arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let interrupted = server.state.catalog.list_assets(&Default::default(), 100, None).await.unwrap();
    let feature = interrupted.iter().find(|a| a.filename == "c-feature.mov").expect("the big file's upload started");
    assert_eq!(feature.status, AssetStatus::Uploading);
    assert!(interrupted.len() < media.len(), "the first run was cut short");

    // Second run: finishes the job.
    let second = finish(ingest(&server, &folder, &journal)).await;
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("failed 0"), "{}", text(&second));

    let assets = server.state.catalog.list_assets(&Default::default(), 100, None).await.unwrap();
    assert_eq!(assets.len(), media.len(), "one asset per media file, no more: {assets:#?}");
    for path in &media {
        let name = path.file_name().unwrap().to_str().unwrap();
        let asset = assets.iter().find(|a| a.filename == name).unwrap_or_else(|| panic!("{name} was not uploaded"));
        assert_eq!(asset.status, AssetStatus::Ingesting, "{name}");
        let local = common::md5_hex(&std::fs::read(path).unwrap());
        assert_eq!(asset.md5.as_deref(), Some(local.as_str()), "{name}: MD5 sent on completion");
        let stored = server.state.storage.get_object(&asset.bucket, &asset.key).await.unwrap();
        assert_eq!(common::md5_hex(&stored), local, "{name}: stored bytes");
        assert_eq!(asset.attributes.get("source").map(String::as_str), Some("tape-archive"));
    }
    let resumed = assets.iter().find(|a| a.filename == "c-feature.mov").unwrap();
    assert_eq!(resumed.id, feature.id, "the cut-off upload was resumed, not started again");
    assert!(server.state.storage.list_multiparts("mediaport-ingest").await.unwrap().is_empty());

    // Third run, with a copy of a file sent before under another name: nothing to send.
    std::fs::copy(&media[0], folder.join("reels/poster copy.jpg")).unwrap();
    let third = finish(ingest(&server, &folder, &journal)).await;
    let out = text(&third);
    assert!(third.status.success(), "{out}");
    assert!(out.contains("uploaded 0 files") && out.contains(&format!("skipped {}", media.len() + 1)), "{out}");
    assert!(out.contains("poster copy.jpg: same bytes as") && out.contains("a-poster.jpg, uploaded before"), "{out}");
    assert_eq!(server.state.catalog.list_assets(&Default::default(), 100, None).await.unwrap().len(), media.len());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_and_missing_paths_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(&dir.path().join("server")).await;
    let folder = dir.path().join("empty");
    std::fs::create_dir_all(&folder).unwrap();
    let journal = dir.path().join("j.jsonl");
    let denied = finish(ingest(&server, &folder, &journal)).await;
    assert!(!denied.status.success());
    assert!(text(&denied).contains("cannot sign in"), "{}", text(&denied));
    let missing = finish(ingest(&server, &dir.path().join("nowhere"), &journal)).await;
    assert!(!missing.status.success());
    assert!(text(&missing).contains("does not exist"), "{}", text(&missing));
    server.shutdown().await.unwrap();
}
