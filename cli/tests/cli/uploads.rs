//! Uploads through the API with presigned multipart URLs, against the embedded endpoint
//! and against SeaweedFS as an independent S3 server: byte-exact read-back, resume after
//! an interruption, abort, copies into the ingest bucket, and every bad input answered
//! with a 4xx and a code, leaving nothing half-created.

use crate::common;

use std::time::Duration;

use mediaport_backends::testing::SeaweedFs;
use mediaport_cli::server::RunningServer;
use mediaport_core::{cleanup, users};
use mediaport_shared::Group;
use mediaport_shared::upload::{MIB, TIB};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "Upl0ad-Secret!";

/// A creator's view of the API.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn creator(server: &RunningServer) -> Self {
        users::create_user(server.state.identity.as_ref(), "uploader", "u@example.org", Group::Creator, Some(PASSWORD))
            .await
            .unwrap();
        let (session, _) = server.state.identity.login("uploader", PASSWORD).await.unwrap();
        Self { http: reqwest::Client::new(), base: server.url(), token: session.access_token }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn start(&self, filename: &str, data: &[u8]) -> Value {
        let (status, upload) = self.post("/api/uploads", json!({"filename": filename, "size": data.len()})).await;
        assert_eq!(status, StatusCode::CREATED, "{upload}");
        upload
    }

    /// PUTs the given parts straight to storage and returns their ETags.
    async fn send_parts(&self, upload: &Value, data: &[u8], numbers: &[u32]) -> Vec<(u32, String)> {
        let id = upload["upload_id"].as_str().unwrap();
        let (status, urls) = self.post(&format!("/api/uploads/{id}/parts"), json!({"part_numbers": numbers})).await;
        assert_eq!(status, StatusCode::OK, "{urls}");
        let part_size = upload["part_size"].as_u64().unwrap() as usize;
        let mut etags = Vec::new();
        for part in urls["parts"].as_array().unwrap() {
            let number = part["part_number"].as_u64().unwrap() as u32;
            let start = (number as usize - 1) * part_size;
            let bytes = data[start..(start + part_size).min(data.len())].to_vec();
            let put = self.http.put(part["url"].as_str().unwrap()).body(bytes).send().await.unwrap();
            assert!(put.status().is_success(), "part {number}: {}", put.text().await.unwrap());
            etags.push((number, put.headers()["etag"].to_str().unwrap().to_owned()));
        }
        etags
    }

    async fn complete(&self, upload: &Value, etags: &[(u32, String)], md5: Option<&str>) -> (StatusCode, Value) {
        let id = upload["upload_id"].as_str().unwrap();
        let parts: Vec<_> = etags.iter().map(|(n, e)| json!({"part_number": n, "etag": e})).collect();
        self.post(&format!("/api/uploads/{id}/complete"), json!({"parts": parts, "md5": md5})).await
    }
}

/// Bytes that differ in every part, so a part in the wrong place changes the MD5.
fn media(size: usize) -> Vec<u8> {
    (0..size).map(|i| ((i * 7 + i / 4096) % 253) as u8).collect()
}

async fn stored_md5(server: &RunningServer, asset: &Value) -> String {
    let bytes = server
        .state
        .storage
        .get_object(asset["bucket"].as_str().unwrap(), asset["key"].as_str().unwrap())
        .await
        .unwrap();
    common::md5_hex(&bytes)
}

async fn full_flow(server: &RunningServer, api: &Api) {
    let data = media(20 * MIB as usize + 123);
    let upload = api.start("Interview take 1.mov", &data).await;
    assert_eq!((upload["part_size"].as_u64(), upload["part_count"].as_u64()), (Some(8 * MIB), Some(3)));
    let (_, asset) = api.get(&format!("/api/assets/{}", upload["asset_id"].as_str().unwrap())).await;
    assert_eq!(asset["status"], "uploading");

    let etags = api.send_parts(&upload, &data, &[1, 2, 3]).await;
    let md5 = common::md5_hex(&data);
    let (status, asset) = api.complete(&upload, &etags, Some(&md5)).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    assert_eq!((asset["status"].as_str(), asset["type"].as_str()), (Some("ingesting"), Some("video")));
    assert_eq!(asset["md5"], md5.as_str());
    assert_eq!(asset["size"], data.len());
    assert_eq!(stored_md5(server, &asset).await, md5, "the stored object is the file, byte for byte");
    let (_, jobs) = api.get(&format!("/api/jobs?asset_id={}", asset["id"].as_str().unwrap())).await;
    let stages: Vec<_> =
        jobs["items"].as_array().unwrap().iter().map(|j| (j["stage"].clone(), j["status"].clone())).collect();
    assert_eq!(stages, [(json!("ingest"), json!("queued"))], "completion queues the ingest");

    // Completing again is a conflict, and nothing changes.
    let (status, body) = api.complete(&upload, &etags, None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("upload-completed")));
}

async fn resume(server: &RunningServer, api: &Api) {
    let data = media(17 * MIB as usize);
    let upload = api.start("Concert.wav", &data).await;
    let id = upload["upload_id"].as_str().unwrap();
    // The first run sent parts 1 and 3, then the network dropped.
    let mut etags = api.send_parts(&upload, &data, &[1, 3]).await;

    let (status, held) = api.get(&format!("/api/uploads/{id}/parts")).await;
    assert_eq!(status, StatusCode::OK);
    let held: Vec<(u64, String)> = held["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["part_number"].as_u64().unwrap(), p["etag"].as_str().unwrap().trim_matches('"').to_owned()))
        .collect();
    let sent: Vec<(u64, String)> = etags.iter().map(|(n, e)| (u64::from(*n), e.trim_matches('"').to_owned())).collect();
    assert_eq!(held, sent, "storage reports exactly the parts that arrived");

    // The second run sends only what is missing.
    let held_numbers: Vec<u32> = held.iter().map(|(n, _)| *n as u32).collect();
    let missing: Vec<u32> = (1..=3).filter(|n| !held_numbers.contains(n)).collect();
    assert_eq!(missing, [2]);
    etags.extend(api.send_parts(&upload, &data, &missing).await);
    etags.sort();
    let (status, asset) = api.complete(&upload, &etags, Some(&common::md5_hex(&data))).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    assert_eq!(asset["type"], "audio");
    assert_eq!(stored_md5(server, &asset).await, common::md5_hex(&data));
}

async fn abort(server: &RunningServer, api: &Api) {
    let data = media(9 * MIB as usize);
    let upload = api.start("Rushes.mp4", &data).await;
    let (id, asset_id) = (upload["upload_id"].as_str().unwrap(), upload["asset_id"].as_str().unwrap());
    api.send_parts(&upload, &data, &[1]).await;
    let (status, _) = api.call(reqwest::Method::DELETE, &format!("/api/uploads/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let open = server.state.storage.list_multiparts("mediaport-ingest").await.unwrap();
    assert!(open.iter().all(|u| u.key != upload["key"].as_str().unwrap()), "storage still holds the parts: {open:?}");
    let (status, _) = api.get(&format!("/api/assets/{asset_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a cancelled upload leaves no asset");
    let (status, body) = api.get(&format!("/api/uploads/{id}/parts")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("upload-aborted")));
    let (status, _) = api.call(reqwest::Method::DELETE, &format!("/api/uploads/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "cancelling twice is fine");
}

async fn bad_inputs(server: &RunningServer, api: &Api) {
    let assets_before = server.state.catalog.list_assets(&Default::default(), 1000, None).await.unwrap().len();
    let long = "a".repeat(2000) + ".mp4";
    let cases = [
        (json!({"filename": "empty.mp4", "size": 0}), StatusCode::BAD_REQUEST, "empty-file"),
        (json!({"filename": "../etc/passwd", "size": 10}), StatusCode::BAD_REQUEST, "invalid-filename"),
        (json!({"filename": "a/b.mp4", "size": 10}), StatusCode::BAD_REQUEST, "invalid-filename"),
        (json!({"filename": "bell\u{7}.mp4", "size": 10}), StatusCode::BAD_REQUEST, "invalid-filename"),
        (json!({"filename": long, "size": 10}), StatusCode::BAD_REQUEST, "invalid-filename"),
        (json!({"filename": "huge.mxf", "size": 5 * TIB + 1}), StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
        (json!({"filename": "x.mp4", "size": 10, "md5": "nope"}), StatusCode::BAD_REQUEST, "invalid-md5"),
        (
            json!({"filename": "x.mp4", "size": 10, "attributes": {"bad key": "v"}}),
            StatusCode::BAD_REQUEST,
            "invalid-attributes",
        ),
        (json!({"filename": "x.mp4", "size": -1}), StatusCode::BAD_REQUEST, "invalid-body"),
    ];
    for (body, want, code) in cases {
        let (status, answer) = api.post("/api/uploads", body.clone()).await;
        assert_eq!((status, answer["code"].as_str()), (want, Some(code)), "{body}: {answer}");
    }
    let assets_after = server.state.catalog.list_assets(&Default::default(), 1000, None).await.unwrap().len();
    assert_eq!(assets_before, assets_after, "refused uploads create no asset");
    assert!(server.state.storage.list_multiparts("mediaport-ingest").await.unwrap().is_empty(), "nor storage uploads");

    let data = media(10 * MIB as usize);
    let upload = api.start("Parts.mov", &data).await;
    let id = upload["upload_id"].as_str().unwrap();
    for numbers in [json!([0]), json!([10_001]), json!([3]), json!([])] {
        let (status, answer) = api.post(&format!("/api/uploads/{id}/parts"), json!({"part_numbers": numbers})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{numbers}: {answer}");
        assert!(answer["code"].as_str().unwrap().starts_with("invalid-part-number"), "{answer}");
    }
    let etags = api.send_parts(&upload, &data, &[1]).await;
    let (status, answer) = api.complete(&upload, &etags, None).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("missing-part")), "{answer}");
    let mut both = etags.clone();
    both.push((2, format!("\"{}\"", "0".repeat(32))));
    let (status, answer) = api.complete(&upload, &both, None).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("missing-part")), "{answer}");
    both.truncate(1);
    both.extend(api.send_parts(&upload, &data, &[2]).await);
    let mut wrong = both.clone();
    wrong[1].1 = format!("\"{}\"", "f".repeat(32));
    let (status, answer) = api.complete(&upload, &wrong, None).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("etag-mismatch")), "{answer}");
    // After all those refusals the upload is still open and completes.
    let (status, asset) = api.complete(&upload, &both, None).await;
    assert_eq!(status, StatusCode::OK, "{asset}");

    let (status, answer) = api.get("/api/uploads/0190f2c4-0000-7000-8000-000000000000/parts").await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")));

    // A type nothing can process is stored and marked, not analysed.
    let data = b"PK\x03\x04 not media".to_vec();
    let upload = api.start("archive.zip", &data).await;
    let etags = api.send_parts(&upload, &data, &[1]).await;
    let (status, asset) = api.complete(&upload, &etags, None).await;
    assert_eq!(status, StatusCode::OK, "{asset}");
    assert_eq!((asset["type"].as_str(), asset["status"].as_str()), (Some("other"), Some("unsupported")));
    let (_, jobs) = api.get(&format!("/api/jobs?asset_id={}", asset["id"].as_str().unwrap())).await;
    assert_eq!(jobs["items"], json!([]), "nothing to process, nothing queued");
}

/// An object copied straight into the ingest bucket becomes an asset on its own.
async fn copies_become_assets(server: &RunningServer, api: &Api) {
    let data = media(1000);
    let s3 = common::s3_client_for(server).await;
    s3.put_object()
        .bucket("mediaport-ingest")
        .key("bulk/2019/Press conference.mp4")
        .body(data.clone().into())
        .send()
        .await
        .unwrap();
    let mut found = None;
    for _ in 0..100 {
        let (_, list) = api.get("/api/assets?page_size=500").await;
        found =
            list["items"].as_array().unwrap().iter().find(|a| a["key"] == "bulk/2019/Press conference.mp4").cloned();
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let asset = found.expect("the copied object became an asset");
    assert_eq!(
        (asset["filename"].as_str(), asset["type"].as_str(), asset["status"].as_str(), asset["size"].as_u64()),
        (Some("Press conference.mp4"), Some("video"), Some("ingesting"), Some(1000))
    );
    // The asset is recorded a moment before its job is queued.
    let mut jobs = json!(null);
    for _ in 0..100 {
        jobs = api.get(&format!("/api/jobs?asset_id={}", asset["id"].as_str().unwrap())).await.1;
        if jobs["items"].as_array().is_some_and(|items| !items.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(jobs["items"][0]["stage"], "ingest", "a copy is queued for ingest like an upload");
    let (status, answer) =
        api.post("/api/assets", json!({"bucket": "mediaport-ingest", "key": "bulk/2019/Press conference.mp4"})).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::CONFLICT, Some("already-registered")));
    let (status, answer) = api.post("/api/assets", json!({"bucket": "mediaport-proxy", "key": "x.mp4"})).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown-bucket")));
    let (status, _) = api.post("/api/assets", json!({"bucket": "mediaport-ingest", "key": "nowhere.mp4"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The cleanup job aborts uploads older than the configured age that no part reached in
/// that time, and frees their parts; uploads still receiving parts, however old, go on.
async fn sweep(server: &RunningServer, api: &Api) {
    let data = media(9 * MIB as usize);
    let (catalog, storage, queue) =
        (server.state.catalog.as_ref(), server.state.storage.as_ref(), server.state.queue.as_ref());
    let bucket = "mediaport-ingest";
    let forgotten = api.start("Forgotten.mp4", &data).await;
    api.send_parts(&forgotten, &data, &[1]).await;
    let slow = api.start("Slow.mp4", &data).await;
    // An `aws s3 cp` of its own, outside the API, also slow.
    let copy = storage.create_multipart(bucket, "bulk/Slow copy.mp4", None).await.unwrap();
    let report = cleanup::sweep_uploads(catalog, storage, queue, bucket, Duration::from_secs(3600)).await.unwrap();
    assert_eq!((report.aborted, report.orphans_aborted), (0, 0), "fresh uploads are not abandoned");

    // Storage times parts to the second: past the age, then a part for each slow upload.
    let age = Duration::from_secs(3);
    tokio::time::sleep(age + Duration::from_millis(1100)).await;
    api.send_parts(&slow, &data, &[2]).await;
    let url = storage.presign_upload_part(bucket, "bulk/Slow copy.mp4", &copy, 1, age).await.unwrap();
    let put = reqwest::Client::new().put(url).body(data[..5 * MIB as usize].to_vec()).send().await.unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let report = cleanup::sweep_uploads(catalog, storage, queue, bucket, age).await.unwrap();
    assert_eq!((report.aborted, report.orphans_aborted), (1, 0), "only the upload no part reached lately is abandoned");
    let (status, _) = api.get(&format!("/api/assets/{}", forgotten["asset_id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api.get(&format!("/api/assets/{}", slow["asset_id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK, "an upload whose parts still arrive keeps its asset");
    let open: Vec<String> = storage.list_multiparts(bucket).await.unwrap().into_iter().map(|u| u.upload_id).collect();
    assert!(open.contains(&copy), "a copy whose parts still arrive goes on");

    let report = cleanup::sweep_uploads(catalog, storage, queue, bucket, Duration::ZERO).await.unwrap();
    assert_eq!((report.aborted, report.orphans_aborted), (1, 1));
    assert!(storage.list_multiparts(bucket).await.unwrap().is_empty());
}

async fn suite(server: &RunningServer) {
    let api = Api::creator(server).await;
    full_flow(server, &api).await;
    resume(server, &api).await;
    abort(server, &api).await;
    bad_inputs(server, &api).await;
    copies_become_assets(server, &api).await;
    sweep(server, &api).await;
}

#[tokio::test]
async fn uploads_work_against_the_embedded_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    suite(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn uploads_work_against_seaweedfs() {
    let weed = SeaweedFs::start("WEEDACCESS", "weed-secret").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    settings.storage.kind = mediaport_wiring::settings::StorageKind::S3;
    settings.storage.endpoint = Some(weed.endpoint.clone());
    settings.storage.access_key = Some("WEEDACCESS".into());
    settings.storage.secret_key = Some("weed-secret".into());
    // SeaweedFS announces nothing here: the scan finds copies.
    settings.uploads.scan_interval_secs = 1;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    suite(&server).await;
    server.shutdown().await.unwrap();
}
