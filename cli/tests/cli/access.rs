//! Every API route, called as anonymous, with an expired token, with a forged token,
//! and as viewer, creator and admin: each status checked exactly. The route table must
//! list every operation of the OpenAPI document, so a new route cannot skip this test.

use crate::common;

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use mediaport_backends::identity::SigningKey;
use mediaport_cli::server::RunningServer;
use mediaport_core::{AppearanceRecord, FaceRecord, IngestRecord, NewJob, Task, notify, shares, users};
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, AssetId, AssetStatus, AssetType, Correction,
    CorrectionEntry, Group, IngestOutputs, NewNotifyTarget, NewShare, Note, PersonId, TargetKind, Timecode, Timeline,
    TimelineItem,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "Corr3ct-Horse!";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Expired,
    Forged,
    Viewer,
    Creator,
    Admin,
}

/// Who may call a route: everyone, or this group and above.
#[derive(Debug, Clone, Copy)]
enum Needs {
    Nobody,
    Group(Group),
}

/// What one call needs that must be fresh (a user to delete, a refresh token to spend).
struct Fixture {
    user: String,
    refresh_token: String,
    asset_id: String,
    /// An asset of its own, ingested, to delete or analyse again.
    doomed_asset_id: String,
    /// An open upload whose one part is in storage.
    upload_id: String,
    part_etag: String,
    /// An object in the ingest bucket that is not an asset yet.
    loose_key: String,
    /// A job that failed for good.
    failed_job: String,
    /// A face collection holding one face.
    collection_id: String,
    face_id: String,
    /// Two people seen in the asset, with the first one's appearance.
    person_id: String,
    other_person_id: String,
    appearance_id: String,
    /// A webhook target whose receiver is not listening.
    target_id: String,
    /// A correction of the asset's, in force.
    correction_id: String,
    /// A note on the asset written by "creator".
    note_id: String,
    /// A moment of the asset shared by "creator", and its link's token.
    share_id: String,
    share_token: String,
}

struct Route {
    method: Method,
    path: &'static str,
    needs: Needs,
    ok: StatusCode,
    body: fn(&Fixture) -> Option<Value>,
}

fn none(_: &Fixture) -> Option<Value> {
    None
}

fn routes() -> Vec<Route> {
    use Needs::{Group as G, Nobody};
    let r = |method, path, needs, ok, body| Route { method, path, needs, ok, body };
    vec![
        r(Method::GET, "/healthz", Nobody, StatusCode::OK, none),
        r(Method::GET, "/metrics", Nobody, StatusCode::OK, none),
        r(Method::GET, "/api/openapi.json", Nobody, StatusCode::OK, none),
        r(Method::POST, "/api/auth/login", Nobody, StatusCode::OK, |f| {
            Some(json!({"username": f.user, "password": PASSWORD}))
        }),
        r(Method::POST, "/api/auth/refresh", Nobody, StatusCode::OK, |f| {
            Some(json!({"refresh_token": f.refresh_token}))
        }),
        r(Method::POST, "/api/auth/logout", G(Group::Viewer), StatusCode::NO_CONTENT, |f| {
            Some(json!({"refresh_token": f.refresh_token}))
        }),
        r(Method::GET, "/api/me", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/assets", G(Group::Viewer), StatusCode::OK, none),
        r(Method::POST, "/api/assets", G(Group::Creator), StatusCode::CREATED, |f| {
            Some(json!({"bucket": "mediaport-ingest", "key": f.loose_key}))
        }),
        r(Method::POST, "/api/uploads", G(Group::Creator), StatusCode::CREATED, |_| {
            Some(json!({"filename": "clip.mp4", "size": 20_000_000, "content_type": "video/mp4"}))
        }),
        r(Method::POST, "/api/uploads/{upload_id}/parts", G(Group::Creator), StatusCode::OK, |_| {
            Some(json!({"part_numbers": [1]}))
        }),
        r(Method::GET, "/api/uploads/{upload_id}/parts", G(Group::Creator), StatusCode::OK, none),
        r(Method::POST, "/api/uploads/{upload_id}/complete", G(Group::Creator), StatusCode::OK, |f| {
            Some(json!({"parts": [{"part_number": 1, "etag": f.part_etag}]}))
        }),
        r(Method::DELETE, "/api/uploads/{upload_id}", G(Group::Creator), StatusCode::NO_CONTENT, none),
        r(Method::GET, "/api/jobs", G(Group::Viewer), StatusCode::OK, none),
        r(Method::POST, "/api/jobs/{job_id}/retry", G(Group::Creator), StatusCode::OK, none),
        r(Method::GET, "/api/events", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/search", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/assets/{id}", G(Group::Viewer), StatusCode::OK, none),
        r(Method::DELETE, "/api/assets/{id}", G(Group::Creator), StatusCode::NO_CONTENT, none),
        r(Method::GET, "/api/assets/{id}/analysis/{kind}", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/assets/{id}/tracks/{file}", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/assets/{id}/edl", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/assets/{id}/export", G(Group::Viewer), StatusCode::OK, none),
        r(Method::POST, "/api/assets/{id}/analysis", G(Group::Creator), StatusCode::ACCEPTED, |_| {
            Some(json!({"ai_options": {"labels": true}}))
        }),
        r(Method::GET, "/api/assets/{id}/corrections", G(Group::Creator), StatusCode::OK, none),
        r(Method::POST, "/api/assets/{id}/corrections", G(Group::Creator), StatusCode::CREATED, |_| {
            Some(json!({"type": "add", "kind": "text", "name": "EXIT", "timecodes": [{"begin": 0, "end": 500}]}))
        }),
        r(Method::POST, "/api/assets/{id}/corrections/{correction}/undo", G(Group::Creator), StatusCode::OK, none),
        r(Method::GET, "/api/assets/{id}/notes", G(Group::Viewer), StatusCode::OK, none),
        r(Method::POST, "/api/assets/{id}/notes", G(Group::Creator), StatusCode::CREATED, |_| {
            Some(json!({"text": "Logo at the back", "at": {"begin": 0, "end": 500}}))
        }),
        r(Method::DELETE, "/api/assets/{id}/notes/{note}", G(Group::Creator), StatusCode::NO_CONTENT, none),
        r(Method::POST, "/api/assets/{id}/shares", G(Group::Creator), StatusCode::CREATED, |_| {
            Some(json!({"at": {"begin": 0, "end": 1000}, "days": 7}))
        }),
        r(Method::GET, "/api/shares", G(Group::Creator), StatusCode::OK, none),
        r(Method::POST, "/api/shares/{share_id}/revoke", G(Group::Creator), StatusCode::OK, none),
        r(Method::GET, "/api/shares/{share_id}/views", G(Group::Creator), StatusCode::OK, none),
        r(Method::GET, "/api/public/shares/{token}", Nobody, StatusCode::OK, none),
        r(Method::GET, "/api/settings/ai-options", G(Group::Admin), StatusCode::OK, none),
        r(Method::PUT, "/api/settings/ai-options", G(Group::Admin), StatusCode::OK, |_| {
            Some(json!({"frame_rate": 0.5}))
        }),
        r(Method::GET, "/api/settings/notifications", G(Group::Admin), StatusCode::OK, none),
        r(Method::POST, "/api/settings/notifications", G(Group::Admin), StatusCode::CREATED, |f| {
            Some(json!({"kind": "sns", "address": format!("arn:aws:sns:eu-west-1:123456789012:{}", f.user)}))
        }),
        r(Method::DELETE, "/api/settings/notifications/{target_id}", G(Group::Admin), StatusCode::NO_CONTENT, none),
        r(Method::POST, "/api/settings/notifications/{target_id}/test", G(Group::Admin), StatusCode::OK, none),
        r(Method::GET, "/api/settings/notifications/deliveries", G(Group::Admin), StatusCode::OK, none),
        r(Method::GET, "/api/stats", G(Group::Creator), StatusCode::OK, none),
        r(Method::GET, "/api/face-collections", G(Group::Viewer), StatusCode::OK, none),
        r(Method::POST, "/api/face-collections", G(Group::Creator), StatusCode::CREATED, |f| {
            Some(json!({"name": format!("new-{}", f.collection_id)}))
        }),
        r(Method::DELETE, "/api/face-collections/{collection_id}", G(Group::Creator), StatusCode::NO_CONTENT, none),
        r(Method::GET, "/api/face-collections/{collection_id}/faces", G(Group::Viewer), StatusCode::OK, none),
        // Sent as a form with a portrait (see `send`).
        r(Method::POST, "/api/face-collections/{collection_id}/faces", G(Group::Creator), StatusCode::CREATED, none),
        // Sent as an empty zip archive (see `send`).
        r(Method::POST, "/api/face-collections/{collection_id}/import", G(Group::Creator), StatusCode::OK, none),
        r(Method::PATCH, "/api/faces/{face_id}", G(Group::Creator), StatusCode::OK, |_| {
            Some(json!({"name": "Someone Else"}))
        }),
        r(Method::DELETE, "/api/faces/{face_id}", G(Group::Creator), StatusCode::NO_CONTENT, none),
        r(Method::GET, "/api/people", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/people/{person_id}", G(Group::Viewer), StatusCode::OK, none),
        r(Method::PATCH, "/api/people/{person_id}", G(Group::Creator), StatusCode::OK, |_| {
            Some(json!({"name": "Someone"}))
        }),
        r(Method::POST, "/api/people/{person_id}/merge", G(Group::Creator), StatusCode::OK, |f| {
            Some(json!({"into": f.other_person_id}))
        }),
        r(Method::POST, "/api/people/{person_id}/move", G(Group::Creator), StatusCode::OK, |f| {
            Some(json!({"appearance_id": f.appearance_id}))
        }),
        r(Method::GET, "/api/people/{person_id}/appearances", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/assets/{id}/faces", G(Group::Viewer), StatusCode::OK, none),
        r(Method::GET, "/api/users", G(Group::Admin), StatusCode::OK, none),
        r(Method::POST, "/api/users", G(Group::Admin), StatusCode::CREATED, |f| {
            Some(json!({"username": format!("new-{}", f.user), "email": "new@example.org", "group": "viewer"}))
        }),
        r(Method::PUT, "/api/users/{username}/group", G(Group::Admin), StatusCode::OK, |_| {
            Some(json!({"group": "creator"}))
        }),
        r(Method::PUT, "/api/users/{username}/password", G(Group::Admin), StatusCode::NO_CONTENT, |_| {
            Some(json!({"password": "An0ther-Secret!"}))
        }),
        r(Method::DELETE, "/api/users/{username}", G(Group::Admin), StatusCode::NO_CONTENT, none),
    ]
}

fn expected(route: &Route, caller: Caller) -> StatusCode {
    let Needs::Group(min) = route.needs else { return route.ok };
    let group = match caller {
        Caller::Anonymous | Caller::Expired | Caller::Forged => return StatusCode::UNAUTHORIZED,
        Caller::Viewer => Group::Viewer,
        Caller::Creator => Group::Creator,
        Caller::Admin => Group::Admin,
    };
    if group >= min { route.ok } else { StatusCode::FORBIDDEN }
}

async fn login(server: &RunningServer, username: &str) -> (String, String) {
    let (session, _) = server.state.identity.login(username, PASSWORD).await.unwrap();
    (session.access_token, session.refresh_token)
}

async fn fixture(server: &RunningServer, n: usize, asset_id: &AssetId) -> Fixture {
    let user = format!("fixture-{n}");
    users::create_user(server.state.identity.as_ref(), &user, "f@example.org", Group::Viewer, Some(PASSWORD))
        .await
        .unwrap();
    let (_, refresh_token) = login(server, &user).await;
    let intake = server.state.intake();
    let request = common::upload_request(&format!("take-{n}.wav"));
    let upload = intake.start(request, "fixture").await.unwrap();
    let urls = intake.presign_parts(&upload.upload_id, &[1]).await.unwrap();
    let put = reqwest::Client::new().put(&urls[0].url).body(vec![7u8; 10]).send().await.unwrap();
    assert!(put.status().is_success(), "{put:?}");
    let part_etag = put.headers()["etag"].to_str().unwrap().to_owned();
    let loose_key = format!("bulk/loose-{n}.mp3");
    server.state.storage.put_object("mediaport-ingest", &loose_key, vec![1u8; 10].into()).await.unwrap();
    let queue = server.state.queue.as_ref();
    // A job that can be retried: cancelled, as no worker runs here to fail it.
    let task = Task::Relabel { asset_id: asset_id.clone(), reread: false };
    let job = queue.enqueue(NewJob { task, max_attempts: 1, dedupe_key: None }).await.unwrap();
    queue.cancel(&job.id).await.unwrap();
    let faces = server.state.faces.as_ref();
    let collection =
        faces.create_collection(&mediaport_core::new_id::<String>(), &format!("fixture-{n}")).await.unwrap();
    let face = FaceRecord {
        id: mediaport_core::new_id(),
        collection_id: collection.id.clone(),
        name: "Someone".into(),
        source: "someone.jpg".into(),
        crop_key: format!("faces/{}/someone.jpg", collection.id),
        created_at: String::new(),
    };
    let face = faces.add_face(&face).await.unwrap();
    // Each fixture's people replace the last one's: one asset serves every call.
    let (person, other): (PersonId, PersonId) = (mediaport_core::new_id(), mediaport_core::new_id());
    let seen = |n: usize, person: &PersonId| AppearanceRecord {
        id: format!("{asset_id}/{n}"),
        asset_id: asset_id.clone(),
        person_id: Some(person.clone()),
        face_id: None,
        chip_key: format!("{asset_id}/faces/{n}.jpg"),
        pinned: false,
    };
    let rows = [seen(0, &person), seen(1, &other)];
    server.state.people.replace_appearances(asset_id, &[person.clone(), other.clone()], &rows).await.unwrap();
    let doomed = server
        .state
        .catalog
        .create_asset(common::ready_asset(&format!("doomed-{n}.wav"), AssetType::Audio))
        .await
        .unwrap();
    let ingested = IngestRecord {
        sha256: "0".repeat(64),
        md5: "0".repeat(32),
        technical: Default::default(),
        outputs: Default::default(),
        status: AssetStatus::Ready,
    };
    server.state.catalog.record_ingest(&doomed.id, &ingested).await.unwrap();
    // One target serves every call but its removal's: there may be at most twenty.
    let catalog = server.state.catalog.as_ref();
    let target_id = match notify::targets(catalog).await.unwrap().pop() {
        Some(target) => target.id,
        None => {
            let new = NewNotifyTarget {
                kind: TargetKind::Webhook,
                address: "http://127.0.0.1:9/hook".into(),
                events: vec![],
            };
            notify::add_target(catalog, new).await.unwrap().id
        }
    };
    let correction = CorrectionEntry {
        id: mediaport_core::new_id(),
        asset_id: asset_id.clone(),
        correction: Correction::Reject { kind: AnalysisKind::Text, name: "shot 1".into(), at: None },
        author: "fixture".into(),
        created_at: mediaport_core::now_rfc3339(),
        undone_by: None,
        undone_at: None,
        unplaced: false,
    };
    let correction_id = server.state.catalog.add_correction(&correction).await.unwrap().id.to_string();
    let note = Note {
        id: mediaport_core::new_id(),
        asset_id: asset_id.clone(),
        reply_to: None,
        author: "creator".into(),
        text: "A note to remove".into(),
        at: Timecode { begin: 0, end: 1 },
        region: None,
        created_at: mediaport_core::now_rfc3339(),
    };
    let note_id = server.state.catalog.add_note(&note).await.unwrap().id.to_string();
    let asset = server.state.catalog.get_asset(asset_id).await.unwrap();
    let new = NewShare { at: Timecode { begin: 0, end: 1000 }, days: 7, kinds: Vec::new() };
    let shared = shares::create(server.state.catalog.as_ref(), server.state.queue.as_ref(), &asset, new, "creator");
    let shared = shared.await.unwrap();
    Fixture {
        share_id: shared.share.id.to_string(),
        share_token: shared.token,
        note_id,
        correction_id,
        user,
        refresh_token,
        asset_id: asset_id.to_string(),
        doomed_asset_id: doomed.id.to_string(),
        upload_id: upload.upload_id.to_string(),
        part_etag,
        loose_key,
        failed_job: job.id.to_string(),
        collection_id: collection.id,
        face_id: face.id,
        person_id: person.to_string(),
        other_person_id: other.to_string(),
        appearance_id: format!("{asset_id}/0"),
        target_id,
    }
}

/// Gives the asset shot and text timelines, as the analysis stage leaves them.
async fn analysed(server: &RunningServer, id: &AssetId) {
    let proxy = &server.settings.storage.proxy_bucket;
    let storage = server.state.storage.as_ref();
    let mut analysis = AnalysisSummaries::new();
    for kind in [AnalysisKind::Shot, AnalysisKind::Text] {
        let key = format!("{id}/analysis/{}.json", kind.as_str());
        let item = TimelineItem {
            name: "shot 1".into(),
            confidence: 1.0,
            timecodes: vec![Timecode { begin: 0, end: 1000 }],
            ..Default::default()
        };
        let body = serde_json::to_vec(&Timeline::new(kind, vec![item])).unwrap();
        storage.put_object(proxy, &key, body.into()).await.unwrap();
        let summary =
            AnalysisSummary { status: AnalysisStatus::Done, count: 1, error: None, key: Some(key), language: None };
        analysis.insert(kind, summary);
    }
    let edl = b"TITLE: speech\nFCM: NON-DROP FRAME\n".to_vec();
    storage.put_object(proxy, &mediaport_core::keys::shot_list(id), edl.into()).await.unwrap();
    server.state.catalog.record_analysis(id, &analysis, AssetStatus::Ready, None).await.unwrap();
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn every_route_enforces_its_group() {
    let dir = tempfile::tempdir().unwrap();
    // Registering an object by hand needs one the bucket watcher has not adopted first.
    let mut settings = common::settings(dir.path());
    settings.uploads.adopt_copies = false;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let identity = server.state.identity.as_ref();
    for (name, group) in [("viewer", Group::Viewer), ("creator", Group::Creator), ("admin2", Group::Admin)] {
        users::create_user(identity, name, "x@example.org", group, Some(PASSWORD)).await.unwrap();
    }
    let asset = server.state.catalog.create_asset(common::ready_asset("speech.wav", AssetType::Audio)).await.unwrap();
    // Played from an audio proxy, so that its moments can be shared.
    let ingested = IngestRecord {
        sha256: "0".repeat(64),
        md5: "0".repeat(32),
        technical: Default::default(),
        outputs: IngestOutputs { audio: Some(format!("{}/audio.m4a", asset.id)), ..Default::default() },
        status: AssetStatus::Ready,
    };
    server.state.catalog.record_ingest(&asset.id, &ingested).await.unwrap();
    analysed(&server, &asset.id).await;

    let key = std::fs::read_to_string(dir.path().join("token-signing.key")).unwrap();
    let expired = SigningKey::from_hex(&key).unwrap().sign("admin2", now() - 7200, 900).unwrap();
    let forged = SigningKey::from_secret(&[7u8; 32]).unwrap().sign("admin2", now(), 900).unwrap();
    let tokens = [
        (Caller::Anonymous, None),
        (Caller::Expired, Some(expired)),
        (Caller::Forged, Some(forged)),
        (Caller::Viewer, Some(login(&server, "viewer").await.0)),
        (Caller::Creator, Some(login(&server, "creator").await.0)),
        (Caller::Admin, Some(login(&server, "admin2").await.0)),
    ];

    // The table covers exactly the documented operations.
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", server.url())).await.unwrap().json().await.unwrap();
    let mut documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .collect();
    documented.insert(("GET".into(), "/api/openapi.json".into()));
    let table: BTreeSet<(String, String)> =
        routes().iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect();
    assert_eq!(table, documented, "add new routes to the table in cli/tests/access.rs");

    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    let mut n = 0;
    for route in routes() {
        for (caller, token) in &tokens {
            n += 1;
            let f = fixture(&server, n, &asset.id).await;
            let changes_asset = matches!(
                (&route.method, route.path),
                (&Method::DELETE, "/api/assets/{id}") | (&Method::POST, "/api/assets/{id}/analysis")
            );
            let asset_id = if changes_asset { &f.doomed_asset_id } else { &f.asset_id };
            let path = route
                .path
                .replace("{id}", asset_id)
                .replace("{username}", &f.user)
                .replace("{upload_id}", &f.upload_id)
                .replace("{job_id}", &f.failed_job)
                .replace("{collection_id}", &f.collection_id)
                .replace("{face_id}", &f.face_id)
                .replace("{person_id}", &f.person_id)
                .replace("{target_id}", &f.target_id)
                .replace("{correction}", &f.correction_id)
                .replace("{note}", &f.note_id)
                .replace("{share_id}", &f.share_id)
                .replace("{token}", &f.share_token)
                .replace("{kind}", "text")
                .replace("{file}", "text.vtt");
            let mut request = http.request(route.method.clone(), format!("{}{path}", server.url()));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = (route.body)(&f) {
                request = request.json(&body);
            } else if route.path.ends_with("/import") {
                // The end-of-archive record alone: a zip with nothing in it.
                let empty_zip = [b"PK\x05\x06".as_slice(), &[0u8; 18]].concat();
                request = request.header("content-type", "application/zip").body(empty_zip);
            } else if route.path.ends_with("/faces") && route.method == Method::POST {
                let photo =
                    std::fs::read(mediaport_analysis::inference::default_dir().join("samples/obama.jpg")).unwrap();
                let image = reqwest::multipart::Part::bytes(photo).file_name("obama.jpg");
                request = request.multipart(reqwest::multipart::Form::new().text("name", "Obama").part("image", image));
            }
            let response = request.send().await.unwrap();
            let want = expected(&route, *caller);
            if response.status() != want {
                let got = response.status();
                let body = response.text().await.unwrap_or_default();
                failures.push(format!("{} {} as {caller:?}: want {want}, got {got}: {body}", route.method, route.path));
            } else if !want.is_success() {
                let body: Value = response.json().await.unwrap();
                assert!(body["code"].is_string() && body["message"].is_string(), "{body}");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    server.shutdown().await.unwrap();
}
