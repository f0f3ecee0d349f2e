//! Reviewers' notes through the real server and its worker: written on a moment with a
//! place on the frame, answered, read by viewers but written only by creators and
//! admins, found by `note:` search, exported, and removed only by their author or an
//! admin, their replies with them; bad notes get 400 with codes.

use std::time::{Duration, Instant};

use mediaport_shared::{AnalysisKind, AssetExport, Note, NoteList, Timeline};
use reqwest::Method;
use serde_json::json;

use crate::common;
use crate::common::client::Client;
use crate::common::item;

const PASSWORD: &str = "N0te-Taker!";

async fn found_in_time(client: &Client, q: &str, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.found(q).await != expected {
        assert!(Instant::now() < deadline, "search never found {q:?} in {expected} assets");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_are_answered_found_exported_and_removed_by_whoever_may() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    settings.worker.in_server = true;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let client = Client::new(&server, PASSWORD).await;
    let labels = Timeline::new(AnalysisKind::Label, vec![item("Car", 0, 4000)]);
    let asset = common::analysed_asset(&server, "street.mp4", vec![labels]).await;
    let notes = format!("/api/assets/{}/notes", asset.id);

    let note = json!({"text": "Logo on the van: clear it with legal", "at": {"begin": 2000, "end": 4000},
        "region": {"left": 0.1, "top": 0.5, "width": 0.3, "height": 0.2}});
    let refused = client.refused(Method::POST, &notes, &client.viewer, Some(note.clone())).await;
    assert_eq!(refused, (403, "forbidden".into()));
    let answer = client.call(Method::POST, &notes, &client.editor, Some(note)).await;
    assert_eq!(answer.status(), 201);
    let written: Note = answer.json().await.unwrap();
    assert_eq!((written.author.as_str(), written.at.begin), ("editor", 2000));
    let reply = json!({"text": "Cleared by legal", "reply_to": written.id});
    let answer = client.call(Method::POST, &notes, &client.admin, Some(reply)).await;
    assert_eq!(answer.status(), 201);
    let reply: Note = answer.json().await.unwrap();
    assert_eq!((reply.reply_to.as_ref(), reply.at), (Some(&written.id), written.at), "a reply is on its note's moment");
    let listed: NoteList = client.get(&notes, &client.viewer).await;
    assert_eq!(listed.items, [written.clone(), reply.clone()]);
    found_in_time(&client, "note:logo", 1).await;
    found_in_time(&client, "legal", 1).await;
    let export: AssetExport = client.get(&format!("/api/assets/{}/export", asset.id), &client.viewer).await;
    assert_eq!(export.notes, [written.clone(), reply]);

    for (body, code) in [
        (json!({"text": "  ", "at": {"begin": 0, "end": 1}}), "invalid-note"),
        (json!({"text": "No moment"}), "invalid-span"),
        (json!({"text": "Backwards", "at": {"begin": 3000, "end": 1000}}), "invalid-span"),
        (
            json!({"text": "Past the end", "at": {"begin": 0, "end": 1}, "region": {"left": 0.9, "top": 0, "width": 0.5, "height": 0.1}}),
            "invalid-region",
        ),
        (json!({"text": "x", "at": {"begin": 0, "end": 1}, "colour": "red"}), "invalid-body"),
    ] {
        assert_eq!(client.refused(Method::POST, &notes, &client.editor, Some(body.clone())).await.1, code, "{body}");
    }
    let nobody = json!({"text": "To no one", "reply_to": "no-such-note"});
    assert_eq!(client.refused(Method::POST, &notes, &client.editor, Some(nobody)).await, (404, "not-found".into()));

    // Only its author or an admin removes a note; its reply goes with it.
    let theirs = client.call(
        Method::POST,
        &notes,
        &client.admin,
        Some(json!({"text": "Admin's", "at": {"begin": 0, "end": 1}})),
    );
    let theirs: Note = theirs.await.json().await.unwrap();
    let path = format!("{notes}/{}", theirs.id);
    assert_eq!(client.refused(Method::DELETE, &path, &client.editor, None).await, (403, "not-your-note".into()));
    let path = format!("{notes}/{}", written.id);
    assert_eq!(client.call(Method::DELETE, &path, &client.admin, None).await.status(), 204);
    let listed: NoteList = client.get(&notes, &client.viewer).await;
    assert_eq!(listed.items, [theirs]);
    found_in_time(&client, "note:logo", 0).await;
    assert_eq!(client.refused(Method::DELETE, &path, &client.admin, None).await, (404, "not-found".into()));
    server.shutdown().await.unwrap();
}
