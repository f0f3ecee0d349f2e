//! Shared moments in real Chromium: an admin shares two seconds of an ingested clip from
//! its page and copies the link; signed out, the link plays a two-second clip; the Shared
//! links page counts the view and revokes it, after which the link says it was
//! withdrawn; a link past its expiry says it expired. Photographed at a desktop and a
//! phone width.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, server_settings};
use mediaport_shared::{AssetStatus, NewShare, Timecode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_link_plays_its_stretch_until_it_is_revoked_or_expires() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    let server = mediaport_cli::server::start(settings).await?;
    let clip = dir.path().join("match.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=6"])
        .args(["-f", "lavfi", "-i", "sine=f=440:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(&clip)
        .status()?;
    assert!(made.success());
    server.state.storage.put_file("mediaport-ingest", "bulk/match.mp4", &clip, "video/mp4").await?;

    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let asset = loop {
        let found = server.state.catalog.find_asset_by_object("mediaport-ingest", "bulk/match.mp4").await?;
        if let Some(asset) = found.clone().filter(|a| matches!(a.status, AssetStatus::Ready | AssetStatus::Failed)) {
            assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
            break asset;
        }
        assert!(Instant::now() < deadline, "the clip was not ingested in time: {found:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    // Shared from the asset's page: 0:02 to 0:04, for seven days.
    c.goto(&format!("{}/assets/{}", server.url(), asset.id)).await?;
    let open = browser.element(Locator::Css("[data-testid=share] button[data-action=share-open]")).await?;
    eval(c, "document.querySelector('[data-testid=share]').scrollIntoView({block: 'center'}); return 1").await?;
    open.click().await?;
    for (name, value) in [("from", "0:02"), ("to", "0:04")] {
        let input = browser.element(Locator::Css(&format!("[data-testid=share] input[name={name}]"))).await?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    browser.element(Locator::Css("[data-testid=share] button[data-action=share]")).await?.click().await?;
    let link = browser
        .wait_for("the link", || async {
            let Ok(input) = c.find(Locator::Css("[data-testid=share] input[name=link]")).await else { return Ok(None) };
            Ok(input.prop("value").await?.filter(|v| v.contains("/share/")))
        })
        .await?;
    browser.screenshot("share-made").await?;

    // Signed out, the link plays the two seconds.
    browser.sign_out().await?;
    c.goto(&link).await?;
    let seconds = browser
        .wait_for("the clip to play its two seconds", || async {
            let script = "const v = document.querySelector('video.shared-player'); \
                          return v && v.readyState > 0 ? v.duration : null";
            Ok(eval(c, script).await?.as_f64())
        })
        .await?;
    assert!((seconds - 2.0).abs() < 0.25, "the clip is {seconds} s long; the stretch is 2 s");
    browser.wait_for_text(".shared-moment", "match.mp4").await?;
    browser.screenshots("shared-moment").await?;

    // The maker's list counts the view and revokes the link.
    browser.sign_in(&server.url(), &admin, &password).await?;
    c.goto(&format!("{}/shares", server.url())).await?;
    let row = browser.wait_for_text(".share-row[data-state=active]", "1 view").await?;
    assert!(row.contains("0:02–0:04"), "{row}");
    browser.element(Locator::Css(".share-row button[data-action=views]")).await?.click().await?;
    browser.wait_for_text(".share-views", "127.0.0.1").await?;
    browser.screenshots("shares").await?;
    browser.element(Locator::Css(".share-row button[data-action=revoke]")).await?.click().await?;
    browser.element(Locator::Css(".share-row[data-state=revoked]")).await?;
    c.goto(&link).await?;
    browser.wait_for_text("[data-share-error=share-revoked]", "withdrawn").await?;

    // A link made ten days ago for one day.
    let old = NewShare { at: Timecode { begin: 0, end: 1000 }, days: 1, kinds: Vec::new() };
    let (share, token, secret_hash) =
        mediaport_core::shares::made(&asset, old, &admin, Utc::now() - chrono::Duration::days(10))?;
    server.state.catalog.add_share(&share, &secret_hash).await?;
    c.goto(&format!("{}/share/{token}", server.url())).await?;
    browser.wait_for_text("[data-share-error=share-expired]", "expired").await?;
    browser.screenshot("share-expired").await?;

    let errors = browser.console_errors().await?;
    // The two closed links answered 404 on purpose.
    let errors: Vec<&String> = errors.iter().filter(|e| !e.contains("/api/public/shares/")).collect();
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
