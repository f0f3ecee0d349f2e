//! Reviewers' corrections through the real server and its own worker, on SQLite and on
//! PostgreSQL: a transcript edit and a rejected label reach the timelines, the subtitles,
//! the export and search; an added label is marked human; undo brings the label back; the
//! trail says who did what; wrong corrections get 4xx with codes; and a new analysis of
//! the asset keeps every correction, listing the edit whose stretch is gone.

use std::time::{Duration, Instant};

use mediaport_core::keys;
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummary, AssetExport, AssetStatus, CorrectionEntry, CorrectionList,
    Embeddings, HUMAN, Timeline,
};
use reqwest::Method;
use serde_json::json;

use crate::common;
use crate::common::client::Client;
use crate::common::item;

const PASSWORD: &str = "Corr3ct-Horse!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_reach_results_and_search_and_survive_a_new_analysis_on_sqlite() {
    corrections_reach_results_and_search(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_reach_results_and_search_and_survive_a_new_analysis_on_postgres() {
    let database = mediaport_backends::testing::Postgres::start().await.unwrap();
    corrections_reach_results_and_search(Some(database.url.clone())).await;
}

/// Asks until search finds `q` in `expected` assets; panics after 30 s.
async fn found_in_time(client: &Client, q: &str, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.found(q).await != expected {
        assert!(Instant::now() < deadline, "search never found {q:?} in {expected} assets");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn names(timeline: &Timeline) -> Vec<&str> {
    timeline.items.iter().map(|i| i.name.as_str()).collect()
}

async fn corrections_reach_results_and_search(catalog_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    settings.catalog.url = catalog_url;
    settings.worker.in_server = true;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;
    let transcript = Timeline::new(
        AnalysisKind::Transcript,
        vec![item("Good evening.", 0, 900), item("Our correspondent Shivor Naka reports.", 1000, 3000)],
    );
    let labels = Timeline::new(AnalysisKind::Label, vec![item("Dog", 0, 4000), item("Bicycle", 2000, 3000)]);
    let asset = common::analysed_asset(&server, "news.mp4", vec![transcript, labels]).await;
    let id = asset.id.as_str();
    let corrections = format!("/api/assets/{id}/corrections");
    // Relabelled once, as analysis leaves an asset indexed.
    server.state.queue.enqueue(mediaport_core::workflow::relabel_job(&asset.id)).await.unwrap();
    found_in_time(&client, "shivor", 1).await;
    found_in_time(&client, "dog", 1).await;

    // The editor rewrites the name; the viewer may read results but not correct them.
    let edit = json!({"type": "edit", "span": {"begin": 1000, "end": 3000},
        "before": "Our correspondent Shivor Naka reports.", "after": "Our correspondent Siobhan Nakagawa reports."});
    let refused = client.refused(Method::POST, &corrections, &client.viewer, Some(edit.clone())).await;
    assert_eq!(refused, (403, "forbidden".into()));
    let answer = client.call(Method::POST, &corrections, &client.editor, Some(edit.clone())).await;
    assert_eq!(answer.status(), 201);
    let made: CorrectionEntry = answer.json().await.unwrap();
    assert_eq!(made.author, "editor");
    let transcript: Timeline = client.get(&format!("/api/assets/{id}/analysis/transcript"), &client.viewer).await;
    assert_eq!(names(&transcript), ["Good evening.", "Our correspondent Siobhan Nakagawa reports."]);
    let words: Vec<&str> = transcript.items[1].words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(words, ["Our", "correspondent", "Siobhan", "Nakagawa", "reports."]);
    assert_eq!(transcript.items[1].words[0].begin, 1000, "the stretch keeps its time");
    let srt_path = format!("/api/assets/{id}/tracks/transcript.srt");
    let srt = client.call(Method::GET, &srt_path, &client.viewer, None).await.text().await.unwrap();
    assert!(srt.contains("00:00:01,000 --> 00:00:03,000\nOur correspondent Siobhan Nakagawa\nreports."), "{srt}");
    found_in_time(&client, "nakagawa", 1).await;
    found_in_time(&client, "shivor", 0).await;
    // Its sentence was read again for search by meaning.
    let proxy = &server.settings.storage.proxy_bucket;
    let stored = server.state.storage.get_object(proxy, &keys::embeddings(&asset.id)).await.unwrap();
    let embeddings: Embeddings = serde_json::from_slice(&stored).unwrap();
    let sentences: Vec<&str> = embeddings.sentences.iter().map(|s| s.text.as_str()).collect();
    assert!(sentences.contains(&"Our correspondent Siobhan Nakagawa reports."), "{sentences:?}");

    // "Not a dog": everywhere in the asset. A bicycle only here, and one the analysis missed.
    let dog = json!({"type": "reject", "kind": "label", "name": "dog"});
    let answer = client.call(Method::POST, &corrections, &client.editor, Some(dog)).await;
    assert_eq!(answer.status(), 201);
    let rejected_dog: CorrectionEntry = answer.json().await.unwrap();
    let here = json!({"type": "reject", "kind": "label", "name": "Bicycle", "at": {"begin": 2500, "end": 3000}});
    assert_eq!(client.call(Method::POST, &corrections, &client.admin, Some(here)).await.status(), 201);
    let fox = json!({"type": "add", "kind": "label", "name": "Fox", "timecodes": [{"begin": 500, "end": 1500}]});
    assert_eq!(client.call(Method::POST, &corrections, &client.editor, Some(fox)).await.status(), 201);
    let labels: Timeline = client.get(&format!("/api/assets/{id}/analysis/label"), &client.viewer).await;
    assert_eq!(names(&labels), ["Fox", "Bicycle"]);
    assert_eq!(labels.items[0].category.as_deref(), Some(HUMAN));
    assert_eq!((labels.items[1].timecodes[0].begin, labels.items[1].timecodes[0].end), (2000, 2500));
    let export: AssetExport = client.get(&format!("/api/assets/{id}/export"), &client.viewer).await;
    assert_eq!(names(&export.timelines[&AnalysisKind::Label]), ["Fox", "Bicycle"]);
    assert_eq!(export.corrections.len(), 4, "the export carries the trail");
    found_in_time(&client, "dog", 0).await;
    found_in_time(&client, "fox", 1).await;

    // Wrong corrections: each a 4xx with its code, none kept.
    for (body, status, code) in [
        (json!({"type": "reject", "kind": "label", "name": "Horse"}), 422, "no-such-item"),
        (json!({"type": "reject", "kind": "label", "name": "Dog"}), 422, "no-such-item"),
        (json!({"type": "reject", "kind": "face", "name": "Face 1"}), 400, "not-correctable"),
        (json!({"type": "reject", "kind": "text", "name": "EXIT"}), 404, "not-analysed"),
        (
            json!({"type": "add", "kind": "ad_break", "name": "break", "timecodes": [{"begin": 0, "end": 500}]}),
            404,
            "not-analysed",
        ),
        (
            json!({"type": "add", "kind": "label", "name": "Owl", "timecodes": [{"begin": 900, "end": 100}]}),
            400,
            "invalid-span",
        ),
        (
            json!({"type": "add", "kind": "label", "name": " ", "timecodes": [{"begin": 0, "end": 100}]}),
            400,
            "invalid-name",
        ),
        (
            json!({"type": "edit", "span": {"begin": 1000, "end": 3000}, "before": "Something else.", "after": "x"}),
            422,
            "no-such-stretch",
        ),
        (json!({"type": "rename", "name": "x"}), 400, "invalid-body"),
    ] {
        let answer = client.refused(Method::POST, &corrections, &client.editor, Some(body.clone())).await;
        assert_eq!(answer, (status, code.to_owned()), "{body}");
    }
    let nowhere = client.refused(Method::GET, "/api/assets/no-such-asset/corrections", &client.editor, None).await;
    assert_eq!(nowhere, (404, "not-found".into()));

    // Undo brings the dog back; twice is refused. The trail keeps both, with who and when.
    let undo = format!("{corrections}/{}/undo", rejected_dog.id);
    let answer = client.call(Method::POST, &undo, &client.admin, None).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(client.refused(Method::POST, &undo, &client.editor, None).await, (409, "already-undone".into()));
    let labels: Timeline = client.get(&format!("/api/assets/{id}/analysis/label"), &client.viewer).await;
    assert_eq!(names(&labels), ["Dog", "Fox", "Bicycle"]);
    found_in_time(&client, "dog", 1).await;
    let refused = client.refused(Method::GET, &corrections, &client.viewer, None).await;
    assert_eq!(refused, (403, "forbidden".into()), "the trail is for creators and admins");
    let trail = client.get::<CorrectionList>(&corrections, &client.editor).await.items;
    assert_eq!(trail.len(), 4);
    assert_eq!((trail[0].id.clone(), trail[0].unplaced), (made.id.clone(), false));
    assert_eq!((trail[1].undone_by.as_deref(), trail[1].in_force()), (Some("ada"), false));
    assert_eq!(trail[2].author, "ada");

    // A new analysis: the name said again a little later, and no dog at all. The edit and
    // the rejections are laid over it; the added fox stays.
    let again = Timeline::new(
        AnalysisKind::Transcript,
        vec![item("Good evening.", 0, 950), item("our correspondent Shivor Naka reports", 1100, 3100)],
    );
    let labels_again = Timeline::new(AnalysisKind::Label, vec![item("Bicycle", 2000, 3000), item("Cat", 3000, 4000)]);
    analyse_again(&server, &asset, vec![again, labels_again]).await;
    let transcript: Timeline = client.get(&format!("/api/assets/{id}/analysis/transcript"), &client.viewer).await;
    assert_eq!(names(&transcript)[1], "Our correspondent Siobhan Nakagawa reports.");
    assert_eq!(transcript.items[1].timecodes[0].begin, 1100, "the new analysis's timing");
    let labels: Timeline = client.get(&format!("/api/assets/{id}/analysis/label"), &client.viewer).await;
    assert_eq!(names(&labels), ["Fox", "Bicycle", "Cat"]);
    assert_eq!(labels.items[1].timecodes[0].end, 2500, "not a bicycle there, again");

    // One more analysis hears something else there: the edit is listed for review.
    let other = Timeline::new(AnalysisKind::Transcript, vec![item("The weather tomorrow.", 1000, 3000)]);
    analyse_again(&server, &asset, vec![other]).await;
    let transcript: Timeline = client.get(&format!("/api/assets/{id}/analysis/transcript"), &client.viewer).await;
    assert_eq!(names(&transcript), ["The weather tomorrow."]);
    let trail = client.get::<CorrectionList>(&corrections, &client.editor).await.items;
    assert!(trail[0].unplaced, "{trail:?}");
    assert!(trail[1..].iter().all(|e| !e.unplaced));
    server.shutdown().await.unwrap();
}

/// Stores new timelines of these kinds under new keys and records them, as a new analysis does.
async fn analyse_again(
    server: &mediaport_cli::server::RunningServer,
    asset: &mediaport_shared::Asset,
    timelines: Vec<Timeline>,
) {
    let proxy = &server.settings.storage.proxy_bucket;
    let mut analysis = server.state.catalog.get_asset(&asset.id).await.unwrap().analysis;
    for timeline in timelines {
        let key = keys::timeline(&asset.id, timeline.kind, &mediaport_core::new_id::<String>());
        server.state.storage.put_object(proxy, &key, serde_json::to_vec(&timeline).unwrap().into()).await.unwrap();
        let count = timeline.items.len() as u32;
        let summary =
            AnalysisSummary { status: AnalysisStatus::Done, count, error: None, key: Some(key), language: None };
        analysis.insert(timeline.kind, summary);
    }
    server.state.catalog.record_analysis(&asset.id, &analysis, AssetStatus::Ready, None).await.unwrap();
}
