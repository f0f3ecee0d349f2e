//! The People page in real Chromium: three photographs analysed by the server's worker
//! with the real face models become two people; a reviewer names the one seen twice, and
//! the asset page of either photograph shows the name; the other is named from his
//! photograph's page; "Not this person" takes a face out.

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, server_settings};
use mediaport_shared::AssetStatus;

fn sample(name: &str) -> std::path::PathBuf {
    mediaport_analysis::inference::default_dir().join("samples").join(name)
}

#[tokio::test]
async fn a_person_named_on_the_people_page_is_named_on_their_assets() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    settings.analysis.faces = true;
    let server = mediaport_cli::server::start(settings).await?;
    let photos = ["obama.jpg", "obama2.jpg", "biden.jpg"];
    for name in photos {
        let key = format!("bulk/{name}");
        server.state.storage.put_file("mediaport-ingest", &key, &sample(name), "image/jpeg").await?;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let mut ids = Vec::new();
    for name in photos {
        let key = format!("bulk/{name}");
        let id = loop {
            let found = server.state.catalog.find_asset_by_object("mediaport-ingest", &key).await?;
            if let Some(asset) = found.clone().filter(|a| matches!(a.status, AssetStatus::Ready | AssetStatus::Failed))
            {
                assert_eq!(asset.status, AssetStatus::Ready, "{name}: {:?}", asset.error);
                break asset.id;
            }
            assert!(std::time::Instant::now() < deadline, "{name} was not analysed in time: {found:?}");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        };
        ids.push(id);
    }

    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    c.goto(&format!("{}/people", server.url())).await?;
    // Most seen first: the man in two photographs.
    browser.wait_for_text("[data-testid=people] .person-card", "2 assets").await?;
    let cards = c.find_all(Locator::Css("[data-testid=people] .person-card")).await?;
    assert!(cards.len() >= 2, "at least Obama and Biden: {} cards", cards.len());
    browser.screenshot("people").await?;
    cards[0].click().await?;

    let form = "[data-testid=name-person]";
    browser.wait_for_text("[data-testid=person] h2", "Unnamed").await?;
    let faces = browser
        .wait_for("his two faces", || async {
            let n = c.find_all(Locator::Css("[data-testid=appearances] figure")).await?.len();
            Ok((n == 2).then_some(n))
        })
        .await?;
    assert_eq!(faces, 2);
    browser.element(Locator::Css(&format!("{form} input"))).await?.send_keys("Barack Obama").await?;
    c.find(Locator::Css(&format!("{form} button"))).await?.click().await?;
    browser.wait_for_text("[data-testid=notice]", "Named Barack Obama").await?;
    browser.wait_for_text("[data-testid=person] h2", "Barack Obama").await?;

    // His photographs' pages name him.
    c.goto(&format!("{}/assets/{}", server.url(), ids[1])).await?;
    browser.wait_for_text("[data-testid=asset-faces]", "Barack Obama").await?;
    let chip =
        eval(c, "const i = document.querySelector('[data-testid=asset-faces] img'); return i ? i.src : ''").await?;
    assert!(chip.as_str().is_some_and(|s| s.contains("/faces/")), "the face's chip: {chip}");
    // His face is boxed on the photograph, with his name, inside the picture.
    let place = browser
        .wait_for("his face's box on the picture", || async {
            let script = "const p = document.querySelector('img.player-image').getBoundingClientRect(); \
                          const b = document.querySelector(\".overlay .box-face[data-name='Barack Obama']\"); \
                          if (!b) return null; const r = b.getBoundingClientRect(); \
                          return [(r.left - p.left) / p.width, (r.top - p.top) / p.height, r.width / p.width]";
            Ok(eval(c, script).await?.as_array().cloned())
        })
        .await?;
    let at = |n: usize| place[n].as_f64().unwrap_or(-1.0);
    assert!((0.0..1.0).contains(&at(0)) && (0.0..1.0).contains(&at(1)), "inside the picture: {place:?}");
    assert!((0.1..0.9).contains(&at(2)), "a portrait's face is a good part of it: {place:?}");
    browser.screenshot("asset-people").await?;

    // The other man is named from his photograph's page, and stays named there.
    c.goto(&format!("{}/assets/{}", server.url(), ids[2])).await?;
    let field = browser.element(Locator::Css("[data-testid=name-face] input[name=person-name]")).await?;
    field.send_keys("Joe Biden").await?;
    browser.element(Locator::Css("[data-testid=name-face] button[type=submit]")).await?.click().await?;
    browser.wait_for_text("[data-testid=asset-faces] .strong", "Joe Biden").await?;
    c.refresh().await?;
    browser.wait_for_text("[data-testid=asset-faces]", "Joe Biden").await?;

    // One face is not him: taken out, he keeps one.
    c.goto(&format!("{}/people", server.url())).await?;
    browser.wait_for_text("[data-testid=people]", "Barack Obama").await?;
    c.find(Locator::Css("[data-testid=people] .person-card[data-name='Barack Obama']")).await?.click().await?;
    let button = "//div[@data-testid='appearances']//button[contains(., 'Not this person')]";
    browser
        .wait_for("a face to take out", || async {
            let Ok(button) = c.find(Locator::XPath(button)).await else { return Ok(None) };
            Ok(button.click().await.ok())
        })
        .await?;
    browser.wait_for_text("[data-testid=notice]", "Taken out").await?;
    let left = browser
        .wait_for("one face left", || async {
            let n = c.find_all(Locator::Css("[data-testid=appearances] figure")).await?.len();
            Ok((n == 1).then_some(n))
        })
        .await?;
    assert_eq!(left, 1);
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
