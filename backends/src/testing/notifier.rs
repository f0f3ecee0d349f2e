//! The notifier's conformance suite, and an HTTP receiver for notices to land in (a
//! webhook's URL, or an SNS topic's HTTP subscription).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use mediaport_core::{Notifier, NotifyError};
use mediaport_shared::{Notice, NoticeAsset, NoticeKind, NotifyTarget};

/// A request the inbox took.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    /// The notice it carries: a webhook's body, or the `Message` of an SNS envelope.
    pub fn notice(&self) -> Option<Notice> {
        let json: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        match json.get("Type").and_then(|t| t.as_str()) {
            Some("Notification") => serde_json::from_str(json["Message"].as_str()?).ok(),
            _ => serde_json::from_value(json).ok(),
        }
    }
}

/// An HTTP server on a free loopback port that keeps every request. It answers by path:
/// `/status/N` with status N (a redirect's `Location` is `/moved`), `/flaky…` with 500 on
/// the first request and 204 after, `/slow` after 3 s, anything else 204.
pub struct Inbox {
    base: String,
    taken: Arc<Mutex<Vec<Received>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Inbox {
    pub async fn start() -> anyhow::Result<Self> {
        let taken = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new().fallback(take).with_state(taken.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { base, taken, server })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What arrived so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.taken.lock().expect("not poisoned").clone()
    }

    /// Waits up to `within` for `count` requests at `path`; returns those there by then.
    pub async fn wait_for(&self, path: &str, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let at: Vec<Received> = self.received().into_iter().filter(|r| r.path == path).collect();
            if at.len() >= count || tokio::time::Instant::now() >= deadline {
                return at;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn take(
    State(taken): State<Arc<Mutex<Vec<Received>>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let path = uri.path().to_owned();
    let earlier = {
        let mut taken = taken.lock().expect("not poisoned");
        let earlier = taken.iter().filter(|r| r.path == path).count();
        taken.push(Received { path: path.clone(), headers, body });
        earlier
    };
    if path == "/slow" {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let status = match path.strip_prefix("/status/").and_then(|n| n.parse::<u16>().ok()) {
        Some(code) => StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
        None if path.starts_with("/flaky") && earlier == 0 => StatusCode::INTERNAL_SERVER_ERROR,
        None => StatusCode::NO_CONTENT,
    };
    (status, [(axum::http::header::LOCATION, "/moved")], if status.is_success() { "" } else { "not today" })
}

/// A notice like the workflow's, about an asset with a name and reason outside ASCII.
pub fn sample(event: NoticeKind) -> Notice {
    let asset = NoticeAsset {
        id: mediaport_core::new_id(),
        filename: "Café – «final cut» 日本.mov".into(),
        asset_type: mediaport_shared::AssetType::Video,
        reason: (event == NoticeKind::AssetFailed).then(|| "ffprobe: moov atom not found \"quoted\"\n".into()),
        url: Some("https://media.example.org/assets/x".into()),
    };
    Notice { id: mediaport_core::new_id(), event, occurred_at: mediaport_core::now_rfc3339(), asset: Some(asset) }
}

/// What every notifier does: a notice sent to `target` arrives at `inbox`'s `path` once,
/// whole, and says so; a `refused` target is refused, not left to be retried forever.
pub async fn suite(notifier: &dyn Notifier, target: &NotifyTarget, path: &str, refused: &NotifyTarget, inbox: &Inbox) {
    for event in [NoticeKind::AssetReady, NoticeKind::AssetFailed, NoticeKind::AnalysisDone] {
        let before = inbox.received().into_iter().filter(|r| r.path == path).count();
        let notice = sample(event);
        let answer = notifier.deliver(target, &notice).await.expect("the notice is delivered");
        assert!(!answer.is_empty(), "the delivery log gets the receiver's answer");
        let arrived = inbox.wait_for(path, before + 1, Duration::from_secs(10)).await;
        assert_eq!(arrived.len(), before + 1, "one request per notice");
        assert_eq!(arrived[before].notice(), Some(notice), "the notice arrives whole");
    }
    match notifier.deliver(refused, &sample(NoticeKind::AssetReady)).await {
        Err(NotifyError::Refused(reason)) => assert!(!reason.is_empty()),
        other => panic!("a target that cannot take notices is refused, not retried: {other:?}"),
    }
}
