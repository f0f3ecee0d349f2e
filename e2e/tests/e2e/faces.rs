//! The Faces page in real Chromium: a creator makes a collection, adds a person from a
//! portrait and sees the aligned crop; a photograph with no face is refused with the
//! reason; renaming shows the new name; a zip of photographs by person is imported with
//! a report of what was refused.

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, start_server};

fn sample(name: &str) -> String {
    mediaport_analysis::inference::default_dir().join("samples").join(name).display().to_string()
}

#[tokio::test]
async fn a_person_added_from_a_portrait_shows_with_their_face() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start_server(&dir.path().join("server")).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    c.goto(&format!("{}/faces", server.url())).await?;

    let new = browser.element(Locator::Css("[data-testid=new-collection] input")).await?;
    new.send_keys("Press office").await?;
    c.find(Locator::Css("[data-testid=new-collection] button")).await?.click().await?;
    browser.wait_for_text("[data-testid=collection] h2", "Press office").await?;

    let form = "[data-testid=add-face]";
    browser.element(Locator::Css(&format!("{form} input[name=name]"))).await?.send_keys("Barack Obama").await?;
    c.find(Locator::Css(&format!("{form} input[type=file]"))).await?.send_keys(&sample("obama.jpg")).await?;
    c.find(Locator::Css(&format!("{form} button"))).await?.click().await?;
    let card = "[data-testid=faces] figure[data-name='Barack Obama'] img";
    let width = browser
        .wait_for("the face's crop to load", || async {
            let script = format!("const i = document.querySelector(\"{card}\"); return i ? i.naturalWidth : 0;");
            let width = eval(c, &script).await?.as_u64().unwrap_or(0);
            Ok((width > 0).then_some(width))
        })
        .await?;
    assert_eq!(width, 150, "the aligned crop");
    browser.wait_for_text("[data-testid=collections]", "Press office · 1").await?;
    browser.screenshot("faces-collection").await?;

    // A photograph without a face: refused, and the reason is shown.
    browser.element(Locator::Css(&format!("{form} input[name=name]"))).await?.send_keys("A cup").await?;
    c.find(Locator::Css(&format!("{form} input[type=file]"))).await?.send_keys(&sample("coffee.png")).await?;
    c.find(Locator::Css(&format!("{form} button"))).await?.click().await?;
    browser.wait_for_text("[data-testid=notice]", "no face was found").await?;
    let faces = c.find_all(Locator::Css("[data-testid=faces] figure")).await?;
    assert_eq!(faces.len(), 1, "nothing was added");

    // Many at once: a zip of a folder per person, with a photograph that shows no one.
    let folder = dir.path().join("press");
    std::fs::create_dir_all(folder.join("Joe Biden"))?;
    std::fs::create_dir_all(folder.join("Cup"))?;
    std::fs::copy(sample("biden.jpg"), folder.join("Joe Biden/1.jpg"))?;
    std::fs::copy(sample("obama2.jpg"), folder.join("Barack_Obama_2.jpg"))?;
    std::fs::copy(sample("coffee.png"), folder.join("Cup/coffee.png"))?;
    let archive = dir.path().join("press.zip");
    let zipped = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-c"])
        .arg(&archive)
        .args(["Joe Biden", "Barack_Obama_2.jpg", "Cup"])
        .current_dir(&folder)
        .status()?;
    assert!(zipped.success());
    c.find(Locator::Css("[data-testid=face-import] input[name=import-zip]"))
        .await?
        .send_keys(&archive.display().to_string())
        .await?;
    let report = browser.wait_for_text("[data-testid=import-report]", "2 indexed, 1 refused").await?;
    assert!(report.contains("Cup/coffee.png") && report.contains("no face"), "{report}");
    browser.wait_for_text("[data-testid=faces]", "Joe Biden").await?;
    browser.wait_for_text("[data-testid=collections]", "Press office · 3").await?;
    browser.screenshots("faces-import").await?;
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}
