//! The `mediaport` binary as users run it: the banner, the first sign-in, secrets kept
//! out of the logs, and a clean stop on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

fn banner_value(banner: &str, label: &str) -> String {
    let line =
        banner.lines().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{label} in {banner}"));
    line.split_once(label).unwrap().1.trim().to_owned()
}

#[tokio::test]
async fn serve_prints_the_url_and_first_login_and_logs_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mediaport"))
        .args(["serve", "--listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--web-dir", ""])
        .arg("--data-dir")
        .arg(dir.path())
        .env("RUST_LOG", "debug")
        .env("MEDIAPORT__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Read the logs as they come: a full pipe would stall the server.
    let mut stderr = child.stderr.take().unwrap();
    let logs = tokio::spawn(async move {
        let mut logs = String::new();
        stderr.read_to_string(&mut logs).await.unwrap();
        logs
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("Press Ctrl-C") {
                break;
            }
        }
    })
    .await
    .expect("the banner within a minute");

    let url = banner_value(&banner, "Mediaport is running at");
    let username = banner_value(&banner, "username:");
    let password = banner_value(&banner, "password:");
    assert_eq!(username, "admin");

    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap().to_owned();
    let refresh = session["refresh_token"].as_str().unwrap().to_owned();
    let me = http.get(format!("{url}/api/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);

    let stopped = Command::new("kill").args(["-TERM", &child.id().unwrap().to_string()]).status().await.unwrap();
    assert!(stopped.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status}");

    let logs = logs.await.unwrap();
    assert!(logs.contains("signed in"), "the login is logged: {logs}");
    for secret in [&password, &token, &refresh] {
        assert!(!logs.contains(secret.as_str()), "a secret reached the logs");
    }
}

#[tokio::test]
async fn a_missing_or_altered_model_stops_start_up_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    for (state, expected) in [("missing", "is missing"), ("altered", "is not the one the manifest pins")] {
        if state == "altered" {
            // Every file in place, one of them changed by a byte.
            for entry in std::fs::read_dir(mediaport_analysis::inference::default_dir()).unwrap() {
                let entry = entry.unwrap();
                if entry.file_type().unwrap().is_file() {
                    std::fs::copy(entry.path(), models.join(entry.file_name())).unwrap();
                }
            }
            // The manifest's first model, checked before any file in a folder (not copied here).
            let mut bytes = std::fs::read(models.join("ppocr-det.onnx")).unwrap();
            bytes[1000] ^= 0x40;
            std::fs::write(models.join("ppocr-det.onnx"), bytes).unwrap();
        }
        let out = Command::new(env!("CARGO_BIN_EXE_mediaport"))
            .args(["worker", "--data-dir"])
            .arg(dir.path().join("data"))
            .env("MEDIAPORT__WORKER__MODELS_DIR", &models)
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{state}: the worker must not start");
        assert!(stderr.contains(expected) && stderr.contains("python3 models/fetch.py"), "{state}: {stderr}");
    }
}
