//! The plain HTTP surface: health, metrics, OpenAPI, errors.

use crate::common;

use common::start;
use serde_json::Value;

#[tokio::test]
async fn health_reports_every_dependency() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let response = reqwest::get(format!("{}/healthz", server.url())).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["catalog"], "ok");
    assert_eq!(body["storage"], "ok");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn health_turns_degraded_when_storage_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    // Remove the bucket behind the server's back.
    common::s3_client(&server).await.delete_bucket().bucket("mediaport-ingest").send().await.unwrap();
    let response = reqwest::get(format!("{}/healthz", server.url())).await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["catalog"], "ok");
    assert_eq!(body["storage"], "storage-no-such-bucket");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    for _ in 0..3 {
        reqwest::get(format!("{}/healthz", server.url())).await.unwrap();
    }
    let text = reqwest::get(format!("{}/metrics", server.url())).await.unwrap().text().await.unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("mediaport_http_requests_total")
                && l.contains("route=\"/healthz\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no healthz counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{line}");

    // The queue's depth by kind, read when asked (no worker runs in this server).
    let task = mediaport_core::Task::Relabel { asset_id: "a1".into(), reread: false };
    server.state.queue.enqueue(mediaport_core::NewJob { task, max_attempts: 1, dedupe_key: None }).await.unwrap();
    let text = reqwest::get(format!("{}/metrics", server.url())).await.unwrap().text().await.unwrap();
    let queued = text
        .lines()
        .find(|l| l.starts_with("mediaport_jobs{") && l.contains("kind=\"relabel\"") && l.contains("status=\"queued\""))
        .unwrap_or_else(|| panic!("no queue depth in:\n{text}"));
    assert!(queued.ends_with(" 1"), "{queued}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn openapi_documents_the_routes() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", server.url())).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Health"].is_object());
    // A client generator stops at the first reference to nothing.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.iter().any(|r| r == "#/components/schemas/AssetId"), "typed ids are documented: {refs:?}");
    for reference in refs {
        let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{reference}"));
        assert!(doc["components"]["schemas"][name].is_object(), "{reference} points at nothing");
    }
    assert_eq!(doc["components"]["schemas"]["AssetId"]["type"], "string");
    server.shutdown().await.unwrap();
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                refs.push(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn unknown_api_routes_get_a_json_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let response = reqwest::get(format!("{}/api/no-such-thing", server.url())).await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not-found");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_web_app_stops_start_up_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    settings.server.web_dir = dir.path().join("no-web");
    let err = mediaport_cli::server::start(settings).await.err().unwrap().to_string();
    assert!(err.contains("scripts/build-web.sh"), "{err}");
}

#[tokio::test]
async fn a_busy_port_stops_start_up_with_the_setting_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = common::settings(dir.path());
    settings.storage.embedded.listen = taken.local_addr().unwrap();
    let err = format!("{:#}", mediaport_cli::server::start(settings).await.err().unwrap());
    assert!(err.contains("--s3-listen"), "{err}");
}

#[tokio::test]
async fn the_web_app_is_served_with_a_policy_that_forbids_foreign_and_inline_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    // Built by scripts/build-web.sh, which the test command runs first.
    settings.server.web_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist");
    let server = mediaport_cli::server::start(settings).await.unwrap();
    for path in ["/", "/assets/some-id", "/boot.js"] {
        let page = reqwest::get(format!("{}{path}", server.url())).await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let headers = page.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval';"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "same-origin");
    }
    let index = reqwest::get(server.url()).await.unwrap().text().await.unwrap();
    assert!(!index.contains("<script>") && !index.contains("<script type=\"module\">"), "no inline script: {index}");
    server.shutdown().await.unwrap();
}
