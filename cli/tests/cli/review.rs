//! The review routes through the real server and its own worker: the admin's analysis
//! defaults (checked, saved, used by the next asset), re-analysis with changed options
//! (results replaced at once, the old timelines deleted), the export of everything known
//! about an asset, and the archive's figures, each equal to the catalog's.

use std::path::Path;
use std::process::Command;

use mediaport_core::AssetFilter;
use mediaport_shared::{AiOptions, AnalysisKind, Asset, AssetExport, AssetStatus, ErrorBody, Stats};
use serde_json::json;

use crate::common;
use crate::common::client::Client;

const PASSWORD: &str = "R3view-Tester!";

fn card(dir: &Path, text: &str) -> std::path::PathBuf {
    let picture = dir.join(format!("{}.png", text.to_lowercase().replace(' ', "-")));
    let card = format!("color=c=white:s=640x360,drawtext=text='{text}':x=60:y=150:fontsize=60:fontcolor=black");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", &card, "-frames:v", "1"])
        .arg(&picture)
        .status()
        .unwrap();
    assert!(made.success());
    picture
}

fn kinds(asset: &Asset) -> Vec<AnalysisKind> {
    asset.analysis.keys().copied().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_re_analysis_export_and_stats_work_as_a_reviewer_sees_them() {
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(&dir.path().join("server"));
    settings.worker.in_server = true;
    settings.uploads.adopt_copies = false;
    let analysis = &mut settings.analysis;
    (analysis.labels, analysis.moderation, analysis.faces, analysis.transcript) = (false, false, false, false);
    (analysis.text, analysis.sentiment, analysis.entities) = (true, false, false);
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;

    // The first asset: its words are read (the settings file turns text on).
    let harbour = client.register(&server, &card(dir.path(), "LISBON HARBOUR"), "bulk/first.png").await;
    let first = client.ready(&harbour).await;
    assert_eq!(kinds(&first), [AnalysisKind::Text, AnalysisKind::Keyphrase]);
    assert_eq!(client.found("harbour").await, 1);

    // The admin's defaults: the file's, every field set; only admins read or change them.
    let defaults: AiOptions = client.get("/api/settings/ai-options", &client.admin).await;
    assert_eq!((defaults.text, defaults.labels, defaults.frame_rate), (Some(true), Some(false), Some(1.0)));
    assert_eq!(defaults.transcript_model.as_deref(), Some("tiny.en"));
    let path = "/api/settings/ai-options";
    assert_eq!(client.refused(Method::GET, path, &client.editor, None).await, (403, "forbidden".into()));
    let (status, code) = client.refused(Method::PUT, path, &client.admin, Some(json!({"labelz": true}))).await;
    assert_eq!((status, code.as_str()), (400, "invalid-body"));
    let answer = client.call(Method::PUT, path, &client.admin, Some(json!({"min_confidence": 2}))).await;
    assert_eq!(answer.status(), 400);
    let body: ErrorBody = answer.json().await.unwrap();
    assert_eq!(body.code, "invalid-ai-options");
    assert!(body.message.contains("min_confidence"), "{}", body.message);
    // Saved: words off, objects on, for the next asset.
    let saved = client.call(Method::PUT, path, &client.admin, Some(json!({"text": false, "labels": true}))).await;
    assert_eq!(saved.status(), 200);
    let saved: AiOptions = saved.json().await.unwrap();
    assert_eq!((saved.text, saved.labels, saved.keyphrases), (Some(false), Some(true), Some(true)));
    assert_eq!(client.get::<AiOptions>(path, &client.admin).await, saved);

    let quay = client.register(&server, &card(dir.path(), "PORTO QUAY"), "bulk/second.png").await;
    let second = client.ready(&quay).await;
    assert_eq!(kinds(&second), [AnalysisKind::Label], "the saved defaults chose what ran");
    assert_eq!(client.found("quay").await, 0, "its words were not read");

    // Re-analysis: the first asset without its words, then with them again.
    let again = format!("/api/assets/{harbour}/analysis");
    let old_text_key = first.analysis[&AnalysisKind::Text].key.clone().unwrap();
    let bad = json!({"ai_options": {"frame_rate": 100}});
    assert_eq!(client.refused(Method::POST, &again, &client.editor, Some(bad)).await.1, "invalid-ai-options");
    let off = json!({"ai_options": {"text": false}});
    assert_eq!(client.refused(Method::POST, &again, &client.viewer, Some(off.clone())).await.0, 403);
    let unknown = "/api/assets/no-such-asset/analysis";
    assert_eq!(client.refused(Method::POST, unknown, &client.editor, Some(off.clone())).await.0, 404);
    let queued = client.call(Method::POST, &again, &client.editor, Some(off.clone())).await;
    assert_eq!(queued.status(), 202);
    assert_eq!(queued.json::<Asset>().await.unwrap().status, AssetStatus::Analysing);
    let (status, code) = client.refused(Method::POST, &again, &client.editor, Some(off)).await;
    assert_eq!((status, code.as_str()), (409, "not-analysable"), "one analysis at a time");
    let without = client.ready(&harbour).await;
    assert_eq!(kinds(&without), [AnalysisKind::Label], "the asset's choice over the saved defaults");
    assert_eq!(client.found("harbour").await, 0, "search no longer has its words");
    let proxy = &server.settings.storage.proxy_bucket;
    assert!(server.state.storage.head_object(proxy, &old_text_key).await.is_err(), "the old timeline is deleted");

    let on = json!({"ai_options": {"text": true}});
    assert_eq!(client.call(Method::POST, &again, &client.editor, Some(on)).await.status(), 202);
    let with = client.ready(&harbour).await;
    assert_eq!(kinds(&with), [AnalysisKind::Label, AnalysisKind::Text, AnalysisKind::Keyphrase]);
    let options = with.ai_options.clone().unwrap();
    assert_eq!((options.text, options.labels), (Some(true), None), "options merged over the asset's own");
    assert_eq!(client.found("harbour").await, 1);

    // The export: the record, the tools' reports and every timeline, as a download.
    let export = client.call(Method::GET, &format!("/api/assets/{harbour}/export"), &client.viewer, None).await;
    assert_eq!(export.status(), 200);
    let disposition = export.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"first.metadata.json\""), "{disposition}");
    let export: AssetExport = export.json().await.unwrap();
    assert_eq!(export.asset.id.as_str(), harbour);
    assert_eq!(export.reports["exiftool.json"][0]["File:FileType"], "PNG", "{:?}", export.reports);
    let read: Vec<&str> = export.timelines[&AnalysisKind::Text].items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(read, ["LISBON HARBOUR"]);
    assert_eq!(export.timelines.keys().copied().collect::<Vec<_>>(), kinds(&with));

    // The figures: each equal to what the catalog and storage hold.
    assert_eq!(client.refused(Method::GET, "/api/stats", &client.viewer, None).await.0, 403);
    let stats: Stats = client.get("/api/stats", &client.editor).await;
    let assets = server.state.catalog.list_assets(&AssetFilter::default(), 100, None).await.unwrap();
    assert_eq!(stats.assets, assets.len() as u64);
    assert_eq!(stats.by_type.get("image"), Some(&2));
    assert_eq!(stats.by_status.get("ready"), Some(&2));
    assert_eq!(stats.original_bytes, assets.iter().map(|a| a.size).sum::<u64>());
    let made = server.state.storage.list_objects(proxy, "").await.unwrap();
    assert_eq!(stats.proxy_bytes, made.iter().map(|o| o.size).sum::<u64>());
    assert_eq!(stats.added_per_day.len(), 30);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(stats.added_per_day.last().map(|d| (d.day.as_str(), d.count)), Some((today.as_str(), 2)));
    assert_eq!(stats.added_per_day.iter().map(|d| d.count).sum::<u64>(), 2);
    assert_eq!(stats.failed_jobs_24h, 0);
    let phrases = &export.timelines[&AnalysisKind::Keyphrase].items;
    let top: Vec<&str> = stats.top_keyphrases.iter().map(|n| n.name.as_str()).collect();
    assert!(!phrases.is_empty() && phrases.iter().all(|p| top.contains(&p.name.as_str())), "{top:?}");
    assert!(stats.top_keyphrases.iter().all(|n| n.assets == 1));
    server.shutdown().await.unwrap();
}
