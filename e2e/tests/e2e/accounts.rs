//! Accounts in the browser: an admin creates a viewer; the viewer sees only what a
//! viewer may use, and the server refuses what the UI does not offer.

use fantoccini::Locator;
use mediaport_e2e::{Browser, first_admin, start_server};
use serde_json::{Value, json};

#[tokio::test]
async fn an_admin_creates_a_viewer_who_cannot_administer() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start_server(dir.path()).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, admin_password) = first_admin(&server);

    browser.sign_in(&server.url(), &admin, &admin_password).await?;
    browser.element(Locator::Css("nav a[href='/users']")).await?.click().await?;
    browser.wait_for_text("[data-testid=users]", &admin).await?;

    // A weak password is refused with the reason.
    let form = browser.element(Locator::Css("[data-testid=new-user]")).await?;
    form.find(Locator::Css("input[name=username]")).await?.send_keys("vera").await?;
    form.find(Locator::Css("input[name=email]")).await?.send_keys("vera@example.org").await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys("password").await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    browser.wait_for_text("[data-testid=notice]", "upper-case").await?;

    // No password: an invitation with a temporary one, shown once.
    // Backspaces, not WebDriver's clear(): the app listens to input events, which clear() skips.
    form.find(Locator::Css("input[name=password]")).await?.send_keys(&"\u{E003}".repeat(8)).await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    let notice = browser.wait_for_text("[data-testid=notice]", "Temporary password").await?;
    let temporary = notice.rsplit(": ").next().unwrap().trim().to_owned();
    browser.wait_for_text("[data-testid=users]", "vera").await?;
    browser.screenshot("users-admin").await?;

    // A duplicate name is refused.
    form.find(Locator::Css("input[name=username]")).await?.send_keys("vera").await?;
    form.find(Locator::Css("input[name=email]")).await?.send_keys("v2@example.org").await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    browser.wait_for_text("[data-testid=notice]", "already exists").await?;

    browser.sign_out().await?;
    browser.screenshot("login").await?;
    browser.sign_in(&server.url(), "vera", &temporary).await?;
    assert_eq!(browser.nav_labels().await?, ["Collection", "Search", "Processing", "People", "Faces"]);
    browser.wait_for_text("[data-testid=user-menu]", "viewer").await?;

    // Typing the address of an admin page shows why it is not there.
    c.goto(&format!("{}/users", server.url())).await?;
    browser.wait_for_text("main h2", "Not available to you").await?;
    browser.screenshot("users-as-viewer").await?;

    // The session survives a reload.
    c.refresh().await?;
    browser.wait_for_text("[data-testid=user-menu]", "vera").await?;

    // The server refuses the viewer whatever the UI shows: the same token, sent by hand.
    let session: Value = serde_json::from_str(
        c.execute("return localStorage.getItem('mediaport.session')", vec![]).await?.as_str().unwrap_or("{}"),
    )?;
    let token = session["access_token"].as_str().unwrap_or_default().to_owned();
    let http = reqwest::Client::new();
    let create = http
        .post(format!("{}/api/users", server.url()))
        .bearer_auth(&token)
        .json(&json!({"username": "mallory", "email": "m@example.org", "group": "admin"}))
        .send()
        .await?;
    assert_eq!(create.status(), 403);
    let upload = http
        .post(format!("{}/api/uploads", server.url()))
        .bearer_auth(&token)
        .json(&json!({"filename": "sneaky.mp4", "size": 1000}))
        .send()
        .await?;
    assert_eq!(upload.status(), 403, "a viewer cannot start an upload");
    let mine = http.get(format!("{}/api/assets", server.url())).bearer_auth(&token).send().await?;
    assert_eq!(mine.status(), 200);

    browser.close().await?;
    server.shutdown().await
}
