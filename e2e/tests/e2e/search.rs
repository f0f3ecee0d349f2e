//! Search in real Chromium: a clip whose second scene carries a caption is ingested and
//! analysed by the server's worker with the real models; the Search page finds it by the
//! caption, shows the match with its moment and the scene it is in, and the moment opens the asset page with the
//! player at that timecode. A word no caption holds finds the clip by its meaning.
//! Deleted from its page, the clip is found no more.

use std::process::Command;

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, server_settings};
use mediaport_shared::AssetStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timecode_chip_opens_the_asset_with_the_player_there() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    settings.analysis.text = true;
    (settings.analysis.shots, settings.analysis.scenes) = (true, true);
    let server = mediaport_cli::server::start(settings).await?;

    let clip = dir.path().join("weather.mp4");
    let second = "color=c=0x203060:s=640x360:r=25:d=3,drawtext=text='WEATHER':x=40:y=280:fontsize=40:fontcolor=white";
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=3", "-f", "lavfi", "-i", second])
        .args(["-filter_complex", "[0][1]concat=n=2:v=1:a=0[v]", "-map", "[v]"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        .arg(&clip)
        .status()?;
    assert!(status.success());
    server.state.storage.put_file("mediaport-ingest", "bulk/weather.mp4", &clip, "video/mp4").await?;

    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let asset_id = loop {
        let found = server.state.catalog.find_asset_by_object("mediaport-ingest", "bulk/weather.mp4").await?;
        if let Some(asset) = found.clone().filter(|a| matches!(a.status, AssetStatus::Ready | AssetStatus::Failed)) {
            assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
            break asset.id;
        }
        assert!(std::time::Instant::now() < deadline, "the clip was not analysed in time: {found:?}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };

    c.goto(&format!("{}/search?q=text%3Aweather", server.url())).await?;
    let hit = browser.wait_for_text(".search-hit", "weather.mp4").await?;
    assert!(hit.contains("WEATHER"), "the caption matched: {hit}");
    browser.screenshot("search-hit").await?;
    // The caption shows from 3 s: its moment opens the asset page with the player there.
    let chip = "//article[contains(@class,'search-hit')]//li[@data-kind='text']//a[contains(@class,'timecode')]";
    let begin = browser
        .wait_for("the caption's moment", || async {
            let Ok(link) = c.find(Locator::XPath(chip)).await else { return Ok(None) };
            let begin = link.attr("data-begin").await?.and_then(|b| b.parse::<f64>().ok());
            // The moment names the scene it is in.
            let text = link.text().await?;
            assert!(text.contains("· scene "), "the chip says {text:?}");
            link.click().await?;
            Ok(begin)
        })
        .await?;
    assert!((2900.0..=3100.0).contains(&begin), "the caption's moment is {begin} ms");
    // The player has its length a moment before the page hears of it and cues it: what
    // counts is where it settles, not what it says in between.
    let moment = begin / 1000.0;
    let at = browser
        .wait_for(&format!("the player to be at the moment, {moment} s"), || async {
            let script = format!(
                "const v = document.querySelector('video.player'); \
                 return v && v.readyState > 0 && !v.seeking && Math.abs(v.currentTime - {moment}) < 0.1 ? v.currentTime : null"
            );
            Ok(eval(c, &script).await?.as_f64())
        })
        .await?;
    assert!((at - moment).abs() < 0.1, "the player is at {at} s, the moment at {begin} ms");

    // No caption says "forecast"; read for its meaning, the word finds the weather card.
    c.goto(&format!("{}/search?q=forecast", server.url())).await?;
    browser.wait_for_text("[data-total]", "0 assets").await?;
    c.find(Locator::Css("select[name=mode]")).await?.select_by_value("meaning").await?;
    c.find(Locator::Css(".search-box button")).await?.click().await?;
    let hit = browser.wait_for_text(".search-hit", "weather.mp4").await?;
    assert!(hit.contains("WEATHER"), "the caption it means: {hit}");
    assert!(c.current_url().await?.as_str().contains("mode=meaning"));
    let chosen = eval(c, "return document.querySelector('select[name=mode]').value").await?;
    assert_eq!(chosen.as_str(), Some("meaning"), "the page says how it searched");

    // Deleted from its page, it is found no more; its original stays.
    c.goto(&format!("{}/assets/{asset_id}", server.url())).await?;
    browser.wait_for_text("[data-testid=delete-asset]", "Delete").await?;
    c.find(Locator::Css("[data-testid=delete-asset] button")).await?.click().await?;
    c.accept_alert().await?;
    browser
        .wait_for("the Collection after the delete", || async {
            Ok(c.current_url().await?.path().eq("/").then_some(()))
        })
        .await?;
    c.goto(&format!("{}/search?q=text%3Aweather", server.url())).await?;
    browser.wait_for_text("[data-total]", "0 assets").await?;
    server.state.storage.head_object("mediaport-ingest", "bulk/weather.mp4").await?;
    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
