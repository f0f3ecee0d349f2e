//! Notifications on the Settings page: an admin adds a webhook, tests it, reads its
//! secret, and follows deliveries (one delivered, one refused and sent again).

use std::time::Duration;

use fantoccini::Locator;
use mediaport_backends::testing::notifier::Inbox;
use mediaport_core::notify;
use mediaport_e2e::{Browser, eval, first_admin, server_settings};
use mediaport_shared::{AssetType, NewNotifyTarget, NoticeKind, TargetKind};

#[tokio::test]
async fn an_admin_adds_tests_and_follows_a_webhook() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let inbox = Inbox::start().await?;
    let mut settings = server_settings(&dir.path().join("server"))?;
    settings.worker.in_server = true;
    let server = mediaport_cli::server::start(settings).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;
    c.goto(&format!("{}/settings", server.url())).await?;
    browser.wait_for_text("[data-testid=notify-targets]", "No targets yet").await?;

    // Added from the form, only for failures.
    let form = browser.element(Locator::Css("[data-testid=new-target]")).await?;
    form.find(Locator::Css("input[name=address]")).await?.send_keys(&inbox.url("/hook")).await?;
    for event in ["asset.ready", "analysis.done"] {
        form.find(Locator::Css(&format!("input[name='{event}']"))).await?.click().await?;
    }
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    browser.wait_for_text("[data-testid=notice]", "will be notified").await?;
    let saved = notify::targets(server.state.catalog.as_ref()).await?;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].events, [NoticeKind::AssetFailed]);
    let row = format!("tr[data-target='{}']", saved[0].id);
    browser.wait_for_text(&row, "Asset failed").await?;

    // The secret, shown on demand; the test button's answer, next to the target.
    let secret = browser.element(Locator::Css(&format!("{row} [data-testid=secret]"))).await?;
    assert!(!secret.text().await?.contains(saved[0].secret.as_deref().unwrap()), "hidden until asked");
    browser.element(Locator::XPath("//button[normalize-space(.)='Show']")).await?.click().await?;
    browser.wait_for_text(&format!("{row} [data-testid=secret]"), saved[0].secret.as_deref().unwrap()).await?;
    browser.element(Locator::Css(&format!("{row} button[data-action=test]"))).await?.click().await?;
    browser.wait_for_text(&format!("{row} [data-outcome=delivered]"), "HTTP 204").await?;
    let tested = inbox.wait_for("/hook", 1, Duration::from_secs(5)).await;
    assert_eq!(tested[0].notice().map(|n| n.event), Some(NoticeKind::Test));

    // A failed asset told to the webhook, and to a target that refuses.
    let catalog = server.state.catalog.as_ref();
    let refusing = NewNotifyTarget { kind: TargetKind::Webhook, address: inbox.url("/status/410"), events: vec![] };
    notify::add_target(catalog, refusing).await?;
    let asset = catalog.create_asset(ready_asset()).await?;
    let failed =
        catalog.set_asset_status(&asset.id, mediaport_shared::AssetStatus::Failed, Some("ffprobe: no streams")).await?;
    let notice = notify::notice(&failed, NoticeKind::AssetFailed, Some(&server.url()));
    notify::announce(catalog, server.state.queue.as_ref(), notice).await?;
    inbox.wait_for("/status/410", 1, Duration::from_secs(30)).await;
    inbox.wait_for("/hook", 2, Duration::from_secs(30)).await;
    browser
        .wait_for("both deliveries to end", || async {
            c.find(Locator::XPath("//button[normalize-space(.)='Refresh']")).await?.click().await?;
            let ended =
                eval(c, "return document.querySelectorAll('tr[data-status=done], tr[data-status=failed]').length")
                    .await?;
            Ok((ended.as_u64() == Some(2)).then_some(()))
        })
        .await?;
    browser.wait_for_text("tr[data-status=failed] [data-testid=answer]", "HTTP 410").await?;
    browser.screenshots("settings-notifications").await?;
    // The section itself, further down the page, at both widths.
    for (width, height, name) in [(390, 844, "phone"), (1366, 900, "desktop")] {
        c.set_window_size(width, height).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        eval(c, "document.querySelector('[data-testid=notifications]').scrollIntoView(); return 1").await?;
        browser.screenshot(&format!("settings-notifications-section-{name}")).await?;
    }

    // Sent again from the log.
    browser.element(Locator::XPath("//button[normalize-space(.)='Send again']")).await?.click().await?;
    browser.wait_for_text("[data-testid=notice]", "queued to be sent again").await?;
    assert_eq!(inbox.wait_for("/status/410", 2, Duration::from_secs(30)).await.len(), 2);

    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await?;
    server.shutdown().await?;
    Ok(())
}

fn ready_asset() -> mediaport_core::NewAsset {
    let id = mediaport_core::new_id();
    mediaport_core::NewAsset {
        key: mediaport_core::keys::original(&id, "interview.mov"),
        id,
        bucket: "mediaport-ingest".into(),
        filename: "interview.mov".into(),
        asset_type: AssetType::Video,
        size: 1000,
        md5: None,
        status: mediaport_shared::AssetStatus::Ready,
        group: None,
        attributes: Default::default(),
        ai_options: None,
    }
}
