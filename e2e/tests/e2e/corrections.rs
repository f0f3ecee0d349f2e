//! Corrections in real Chromium, on a clip analysed by the server's worker with the real
//! models (a caption, LISBON, from 2 s; a voice from 1 s). A reviewer rewrites a word of
//! the transcript in place and search finds the new word, not the old; rejects the
//! caption everywhere and sees it leave the timelines, search and the export; adds an
//! item the analysis missed, marked human; and undoes the rejection from the trail,
//! which says who did what. Photographed at a desktop and a phone width.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, server_settings, speaking_clip};
use mediaport_shared::{AssetStatus, SearchResults};
use serde_json::Value;

/// The API as the admin calls it, beside the browser.
struct Api {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Api {
    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let answer = self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await?;
        anyhow::ensure!(answer.status().is_success(), "{path}: {}", answer.status());
        Ok(answer.json().await?)
    }

    /// Waits until search finds `q` in `want` assets.
    async fn finds(&self, q: &str, want: u64) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let path = format!("/api/search?q={}", q.replace(':', "%3A"));
            let results: SearchResults = serde_json::from_value(self.get(&path).await?)?;
            if results.total == want {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "search never found {q:?} in {want} assets");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_corrects_the_transcript_and_the_labels_and_search_follows() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    (settings.analysis.text, settings.analysis.transcript) = (true, true);
    settings.analysis.language = Some("en".into());
    let server = mediaport_cli::server::start(settings).await?;
    let clip = dir.path().join("harbour.mp4");
    let plain = "color=c=0x203060:s=640x360:r=25:d=2";
    let caption = "color=c=0x203060:s=640x360:r=25:d=4,drawtext=text='LISBON':x=60:y=150:fontsize=60:fontcolor=white";
    speaking_clip(&clip, plain, caption, "Heavy rain is expected in Lisbon tomorrow.", 140)?;
    server.state.storage.put_file("mediaport-ingest", "bulk/harbour.mp4", &clip, "video/mp4").await?;

    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    let (session, _) = server.state.identity.login(&admin, &password).await?;
    let api = Api { http: reqwest::Client::new(), url: server.url(), token: session.access_token };
    let deadline = Instant::now() + Duration::from_secs(240);
    let asset = loop {
        let found = server.state.catalog.find_asset_by_object("mediaport-ingest", "bulk/harbour.mp4").await?;
        if let Some(asset) = found.clone().filter(|a| matches!(a.status, AssetStatus::Ready | AssetStatus::Failed)) {
            assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
            break asset;
        }
        assert!(Instant::now() < deadline, "the clip was not analysed in time: {found:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    api.finds("lisbon", 1).await?;
    c.goto(&format!("{}/assets/{}", server.url(), asset.id)).await?;
    browser.wait_for_text("[data-corrections]", "None yet").await?;

    // The transcript line, rewritten in place: "Lisbon" becomes "Lisboa".
    let line = browser.element(Locator::Css(".transcript .transcript-line")).await?;
    let said = line.text().await?;
    assert!(said.contains("Lisbon"), "whisper heard {said:?}");
    eval(c, "document.querySelector('.transcript-line').scrollIntoView({block: 'center'}); return 1").await?;
    browser.element(Locator::Css(".transcript-line .line-edit-open")).await?.click().await?;
    let input = browser.element(Locator::Css(".line-edit input[name=line]")).await?;
    let before = input.prop("value").await?.unwrap_or_default();
    assert!(before.contains("Lisbon"), "the editor starts from what was said: {before:?}");
    input.clear().await?;
    input.send_keys(&before.replace("Lisbon", "Lisboa")).await?;
    browser.screenshot("corrections-editing").await?;
    browser.element(Locator::Css(".line-edit button[type=submit]")).await?.click().await?;
    browser.wait_for_text(".transcript .transcript-line", "Lisboa").await?;
    let words =
        eval(c, "return Array.from(document.querySelectorAll('.transcript .word')).map(w => w.textContent)").await?;
    assert!(words.to_string().contains("Lisboa"), "the words follow the edit: {words}");
    browser.wait_for_text("[data-corrections] .trail-entry", "→ “").await?;
    api.finds("lisboa", 1).await?;
    api.finds("transcript:lisbon", 0).await?;

    // The caption is wrong: rejected everywhere. Its lane, panel item and box go; search
    // and the export no longer have it.
    let reject = ".timeline-panel[data-kind=text] .timeline-item .reject-open";
    eval(c, &format!("document.querySelector('{reject}').scrollIntoView({{block: 'center'}}); return 1")).await?;
    browser.element(Locator::Css(reject)).await?.click().await?;
    browser.element(Locator::Css("button[data-reject=everywhere]")).await?.click().await?;
    browser
        .wait_for("the caption to leave the page", || async {
            let items =
                eval(c, "return document.querySelectorAll('.timeline-panel[data-kind=text] .timeline-item').length")
                    .await?;
            let lane = eval(c, "return document.querySelectorAll('.lane[data-lane=text] .segment').length").await?;
            Ok((items == 0 && lane == 0).then_some(()))
        })
        .await?;
    api.finds("text:lisbon", 0).await?;
    // Neither what was said nor what was shown says Lisbon now: the words were read again,
    // and the page shows their new key phrases and entities when they land.
    browser
        .wait_for("the key phrases and entities to be read again", || async {
            let script = "return Array.from(document.querySelectorAll('.timeline-panel[data-kind=keyphrase], \
                          .timeline-panel[data-kind=entity]')).map(p => p.innerText).join(' ')";
            let words = eval(c, script).await?;
            let words = words.as_str().unwrap_or_default().to_owned();
            Ok((!words.contains("Lisbon") && words.contains("Lisboa")).then_some(words))
        })
        .await?;
    let export = api.get(&format!("/api/assets/{}/export", asset.id)).await?;
    assert_eq!(
        export["timelines"]["text"]["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        export["timelines"]["text"]
    );
    assert_eq!(export["corrections"].as_array().map(Vec::len), Some(2));

    // An item the analysis missed, over 0:02–0:05, marked human.
    let add = ".timeline-panel[data-kind=text] button[data-add=text]";
    eval(c, &format!("document.querySelector('{add}').scrollIntoView({{block: 'center'}}); return 1")).await?;
    browser.element(Locator::Css(add)).await?.click().await?;
    browser.element(Locator::Css(".add-item input[name=name]")).await?.send_keys("LISBOA").await?;
    let from = browser.element(Locator::Css(".add-item input[name=from]")).await?;
    from.clear().await?;
    from.send_keys("0:02").await?;
    let to = browser.element(Locator::Css(".add-item input[name=to]")).await?;
    to.clear().await?;
    to.send_keys("0:05").await?;
    browser.element(Locator::Css(".add-item button[type=submit]")).await?.click().await?;
    let added = browser.wait_for_text(".timeline-panel[data-kind=text] .timeline-item", "LISBOA").await?;
    assert!(added.contains("human") && added.contains("0:02–0:05"), "{added}");
    api.finds("text:lisboa", 1).await?;
    eval(c, "document.querySelector('.timeline-panel[data-kind=text]').scrollIntoView({block: 'start'}); return 1")
        .await?;
    browser.screenshot("corrections-panels").await?;
    browser.screenshots("corrections").await?;

    // The trail, newest first: undo the rejection and the caption comes back.
    let trail = browser.wait_for_text("[data-corrections] .trail", "rejected everywhere").await?;
    assert!(trail.contains(&admin), "who made them: {trail}");
    let undo = "//li[contains(@class,'trail-entry')][contains(., 'rejected everywhere')]//button[@data-undo]";
    browser.element(Locator::XPath(undo)).await?.click().await?;
    browser.wait_for_text(".timeline-panel[data-kind=text] .timeline-items", "LISBON").await?;
    browser.wait_for_text("[data-corrections] .trail-entry.undone", "undone by").await?;
    api.finds("text:lisbon", 1).await?;
    eval(c, "document.querySelector('[data-corrections]').scrollIntoView({block: 'center'}); return 1").await?;
    browser.screenshot("corrections-trail").await?;
    c.set_window_size(390, 844).await?;
    eval(c, "document.querySelector('.timeline-panel[data-kind=text]').scrollIntoView({block: 'start'}); return 1")
        .await?;
    browser.screenshot("corrections-panels-phone").await?;
    c.set_window_size(1366, 900).await?;

    // A note at 3 s on a place dragged out on the picture, answered, found by search.
    eval(c, "const v = document.querySelector('video.player'); v.pause(); v.currentTime = 3; return 1").await?;
    eval(c, "document.querySelector('video.player').scrollIntoView({block: 'center'}); return 1").await?;
    browser.element(Locator::Css("button[data-action=mark-place]")).await?.click().await?;
    browser.element(Locator::Css("[data-testid=draw-layer]")).await?;
    let drag = "const l = document.querySelector('[data-testid=draw-layer]'); const r = l.getBoundingClientRect(); \
                const at = (type, x, y) => l.dispatchEvent(new PointerEvent(type, {bubbles: true, \
                    clientX: r.left + x * r.width, clientY: r.top + y * r.height})); \
                at('pointerdown', 0.1, 0.4); at('pointermove', 0.3, 0.5); at('pointerup', 0.5, 0.6); return 1";
    eval(c, drag).await?;
    browser.wait_for_text("button[data-action=mark-place]", "Place marked").await?;
    let text = browser.element(Locator::Css(".note-form textarea[name=note]")).await?;
    text.send_keys("Logo on the van: clear it with legal").await?;
    let from = browser.element(Locator::Css(".note-form input[name=from]")).await?.prop("value").await?;
    assert_eq!(from.as_deref(), Some("0:03"), "the note starts where the player is");
    browser.element(Locator::Css(".note-form button[type=submit]")).await?.click().await?;
    browser.wait_for_text(".note-list .note", "Logo on the van").await?;
    browser.element(Locator::Css(".lane[data-lane=note] .segment")).await?;
    let place = browser
        .wait_for("the note's place on the picture", || async {
            let script = "const v = document.querySelector('video.player').getBoundingClientRect(); \
                          const b = document.querySelector('.overlay .box-note'); if (!b) return null; \
                          const r = b.getBoundingClientRect(); \
                          return [(r.left - v.left) / v.width, (r.top - v.top) / v.height, r.width / v.width]";
            Ok(eval(c, script).await?.as_array().cloned())
        })
        .await?;
    let at = |n: usize| place[n].as_f64().unwrap_or(-1.0);
    assert!((0.08..0.12).contains(&at(0)) && (0.38..0.42).contains(&at(1)), "the box is where it was drawn: {place:?}");
    assert!((0.38..0.42).contains(&at(2)), "as wide as it was drawn: {place:?}");
    browser.screenshot("notes-picture").await?;
    let reply = browser.element(Locator::Css(".note .reply-form input[name=reply]")).await?;
    reply.send_keys("Cleared by legal").await?;
    browser.element(Locator::Css(".note .reply-form button[type=submit]")).await?.click().await?;
    browser.wait_for_text(".note .replies", "Cleared by legal").await?;
    api.finds("note:van", 1).await?;
    eval(c, "document.querySelector('[data-notes]').scrollIntoView({block: 'center'}); return 1").await?;
    browser.screenshot("notes").await?;
    let export = api.get(&format!("/api/assets/{}/export", asset.id)).await?;
    assert_eq!(export["notes"].as_array().map(Vec::len), Some(2), "the note and its reply are exported");

    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
