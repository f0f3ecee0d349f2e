//! Browser-test harness: real Chromium driven through chromedriver (WebDriver) against
//! the real server, started exactly as `mediaport serve` starts it.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use mediaport_cli::server::{self, RunningServer};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// How long to wait for the page to show something before failing the test.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Makes a 6-second 640x360 clip at `out`: the lavfi scene `first` then `second` (their
/// durations adding up to 6 s), and `said` spoken by espeak-ng at `words_per_minute` from 1 s.
pub fn speaking_clip(out: &Path, first: &str, second: &str, said: &str, words_per_minute: u32) -> anyhow::Result<()> {
    let voice = out.with_extension("wav");
    let spoken = std::process::Command::new("espeak-ng")
        .args(["-s", &words_per_minute.to_string(), "-w"])
        .arg(&voice)
        .arg(said)
        .status()?;
    anyhow::ensure!(spoken.success(), "espeak-ng failed");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", first, "-f", "lavfi", "-i", second])
        .arg("-i")
        .arg(&voice)
        .args(["-filter_complex", "[0][1]concat=n=2:v=1:a=0[v];[2]adelay=1000:all=1,apad[a]"])
        .args(["-map", "[v]", "-map", "[a]", "-t", "6", "-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast"])
        .arg(out)
        .status()?;
    anyhow::ensure!(made.success(), "ffmpeg failed");
    Ok(())
}

/// The built web app; browser tests need `scripts/build-web.sh` to have run.
pub fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist")
}

/// The first admin's name and password, made by the server on a fresh data folder.
pub fn first_admin(server: &RunningServer) -> (String, String) {
    server.first_admin.clone().expect("a fresh data folder gets a first admin")
}

/// Settings for a server on free ports with a fresh data folder and the built web app.
pub fn server_settings(data_dir: &Path) -> anyhow::Result<mediaport_wiring::Settings> {
    let web = web_dir();
    if !web.join("index.html").is_file() {
        bail!("the web app is not built in {}: run scripts/build-web.sh", web.display());
    }
    let mut settings = server::ephemeral_settings(data_dir);
    settings.server.web_dir = web;
    Ok(settings)
}

/// Starts the server on free ports with a fresh data folder and the built web app.
pub async fn start_server(data_dir: &Path) -> anyhow::Result<RunningServer> {
    server::start(server_settings(data_dir)?).await
}

/// A headless Chromium session; the browser and its driver die with this value.
pub struct Browser {
    pub client: Client,
    // Dropped first: kills chromedriver and every browser it started.
    _group: ProcessGroup,
    _driver: Child,
    _profile: tempfile_dir::TempDir,
}

mod tempfile_dir {
    /// A folder removed on drop (Chromium's profile).
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A process group killed when dropped.
struct ProcessGroup(u32);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if self.0 != 0 {
            let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.0)]).status();
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    pub async fn launch() -> anyhow::Result<Self> {
        // Several TLS back ends are linked into the test binary; name one (chromedriver
        // itself is plain HTTP on loopback).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        for bin in [&chromium, &driver_bin] {
            if !Path::new(bin).exists() {
                bail!("{bin} is missing: run scripts/setup.sh (installs Debian chromium and chromium-driver)");
            }
        }
        let port = free_port()?;
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            // Its own process group, so that the browsers it starts die with it (a failed
            // test never reaches `close`, and a killed chromedriver leaves Chromium running).
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {driver_bin}"))?;
        let group = ProcessGroup(driver.id().unwrap_or_default());
        let profile = std::env::temp_dir().join(format!("mediaport-chromium-{port}"));
        let caps = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1366,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let caps = caps.as_object().cloned().unwrap_or_default();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        // chromedriver needs a moment before it accepts sessions.
        for _ in 0..100 {
            match ClientBuilder::rustls()?.capabilities(caps.clone()).connect(&url).await {
                Ok(client) => {
                    let _profile = tempfile_dir::TempDir(profile);
                    return Ok(Self { client, _group: group, _driver: driver, _profile });
                }
                Err(err) => last_error = Some(err),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("chromedriver did not start a session: {last_error:?}")
    }

    /// Polls `check` until it returns `Some`, or fails with `what` after [`PATIENCE`].
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut check: F) -> anyhow::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<T>>>,
    {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let last = check().await;
            if let Ok(Some(value)) = last {
                return Ok(value);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("timed out waiting for {what} (last check: {:?})", last.map(|_| ()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element `locator` finds, waiting up to [`PATIENCE`] for the app to render it (a
    /// page just opened is still loading its WASM on a busy machine).
    pub async fn element(&self, locator: Locator<'_>) -> anyhow::Result<fantoccini::elements::Element> {
        Ok(self.client.wait().at_most(PATIENCE).for_element(locator).await?)
    }

    /// Waits until the element matching `css` shows text containing `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> anyhow::Result<String> {
        self.wait_for(&format!("{css} to contain {expected:?}"), || async {
            let Ok(element) = self.client.find(Locator::Css(css)).await else {
                return Ok(None);
            };
            let text = element.text().await?;
            Ok(text.contains(expected).then_some(text))
        })
        .await
    }

    /// Signs in through the login page and waits for the signed-in shell.
    pub async fn sign_in(&self, base_url: &str, username: &str, password: &str) -> anyhow::Result<()> {
        self.client.goto(&format!("{base_url}/login")).await?;
        let form = self.client.wait().at_most(PATIENCE).for_element(Locator::Css("form.auth-card")).await?;
        form.find(Locator::Css("input[name=username]")).await?.send_keys(username).await?;
        form.find(Locator::Css("input[name=password]")).await?.send_keys(password).await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        self.wait_for_text("[data-testid=user-menu]", username).await?;
        Ok(())
    }

    /// Signs out with the top bar's button and waits for the login page.
    pub async fn sign_out(&self) -> anyhow::Result<()> {
        self.client.find(Locator::XPath("//button[normalize-space(.)='Sign out']")).await?.click().await?;
        self.wait_for_text("h1", "Sign in").await?;
        Ok(())
    }

    /// The labels of the navigation links the page offers.
    pub async fn nav_labels(&self) -> anyhow::Result<Vec<String>> {
        let mut labels = Vec::new();
        for link in self.client.find_all(Locator::Css("nav .nav-label")).await? {
            labels.push(link.text().await?.trim().to_owned());
        }
        Ok(labels)
    }

    /// Saves what the browser shows to `target/e2e-screenshots/NAME.png`, for people
    /// reviewing a change (nothing asserts on the pixels).
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<()> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("{name}.png")), self.client.screenshot().await?)?;
        Ok(())
    }

    /// Saves the page at a desktop width (`NAME-desktop.png`) and a phone width
    /// (`NAME-phone.png`), then goes back to the desktop width.
    pub async fn screenshots(&self, name: &str) -> anyhow::Result<()> {
        // From the top of the page, as someone opening it sees it.
        self.client.execute("window.scrollTo(0, 0); return 1", vec![]).await?;
        self.screenshot(&format!("{name}-desktop")).await?;
        self.client.set_window_size(390, 844).await?;
        // The layout settles after the resize before the picture is taken.
        tokio::time::sleep(Duration::from_millis(400)).await;
        self.client.execute("window.scrollTo(0, 0); return 1", vec![]).await?;
        self.screenshot(&format!("{name}-phone")).await?;
        // Nothing may stick out sideways on a phone: name what does.
        let wide = "const w = document.documentElement.clientWidth; \
                    return Array.from(document.querySelectorAll('body *')) \
                      .filter(e => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed') \
                      .filter(e => !e.closest('.lane-scroll, .code, pre')) \
                      .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))";
        let overflow = self.client.execute(wide, vec![]).await?;
        self.client.set_window_size(1366, 900).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if overflow.as_array().is_some_and(|list| !list.is_empty()) {
            bail!("{name} is wider than a phone: {overflow}");
        }
        Ok(())
    }

    /// The browser console entries of level SEVERE since the last call (errors,
    /// failed requests, uncaught exceptions).
    pub async fn console_errors(&self) -> anyhow::Result<Vec<String>> {
        let logs = self.client.issue_cmd(BrowserLog).await?;
        let entries = logs.as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect())
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

/// chromedriver's log endpoint (not part of W3C WebDriver, so fantoccini has no method).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// Runs a script in the page and returns its value.
pub async fn eval(client: &Client, script: &str) -> anyhow::Result<Value> {
    Ok(client.execute(script, vec![]).await?)
}
