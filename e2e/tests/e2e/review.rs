//! The review workspace in real Chromium, on a clip analysed by the server's worker with
//! the real models: a caption drawn at a known place from 2 s, a voice from 1 s. The
//! caption's box is drawn where the caption is, only while it is on screen, and its
//! toggle hides it; the timeline's segments seek the player, name themselves on hover and
//! obey the confidence slider; the word being said is highlighted and a click on a word
//! seeks; the downloads hold the subtitles, the EDL and the whole export; re-analysis
//! without text takes the caption away; the admin saves analysis defaults; the Stats
//! page counts the asset. Each page is photographed at a desktop and a phone width.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use mediaport_core::settings::saved_ai_options;
use mediaport_e2e::{Browser, eval, first_admin, server_settings, speaking_clip};
use mediaport_shared::{AnalysisKind, Asset, AssetStatus};
use serde_json::Value;

/// Makes the clip: 2 s of plain blue, then 4 s with LISBON at (60, 150) in 640x360, and
/// a sentence said from 1 s.
fn clip(dir: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    let clip = dir.join("forecast.mp4");
    let plain = "color=c=0x203060:s=640x360:r=25:d=2";
    let caption = "color=c=0x203060:s=640x360:r=25:d=4,drawtext=text='LISBON':x=60:y=150:fontsize=60:fontcolor=white";
    speaking_clip(&clip, plain, caption, "Heavy rain is expected in Lisbon tomorrow.", 140)?;
    Ok(clip)
}

async fn settled(server: &mediaport_cli::server::RunningServer, key: &str) -> anyhow::Result<Asset> {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let found = server.state.catalog.find_asset_by_object("mediaport-ingest", key).await?;
        if let Some(asset) = found.clone().filter(|a| matches!(a.status, AssetStatus::Ready | AssetStatus::Failed)) {
            assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
            return Ok(asset);
        }
        assert!(Instant::now() < deadline, "the clip was not analysed in time: {found:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Pauses the player at `seconds`.
async fn pause_at(c: &Client, seconds: f64) -> anyhow::Result<()> {
    eval(
        c,
        &format!("const v = document.querySelector('video.player'); v.pause(); v.currentTime = {seconds}; return 1"),
    )
    .await?;
    Ok(())
}

async fn player_at(browser: &Browser, what: &str, want: f64) -> anyhow::Result<f64> {
    let c = &browser.client;
    browser
        .wait_for(what, || async {
            let t = eval(c, "return document.querySelector('video.player').currentTime").await?;
            Ok(t.as_f64().filter(|t| (*t - want).abs() < 0.4))
        })
        .await
}

/// Clicks what `css` finds, brought to the middle of the window first: at the top, the
/// sticky top bar would take the click.
async fn click(browser: &Browser, css: &str) -> anyhow::Result<()> {
    let element = browser.element(Locator::Css(css)).await?;
    let centre = "arguments[0].scrollIntoView({block: 'center'}); return 1";
    browser.client.execute(centre, vec![serde_json::to_value(&element)?]).await?;
    element.click().await?;
    Ok(())
}

/// Clicks the download button for `file` and returns what it saved.
async fn download(browser: &Browser, file: &str) -> anyhow::Result<String> {
    let c = &browser.client;
    click(browser, &format!("button[data-offer='{file}']")).await?;
    let saved = browser
        .wait_for(&format!("{file} to be saved"), || async {
            // An asynchronous script ends only when it calls back, never by returning.
            let script = format!(
                "const done = arguments[arguments.length - 1]; \
                 const a = document.querySelector(\"a[data-download='{file}']\"); \
                 if (!a) {{ done(null); return; }} \
                 fetch(a.href).then(r => r.text()).then(done, () => done(null))"
            );
            let text = c.execute_async(&script, vec![]).await;
            let refused = eval(
                c,
                "const e = document.querySelector('.downloads .alert-inline'); return e ? e.textContent : null",
            );
            if let Some(reason) = refused.await?.as_str() {
                anyhow::bail!("{file} was not saved: {reason}");
            }
            Ok(text.ok().and_then(|t| t.as_str().map(str::to_owned)))
        })
        .await;
    if saved.is_err() {
        let links =
            eval(c, "return Array.from(document.querySelectorAll('a[data-download]')).map(a => a.dataset.download)");
        eprintln!("saved so far: {}", links.await?);
        browser.screenshot("download-failed").await?;
    }
    saved
}

#[tokio::test]
async fn a_reviewer_sees_boxes_timelines_words_and_downloads_and_re_analyses() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    (settings.analysis.text, settings.analysis.shots, settings.analysis.transcript) = (true, true, true);
    let server = mediaport_cli::server::start(settings).await?;
    let clip = clip(dir.path())?;
    server.state.storage.put_file("mediaport-ingest", "bulk/forecast.mp4", &clip, "video/mp4").await?;

    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    let asset = settled(&server, "bulk/forecast.mp4").await?;
    let id = asset.id.clone();
    c.goto(&format!("{}/assets/{id}", server.url())).await?;
    browser.element(Locator::Css(".lane[data-lane=text] .segment")).await?;

    // The caption's box: where it was drawn, only while it is on screen.
    pause_at(c, 3.0).await?;
    let place = browser
        .wait_for("the caption's box", || async {
            let script = "const v = document.querySelector('video.player').getBoundingClientRect(); \
                          const b = document.querySelector('.overlay .box-text'); if (!b) return null; \
                          const r = b.getBoundingClientRect(); \
                          return [b.dataset.name, (r.left - v.left) / v.width, (r.top - v.top) / v.height, \
                                  r.width / v.width, r.height / v.height]";
            Ok(eval(c, script).await?.as_array().cloned())
        })
        .await?;
    assert_eq!(place[0], "LISBON");
    let at = |n: usize| place[n].as_f64().unwrap_or(-1.0);
    assert!((0.05..0.14).contains(&at(1)), "the box starts at x = {} of the frame; drawn at 0.094", at(1));
    assert!((0.33..0.5).contains(&at(2)), "the box starts at y = {} of the frame; drawn at 0.417", at(2));
    assert!((0.25..0.6).contains(&at(3)) && (0.08..0.3).contains(&at(4)), "size {} x {}", at(3), at(4));
    let boxes = "return document.querySelectorAll('.overlay .box-text').length";
    pause_at(c, 1.0).await?;
    browser.wait_for("no box before the caption", || async { Ok((eval(c, boxes).await? == 0).then_some(())) }).await?;
    pause_at(c, 3.0).await?;
    browser.wait_for("the box again", || async { Ok((eval(c, boxes).await? == 1).then_some(())) }).await?;
    browser.element(Locator::Css("button[data-boxes=text]")).await?.click().await?;
    browser.wait_for("the toggle to hide it", || async { Ok((eval(c, boxes).await? == 0).then_some(())) }).await?;
    browser.element(Locator::Css("button[data-boxes=text]")).await?.click().await?;
    browser.wait_for("the toggle to show it", || async { Ok((eval(c, boxes).await? == 1).then_some(())) }).await?;
    let playhead = eval(c, "return parseFloat(document.querySelector('[data-testid=playhead]').style.left)").await?;
    assert!((playhead.as_f64().unwrap_or(0.0) - 50.0).abs() < 3.0, "3 s of 6 is half way: {playhead}");

    // The timeline: a segment names itself on hover and plays from its start when clicked.
    let segment = browser.element(Locator::Css(".lane[data-lane=text] .segment")).await?;
    let begin: f64 = segment.attr("data-begin").await?.unwrap_or_default().parse()?;
    assert!((1500.0..=2600.0).contains(&begin), "the caption appears at 2 s; its segment at {begin} ms");
    eval(c, "document.querySelector('.lane[data-lane=text] .segment').dispatchEvent(new MouseEvent('mouseenter')); return 1")
        .await?;
    let hover = browser.wait_for_text("[data-testid=lane-hover]", "LISBON").await?;
    assert!(hover.contains('%'), "the confidence is shown: {hover}");
    segment.click().await?;
    player_at(&browser, "the player to move to the segment", begin / 1000.0).await?;
    let visible = "return Array.from(document.querySelectorAll('.lane[data-lane=text] .segment')) \
                   .filter(s => getComputedStyle(s).display !== 'none').length";
    let slide = |level: u32| {
        format!(
            "const r = document.querySelector('input[name=min_confidence]'); r.value = {level}; \
             r.dispatchEvent(new Event('input', {{bubbles: true}})); return 1"
        )
    };
    eval(c, &slide(100)).await?;
    browser
        .wait_for("the slider to hide the caption", || async { Ok((eval(c, visible).await? == 0).then_some(())) })
        .await?;
    eval(c, &slide(0)).await?;
    browser
        .wait_for("the slider to show it again", || async { Ok((eval(c, visible).await? == 1).then_some(())) })
        .await?;
    eval(
        c,
        "const r = document.querySelector('input[name=zoom]'); r.value = 4; \
             r.dispatchEvent(new Event('input', {bubbles: true})); return 1",
    )
    .await?;
    let zoomed =
        eval(c, "const s = document.querySelector('.lane-scroll'); return s.scrollWidth / s.clientWidth").await?;
    assert!(zoomed.as_f64().unwrap_or(0.0) > 3.5, "zoomed four times: {zoomed}");

    // The word being said is highlighted; a click on a word plays from it.
    let word = |text: &str| format!("//span[contains(concat(' ', @class, ' '), ' word ')][contains(., '{text}')]");
    let lisbon: f64 = browser
        .element(Locator::XPath(&word("Lisbon")))
        .await?
        .attr("data-begin")
        .await?
        .unwrap_or_default()
        .parse()?;
    pause_at(c, lisbon / 1000.0 + 0.05).await?;
    browser.wait_for_text(".word.said", "Lisbon").await?;
    // No language was set: the one heard is named beside the transcript's title.
    browser.wait_for_text(".timeline-panel[data-kind=transcript] h2 [data-language=en]", "English").await?;
    // The first word said ("Heavy"), clicked.
    let first = browser.element(Locator::Css(".transcript .word")).await?;
    let first_at: f64 = first.attr("data-begin").await?.unwrap_or_default().parse()?;
    assert!(first_at < lisbon, "the first word is said before Lisbon");
    first.click().await?;
    player_at(&browser, "the player to move to the word", first_at / 1000.0).await?;
    pause_at(c, 3.0).await?;
    // The chapters (one, in six seconds): a lane, a line titled from what was said, and
    // the player's chapters track.
    browser.element(Locator::Css(".lane[data-lane=chapter] .segment")).await?;
    let chapter = browser.wait_for_text(".chapters .chapter", "Chapter 1").await?;
    assert!(chapter.to_lowercase().contains("rain") || chapter.to_lowercase().contains("lisbon"), "{chapter}");
    browser
        .wait_for("the player's chapters track", || async {
            let tracks = eval(c, "return document.querySelectorAll('video track[kind=chapters]').length").await?;
            Ok((tracks == 1).then_some(()))
        })
        .await?;
    eval(c, "document.querySelector('[data-testid=lanes]').scrollIntoView({block: 'center'}); return 1").await?;
    browser.screenshot("review-lanes").await?;
    browser.screenshots("review-asset").await?;

    // The Technical tab: mediainfo's report by track.
    click(&browser, "button[data-tab=technical]").await?;
    // Shown as people read it (group headings in capitals).
    let report = browser.wait_for_text("[data-report=mediainfo]", "VIDEO").await?;
    assert!(report.contains("GENERAL") && report.contains("AUDIO") && report.contains("AVC"), "{report}");

    // Downloads: the subtitles, the EDL and everything in one file.
    let srt = download(&browser, "forecast.transcript.srt").await?;
    assert!(srt.starts_with("1\n") && srt.contains(" --> ") && srt.contains("Lisbon"), "{srt}");
    let edl = download(&browser, "forecast.shot.edl").await?;
    assert!(edl.starts_with("TITLE:"), "{edl}");
    let export: Value = serde_json::from_str(&download(&browser, "forecast.metadata.json").await?)?;
    assert_eq!(export["asset"]["id"], id.as_str());
    assert_eq!(export["timelines"]["text"]["items"][0]["name"], "LISBON");
    assert!(export["reports"]["mediainfo.json"].is_object(), "{}", export["reports"]);

    // Re-analysis without on-screen text: the caption leaves the asset.
    click(&browser, "[data-testid=reanalyse] button[data-action=open]").await?;
    click(&browser, "[data-testid=reanalyse] input[name=text]").await?;
    click(&browser, "[data-testid=reanalyse] button[data-action=reanalyse]").await?;
    let queued = browser.element(Locator::Css("[data-outcome=queued]")).await;
    if queued.is_err() {
        let shown = eval(c, "return document.querySelector('[data-testid=reanalyse]').innerText").await?;
        anyhow::bail!("re-analysis was not queued: {shown}");
    }
    let again = settled(&server, "bulk/forecast.mp4").await?;
    let deadline = Instant::now() + Duration::from_secs(240);
    let again = {
        let mut asset = again;
        while asset.analysis.contains_key(&AnalysisKind::Text) || asset.status != AssetStatus::Ready {
            assert!(Instant::now() < deadline, "not analysed again in time");
            tokio::time::sleep(Duration::from_millis(250)).await;
            asset = server.state.catalog.get_asset(&id).await?;
        }
        asset
    };
    assert!(again.analysis.contains_key(&AnalysisKind::Transcript), "the rest was analysed again");
    browser
        .wait_for("the page to drop the caption's lane", || async {
            let lanes = eval(c, "return document.querySelectorAll('.lane[data-lane=text]').length").await?;
            let transcript = eval(c, "return document.querySelectorAll('.lane[data-lane=transcript]').length").await?;
            Ok((lanes == 0 && transcript == 1).then_some(()))
        })
        .await?;

    // The admin's defaults for new assets.
    c.goto(&format!("{}/settings", server.url())).await?;
    let transcript = browser.element(Locator::Css("[data-testid=ai-defaults] input[name=transcript]")).await?;
    browser
        .wait_for("the saved defaults to show (the settings file turns speech on)", || async {
            Ok(transcript.is_selected().await?.then_some(()))
        })
        .await?;
    click(&browser, "[data-testid=ai-defaults] input[name=transcript]").await?;
    click(&browser, "[data-testid=ai-defaults] button[data-action=save-defaults]").await?;
    browser.element(Locator::Css("[data-outcome=saved]")).await?;
    assert_eq!(saved_ai_options(server.state.catalog.as_ref()).await?.transcript, Some(false));
    browser.screenshots("settings").await?;

    // The archive's figures.
    c.goto(&format!("{}/stats", server.url())).await?;
    browser.wait_for_text("[data-figure=assets] .figure-value", "1").await?;
    let video = browser.element(Locator::Css("li[data-name=video] a")).await?;
    assert_eq!(video.attr("href").await?.as_deref(), Some("/search?q=type%3Avideo"));
    let phrases = eval(c, "return document.querySelectorAll('[data-top=keyphrase] li').length").await?;
    assert!(phrases.as_u64().unwrap_or(0) > 0, "the key phrases said are counted");
    browser.screenshots("stats").await?;

    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
