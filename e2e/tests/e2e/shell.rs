//! The web app's shell in real Chromium: it renders, navigates, reaches the API, and
//! logs no console errors.

use fantoccini::Locator;
use mediaport_e2e::{Browser, eval, first_admin, start_server};

#[tokio::test]
async fn the_app_renders_navigates_and_reaches_the_api() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start_server(dir.path()).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);

    browser.sign_in(&server.url(), &admin, &password).await?;
    browser.wait_for_text("h1", "Collection").await?;
    // The status comes from GET /healthz: the app's call to the API succeeded.
    let status = browser.wait_for_text("[data-testid=server-status]", "Connected").await?;
    assert!(status.contains(env!("CARGO_PKG_VERSION")), "{status}");

    let expected = [
        "Collection",
        "Search",
        "Upload",
        "Processing",
        "People",
        "Faces",
        "Shared links",
        "Stats",
        "Users",
        "Settings",
    ];
    assert_eq!(browser.nav_labels().await?, expected);

    for (label, path, heading) in [
        ("Search", "/search", "Search"),
        ("Upload", "/upload", "Upload"),
        ("Processing", "/processing", "Processing"),
        ("Faces", "/faces", "Faces"),
        ("Shared links", "/shares", "Shared links"),
        ("Stats", "/stats", "Stats"),
        ("Users", "/users", "Users"),
        ("Settings", "/settings", "Settings"),
        ("Collection", "/", "Collection"),
    ] {
        browser.element(Locator::Css(&format!("nav a[href='{path}']"))).await?.click().await?;
        browser.wait_for_text("main h1", heading).await?;
        assert_eq!(c.current_url().await?.path(), path);
        let active = browser.element(Locator::Css("nav .nav-link[aria-current=page] .nav-label")).await?.text().await?;
        assert_eq!(active.trim(), label);
    }

    // Settings reads the server's facts and its OpenAPI document.
    browser.element(Locator::Css("nav a[href='/settings']")).await?.click().await?;
    browser.wait_for_text("[data-testid=server-facts]", "documented operations").await?;
    let facts = browser.wait_for_text("[data-testid=server-facts]", "Storage").await?;
    assert!(facts.contains("ok"), "{facts}");

    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await?;
    server.shutdown().await
}

#[tokio::test]
async fn deep_links_and_unknown_pages_load_in_the_app() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start_server(dir.path()).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    let (admin, password) = first_admin(&server);

    let asset = server
        .state
        .catalog
        .create_asset(mediaport_core::NewAsset {
            id: mediaport_core::new_id(),
            asset_type: mediaport_shared::AssetType::Video,
            filename: "Harbour at dawn.mov".into(),
            size: 1_000_000,
            md5: None,
            group: None,
            attributes: Default::default(),
            bucket: "mediaport-ingest".into(),
            key: "bulk/harbour.mov".into(),
            status: mediaport_shared::AssetStatus::Ready,
            ai_options: None,
        })
        .await?;

    // Signed out, a deep link asks for a sign-in, then lands where it pointed.
    c.goto(&format!("{}/assets/{}", server.url(), asset.id)).await?;
    browser.wait_for_text("h1", "Sign in").await?;
    let form = browser.element(Locator::Css("form.auth-card")).await?;
    form.find(Locator::Css("input[name=username]")).await?.send_keys(&admin).await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys(&password).await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    browser.wait_for_text("main h1", "Harbour at dawn.mov").await?;
    assert_eq!(c.current_url().await?.path(), format!("/assets/{}", asset.id));
    browser.wait_for_text("main .subtitle", "ready").await?;

    c.goto(&format!("{}/search?q=label%3Adog", server.url())).await?;
    browser.wait_for_text("main h1", "Search").await?;
    let query = eval(c, "return document.querySelector('main input[name=q]').value").await?;
    assert_eq!(query, "label:dog");

    c.goto(&format!("{}/no/such/page", server.url())).await?;
    browser.wait_for_text("main h2", "Page not found").await?;

    let errors = browser.console_errors().await?;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await?;
    server.shutdown().await
}

#[tokio::test]
async fn the_layout_fits_a_tablet_screen() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start_server(dir.path()).await?;
    let browser = Browser::launch().await?;
    let c = &browser.client;
    c.set_window_size(820, 1180).await?;
    let (admin, password) = first_admin(&server);
    browser.sign_in(&server.url(), &admin, &password).await?;

    for path in ["/", "/search", "/upload", "/settings"] {
        c.goto(&format!("{}{path}", server.url())).await?;
        browser.wait_for_text("[data-testid=server-status]", "").await?;
        browser.wait_for_text("main h1", "").await?;
        // Nothing wider than the screen: no sideways scrolling on a tablet.
        let overflow =
            eval(c, "return document.documentElement.scrollWidth - document.documentElement.clientWidth").await?;
        assert_eq!(overflow.as_i64(), Some(0), "{path} scrolls sideways");
        // The sidebar folds to an icon rail; its labels are hidden.
        let label_visible = eval(c, "return getComputedStyle(document.querySelector('.nav-label')).display").await?;
        assert_eq!(label_visible, "none", "{path}");
    }
    browser.close().await?;
    server.shutdown().await
}
