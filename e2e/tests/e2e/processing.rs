//! Processing in real Chromium: with the Processing page open, files registered through
//! the API are ingested by the server's worker and the page follows them live (no
//! reload): the good clip to done, the broken one to failed with its reason; retry
//! queues it again. The Collection shows the clip's thumbnail and its page plays the proxy.

use std::path::Path;
use std::process::Command;

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, server_settings};
use serde_json::{Value, json};

fn make_clip(path: &Path) {
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x360:r=25:d=3",
            "-f",
            "lavfi",
            "-i",
            "sine=d=3",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The status shown on the Processing page's row for `filename`, once it is `status`.
async fn wait_for_row(browser: &Browser, filename: &str, status: &str) -> anyhow::Result<String> {
    let xpath = format!("//tr[td/a[normalize-space(.)='{filename}']]");
    browser
        .wait_for(&format!("{filename} to be {status}"), || async {
            let Ok(row) = browser.client.find(Locator::XPath(&xpath)).await else { return Ok(None) };
            let now = row.attr("data-status").await?.unwrap_or_default();
            Ok((now == status).then_some(row.text().await?))
        })
        .await
}

#[tokio::test]
async fn the_processing_page_follows_jobs_live_and_the_collection_shows_the_results() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    c.goto(&format!("{}/processing", server.url())).await?;
    browser.wait_for_text("h1", "Processing").await?;
    browser.wait_for_text(".empty-state", "Nothing is being processed").await?;

    // Files arrive while the page is open (a bulk migration registering copies).
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/auth/login", server.url()))
        .json(&json!({"username": admin, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let clip = dir.path().join("harbour.mp4");
    make_clip(&clip);
    let broken = dir.path().join("broken.mp4");
    std::fs::write(&broken, b"this is not a video at all".repeat(100))?;
    for (file, key) in [(&clip, "bulk/harbour.mp4"), (&broken, "bulk/broken.mp4")] {
        server.state.storage.put_file("mediaport-ingest", key, file, "video/mp4").await?;
        let registered = http
            .post(format!("{}/api/assets", server.url()))
            .bearer_auth(&token)
            .json(&json!({"bucket": "mediaport-ingest", "key": key}))
            .send()
            .await?;
        assert_eq!(registered.status(), 201);
    }

    wait_for_row(&browser, "harbour.mp4", "done").await?;
    let failed = wait_for_row(&browser, "broken.mp4", "failed").await?;
    assert!(failed.contains("broken.mp4: Invalid data found when processing input"), "{failed}");
    assert!(!failed.contains("/work/"), "no server paths in reasons: {failed}");
    browser.screenshot("processing").await?;

    // Retry: the job runs again (and fails again: the file is still broken), live.
    let row = "//tr[td/a[normalize-space(.)='broken.mp4']]";
    let before = browser.element(Locator::XPath(row)).await?.attr("data-started").await?;
    browser.element(Locator::XPath(&format!("{row}//button[normalize-space(.)='Retry']"))).await?.click().await?;
    browser
        .wait_for("the retried job to run and fail again", || async {
            let row = browser.element(Locator::XPath(row)).await?;
            let again = row.attr("data-started").await? != before;
            Ok((again && row.attr("data-status").await?.as_deref() == Some("failed")).then_some(()))
        })
        .await?;

    // The Collection shows the clip's thumbnail, loaded from storage.
    c.goto(&server.url()).await?;
    browser
        .wait_for("the thumbnail to load", || async {
            let loaded = eval(c, "const i = document.querySelector('a.asset-card img.asset-thumb'); return i && i.complete ? i.naturalWidth : 0").await?;
            Ok((loaded.as_u64().unwrap_or(0) == 320).then_some(()))
        })
        .await?;
    browser.wait_for_text("a.asset-card[data-status=failed]", "broken.mp4").await?;

    // Its page plays the proxy: Chromium reads the MP4's length.
    browser
        .element(Locator::XPath("//a[contains(@class,'asset-card')][.//div[normalize-space(.)='harbour.mp4']]"))
        .await?
        .click()
        .await?;
    let duration = browser
        .wait_for("the proxy's metadata", || async {
            let d = eval(c, "const v = document.querySelector('video.player'); return v ? v.duration : null").await?;
            Ok(d.as_f64().filter(|d| d.is_finite()))
        })
        .await?;
    assert!((duration - 3.0).abs() < 0.2, "the proxy lasts {duration} s");
    browser.wait_for_text(".facts", "h264 640×360 at 25 fps").await?;
    browser.screenshot("asset-video").await?;
    assert!(browser.console_errors().await?.is_empty());
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
