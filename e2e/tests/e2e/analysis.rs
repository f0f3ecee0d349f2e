//! Analysis on the asset page, in real Chromium: a clip cut from two scenes, the second
//! with a caption, and a voice saying a sentence, is ingested and analysed by the server's
//! worker with the real models; its page lists the shots and the caption with their time
//! ranges, and clicking the caption's time range moves the player there; the transcript
//! shows beside the player, a click on its line plays from there and highlights it, and the
//! video carries it as subtitles.

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, server_settings, speaking_clip};
use mediaport_shared::AssetStatus;

#[tokio::test]
async fn the_asset_page_shows_timelines_and_a_timecode_seeks_the_player() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    settings.analysis.text = true;
    settings.analysis.shots = true;
    settings.analysis.transcript = true;
    let server = mediaport_cli::server::start(settings).await?;

    let clip = dir.path().join("forecast.mp4");
    let second = "color=c=0x203060:s=640x360:r=25:d=3,drawtext=text='WEATHER':x=40:y=280:fontsize=40:fontcolor=white";
    let said = "Heavy rain is expected in Lisbon tomorrow.";
    speaking_clip(&clip, "testsrc2=s=640x360:r=25:d=3", second, said, 150)?;
    // Dropped in the ingest bucket as a bulk copy: the server adopts and processes it.
    server.state.storage.put_file("mediaport-ingest", "bulk/forecast.mp4", &clip, "video/mp4").await?;

    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    // Ingest and analysis take longer than a page takes to show something.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let id = loop {
        let found = server.state.catalog.find_asset_by_object("mediaport-ingest", "bulk/forecast.mp4").await?;
        if let Some(asset) = found.clone().filter(|a| matches!(a.status, AssetStatus::Ready | AssetStatus::Failed)) {
            assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
            break asset.id;
        }
        assert!(std::time::Instant::now() < deadline, "the clip was not analysed in time: {found:?}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    c.goto(&format!("{}/assets/{id}", server.url())).await?;

    browser.wait_for_text(".timeline-panel[data-kind=shot]", "shot 2").await?;
    let text = browser.wait_for_text(".timeline-panel[data-kind=text]", "WEATHER").await?;
    assert!(text.contains("0:03–0:06"), "the caption's time range: {text}");
    browser.screenshot("asset-timelines").await?;

    // The page may still be settling (a live update replayed by the events feed reloads
    // it, player and all): click the chip when it is there, again if a reload undid it.
    let chip = "//div[@data-kind='text']//li[.//span[@data-name='WEATHER']]//button[contains(@class,'timecode')]";
    let at = browser
        .wait_for("the player to move to the caption", || async {
            if let Ok(button) = c.find(Locator::XPath(chip)).await {
                let _ = button.click().await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let t =
                eval(c, "const v = document.querySelector('video.player'); return v ? v.currentTime : null").await?;
            Ok(t.as_f64().filter(|t| *t >= 3.0))
        })
        .await?;
    assert!((3.0..3.6).contains(&at), "the player is at {at} s");

    // The transcript beside the player: its line plays the video from where it was said.
    browser.wait_for_text(".timeline-panel[data-kind=transcript]", "Lisbon").await?;
    let line = "//div[@data-kind='transcript']//li[contains(@class,'transcript-line')][contains(., 'Lisbon')]";
    let begin: f64 =
        browser.element(Locator::XPath(line)).await?.attr("data-begin").await?.unwrap_or_default().parse()?;
    assert!((500.0..=2000.0).contains(&begin), "the voice starts at 1 s; the line at {begin} ms");
    c.execute(
        "document.querySelector('video.player').pause(); document.querySelector('video.player').currentTime = 5.5",
        vec![],
    )
    .await?;
    browser
        .wait_for("the transcript line", || async {
            let Ok(li) = c.find(Locator::XPath(line)).await else { return Ok(None) };
            Ok(li.click().await.ok())
        })
        .await?;
    let at = browser
        .wait_for("the player to move to the line", || async {
            let t = eval(c, "return document.querySelector('video.player').currentTime").await?;
            Ok(t.as_f64().filter(|t| (*t - begin / 1000.0).abs() < 0.5))
        })
        .await?;
    assert!(at < 5.0, "the player is at {at} s");
    browser
        .wait_for("the spoken line to be highlighted", || async {
            let current = eval(
                c,
                "const li = document.querySelector('li.transcript-line.current'); return li ? li.textContent : null",
            )
            .await?;
            Ok(current.as_str().filter(|t| t.contains("Lisbon")).map(str::to_owned))
        })
        .await?;
    // The same words as subtitles on the video.
    let cues = browser
        .wait_for("the subtitles to load", || async {
            let script = "const t = Array.from(document.querySelector('video.player').textTracks).find(t => t.kind === 'subtitles'); \
                          if (!t || !t.cues || t.cues.length === 0) return null; \
                          return Array.from(t.cues).map(c => c.text).join(' ')";
            Ok(eval(c, script).await?.as_str().map(str::to_owned))
        })
        .await?;
    assert!(cues.contains("Lisbon"), "{cues}");
    // Once, beside the chapters track (scenes are on by default).
    let tracks = eval(c, "return document.querySelectorAll('video.player track[kind=subtitles]').length").await?;
    assert_eq!(tracks.as_u64(), Some(1), "the subtitles are on the video once");
    browser.screenshot("asset-transcript").await?;
    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
