//! Uploading in real Chromium: a 40 MB file goes up in five parts through the Upload
//! page and reaches `ingesting`; another is cut off by a page reload and, once the user
//! picks it again, resumes with only its missing parts.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use mediaport_e2e::{Browser, first_admin, start_server};

fn write_media(path: &Path, size: usize, seed: u8) -> Vec<u8> {
    let data: Vec<u8> = (0..size).map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed) ^ (i >> 11) as u8).collect();
    std::fs::write(path, &data).unwrap();
    data
}

fn md5_hex(data: &[u8]) -> String {
    format!("{:x}", <md5::Md5 as md5::Digest>::digest(data))
}

/// The item row's stage once it reaches `stage`.
async fn wait_for_stage(browser: &Browser, name: &str, stage: &str) -> anyhow::Result<String> {
    let css = format!("[data-testid=upload-item][data-name='{name}']");
    browser
        .wait_for(&format!("{name} to be {stage}"), || async {
            let Ok(row) = browser.client.find(Locator::Css(&css)).await else { return Ok(None) };
            let now = row.attr("data-stage").await?.unwrap_or_default();
            anyhow::ensure!(now != "failed" || stage == "failed", "{name} failed: {}", row.text().await?);
            Ok((now == stage).then_some(row.text().await?))
        })
        .await
}

#[tokio::test]
async fn a_large_file_uploads_in_parts_and_an_interrupted_one_resumes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start_server(&dir.path().join("server")).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    c.goto(&format!("{}/upload", server.url())).await?;

    // 40 MB in 8 MiB parts: five parts, four in flight.
    let first = dir.path().join("Interview 40MB.mov");
    let data = write_media(&first, 40_000_000, 1);
    browser.element(Locator::Css("[data-testid=upload-group]")).await?.send_keys("News desk").await?;
    // The analyses go with the upload: the speech preset, nothing else.
    browser.element(Locator::Css("input[name=choose-analyses]")).await?.click().await?;
    browser.element(Locator::Css("button[data-preset=Speech]")).await?.click().await?;
    browser.screenshots("upload-options").await?;
    browser.element(Locator::Css("[data-testid=file-input]")).await?.send_keys(&first.display().to_string()).await?;
    let row = wait_for_stage(&browser, "Interview 40MB.mov", "done").await?;
    assert!(row.contains("ingesting"), "{row}");
    browser.screenshot("upload-done").await?;
    let assets = server.state.catalog.list_assets(&Default::default(), 10, None).await?;
    let asset = assets.iter().find(|a| a.filename == "Interview 40MB.mov").expect("the asset exists");
    assert_eq!(asset.group.as_deref(), Some("News desk"));
    let options = asset.ai_options.clone().expect("the chosen analyses went with the upload");
    assert_eq!(
        (options.transcript, options.keyphrases, options.labels, options.faces),
        (Some(true), Some(true), Some(false), Some(false))
    );
    // The row links to its asset.
    let link = browser.element(Locator::Css("[data-name='Interview 40MB.mov'] [data-testid=upload-asset]")).await?;
    assert_eq!(link.attr("href").await?, Some(format!("/assets/{}", asset.id)));
    assert_eq!(asset.md5.as_deref(), Some(md5_hex(&data).as_str()), "the MD5 the browser computed");
    let stored = server.state.storage.head_object(&asset.bucket, &asset.key).await?;
    assert_eq!(stored.size, data.len() as u64);
    assert!(stored.etag.unwrap_or_default().trim_matches('"').ends_with("-5"), "five parts");
    assert_eq!(md5_hex(&server.state.storage.get_object(&asset.bucket, &asset.key).await?), md5_hex(&data));

    // A bigger file, one part at a time, cut off by a reload once storage holds a part.
    let second = dir.path().join("Concert 100MB.mp4");
    let data = write_media(&second, 100_000_000, 2);
    let parallel = browser.element(Locator::Css("[data-testid=upload-parallel]")).await?;
    parallel.send_keys("\u{E003}").await?;
    parallel.send_keys("1").await?;
    browser.element(Locator::Css("[data-testid=file-input]")).await?.send_keys(&second.display().to_string()).await?;
    let storage = server.state.storage.as_ref();
    let held = browser
        .wait_for("a part of the second file in storage", || async {
            for upload in storage.list_multiparts("mediaport-ingest").await? {
                if upload.key.ends_with("Concert 100MB.mp4") {
                    let parts = storage.list_parts("mediaport-ingest", &upload.key, &upload.upload_id).await?;
                    if !parts.is_empty() {
                        return Ok(Some(parts.len()));
                    }
                }
            }
            Ok(None)
        })
        .await?;
    c.refresh().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cut = server.state.catalog.list_assets(&Default::default(), 10, None).await?;
    let cut = cut.iter().find(|a| a.filename == "Concert 100MB.mp4").expect("the upload started").clone();
    assert_eq!(cut.status.as_str(), "uploading");

    // The user picks the same file again: only the missing parts go.
    browser.element(Locator::Css("[data-testid=file-input]")).await?.send_keys(&second.display().to_string()).await?;
    let row = wait_for_stage(&browser, "Concert 100MB.mp4", "done").await?;
    assert!(row.contains("resumed:") && row.contains("of 12 parts were already stored"), "{row}");
    let already: usize = row.split("resumed: ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse()?;
    assert!(already >= held, "at least the {held} parts seen before the reload were kept: {row}");
    browser.screenshot("upload-resumed").await?;
    let assets = server.state.catalog.list_assets(&Default::default(), 10, None).await?;
    let concerts: Vec<_> = assets.iter().filter(|a| a.filename == "Concert 100MB.mp4").collect();
    assert_eq!(concerts.len(), 1, "resumed, not uploaded twice");
    assert_eq!(concerts[0].id, cut.id);
    assert_eq!(concerts[0].status.as_str(), "ingesting");
    assert_eq!(concerts[0].md5.as_deref(), Some(md5_hex(&data).as_str()));
    assert_eq!(md5_hex(&storage.get_object(&cut.bucket, &cut.key).await?), md5_hex(&data));

    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await?;
    server.shutdown().await
}
