//! The web app renews its session before the access token runs out, so a reviewer who
//! keeps a page open is never thrown out mid-work, however many tabs they keep.

use std::time::Duration;

use mediaport_e2e::{Browser, first_admin, server_settings};
use serde_json::Value;

async fn stored_session(browser: &Browser) -> anyhow::Result<Value> {
    let text = browser.client.execute("return localStorage.getItem('mediaport.session')", vec![]).await?;
    Ok(serde_json::from_str(text.as_str().unwrap_or("null"))?)
}

#[tokio::test]
async fn the_app_refreshes_the_token_before_it_expires() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = server_settings(dir.path())?;
    // Shorter than the app's two-minute margin: the first periodic check must renew it.
    settings.identity.access_token_secs = 100;
    let server = mediaport_cli::server::start(settings).await?;
    let browser = Browser::launch().await?;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    let first = stored_session(&browser).await?;
    let first_token = first["access_token"].as_str().unwrap_or_default().to_owned();
    assert!(!first_token.is_empty(), "{first}");

    // No user action: the app renews on its own within its 20-second check.
    let mut renewed = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = stored_session(&browser).await?;
        if now["access_token"].as_str().is_some_and(|t| t != first_token) {
            renewed = Some(now);
            break;
        }
    }
    let renewed = renewed.expect("the access token was renewed before it expired");
    assert!(renewed["expires_at_ms"].as_f64() > first["expires_at_ms"].as_f64(), "{renewed}");
    assert_ne!(renewed["refresh_token"], first["refresh_token"], "refresh tokens rotate");

    // The new token works; the spent refresh token does not.
    let http = reqwest::Client::new();
    let me = http
        .get(format!("{}/api/me", server.url()))
        .bearer_auth(renewed["access_token"].as_str().unwrap_or_default())
        .send()
        .await?;
    assert_eq!(me.status(), 200);
    let replay = http
        .post(format!("{}/api/auth/refresh", server.url()))
        .json(&serde_json::json!({"refresh_token": first["refresh_token"]}))
        .send()
        .await?;
    assert_eq!(replay.status(), 401, "a refresh token works once");

    // A second tab shares the session. Each tab renews on its own clock (here every 20
    // s, the token lasting less than the margin), and a refresh token works once: a tab
    // that renewed with the token the other had spent would be signed out, both with it.
    let first_tab = browser.client.window().await?;
    let second_tab = browser.client.new_window(true).await?.handle;
    browser.client.switch_to_window(second_tab.clone()).await?;
    browser.client.goto(&server.url()).await?;
    browser.wait_for_text("[data-testid=user-menu]", &admin).await?;
    tokio::time::sleep(Duration::from_secs(45)).await;
    for tab in [first_tab, second_tab] {
        browser.client.switch_to_window(tab).await?;
        let url = browser.client.current_url().await?;
        assert!(!url.path().starts_with("/login"), "a tab was signed out: {url}");
        browser.wait_for_text("[data-testid=user-menu]", &admin).await?;
    }
    let shared = stored_session(&browser).await?;
    assert_ne!(shared["access_token"], renewed["access_token"], "renewed again since");
    let me = http
        .get(format!("{}/api/me", server.url()))
        .bearer_auth(shared["access_token"].as_str().unwrap_or_default())
        .send()
        .await?;
    assert_eq!(me.status(), 200, "the session both tabs hold works");
    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await?;
    server.shutdown().await
}
