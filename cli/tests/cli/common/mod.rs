//! Starts the real server on port 0 with a fresh data folder, as users run it.

pub mod browser;
pub mod client;

use std::path::Path;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use mediaport_cli::server::{self, RunningServer};
use mediaport_core::NewAsset;
use mediaport_shared::{
    AnalysisStatus, AnalysisSummaries, AnalysisSummary, Asset, AssetStatus, AssetType, CreateUploadRequest, Timecode,
    Timeline, TimelineItem,
};
use mediaport_wiring::{Settings, bootstrap};

/// Settings (as environment variables) for a `mediaport` process a test runs to check
/// workflows, not models: a short poll, one ffmpeg thread, and analysis by models off as
/// in `ephemeral_settings`.
pub const WORKFLOW_ONLY: &[(&str, &str)] = &[
    ("MEDIAPORT__WORKER__POLL_MS", "200"),
    ("MEDIAPORT__WORKER__THREADS", "1"),
    ("MEDIAPORT__ANALYSIS__LABELS", "false"),
    ("MEDIAPORT__ANALYSIS__TEXT", "false"),
    ("MEDIAPORT__ANALYSIS__MODERATION", "false"),
    ("MEDIAPORT__ANALYSIS__SHOTS", "false"),
    ("MEDIAPORT__ANALYSIS__TRANSCRIPT", "false"),
];

pub fn settings(data_dir: &Path) -> Settings {
    server::ephemeral_settings(data_dir)
}

/// An item of a timeline: a name at one time range.
pub fn item(text: &str, begin: u64, end: u64) -> TimelineItem {
    TimelineItem { name: text.into(), confidence: 0.9, timecodes: vec![Timecode { begin, end }], ..Default::default() }
}

/// A ready asset of ten bytes, its original at `filename` in the ingest bucket.
pub fn ready_asset(filename: &str, asset_type: AssetType) -> NewAsset {
    NewAsset {
        id: mediaport_core::new_id(),
        asset_type,
        filename: filename.into(),
        size: 10,
        md5: None,
        group: None,
        attributes: Default::default(),
        bucket: "mediaport-ingest".into(),
        key: filename.into(),
        status: AssetStatus::Ready,
        ai_options: None,
    }
}

/// An upload of ten bytes with no options.
pub fn upload_request(filename: &str) -> CreateUploadRequest {
    CreateUploadRequest {
        filename: filename.into(),
        size: 10,
        content_type: None,
        md5: None,
        group: None,
        attributes: Default::default(),
        ai_options: None,
    }
}

/// A ready video asset in the catalog with these timelines stored, as analysis leaves one.
pub async fn analysed_asset(server: &RunningServer, filename: &str, timelines: Vec<Timeline>) -> Asset {
    let new = ready_asset(filename, AssetType::Video);
    let asset = server.state.catalog.create_asset(new).await.unwrap();
    let proxy = &server.settings.storage.proxy_bucket;
    let mut analysis = AnalysisSummaries::new();
    for timeline in timelines {
        let key = mediaport_core::keys::timeline(&asset.id, timeline.kind, "fixture");
        let count = timeline.items.len() as u32;
        server.state.storage.put_object(proxy, &key, serde_json::to_vec(&timeline).unwrap().into()).await.unwrap();
        let summary =
            AnalysisSummary { status: AnalysisStatus::Done, count, error: None, key: Some(key), language: None };
        analysis.insert(timeline.kind, summary);
    }
    server.state.catalog.record_analysis(&asset.id, &analysis, AssetStatus::Ready, None).await.unwrap()
}

pub async fn start(data_dir: &Path) -> RunningServer {
    server::start(settings(data_dir)).await.expect("server starts")
}

/// An S3 client for the server's embedded endpoint, with the credentials the server made.
pub async fn s3_client(server: &RunningServer) -> Client {
    let (access, secret) = bootstrap::storage_credentials(&server.settings).unwrap().unwrap();
    s3_client_with(server, &access, &secret).await
}

pub async fn s3_client_with(server: &RunningServer, access: &str, secret: &str) -> Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.s3_url().unwrap())
        .credentials_provider(Credentials::new(access, secret, None, None, "test"))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

/// An S3 client for whatever storage the server uses: its embedded endpoint, or the
/// external S3 server in its settings.
pub async fn s3_client_for(server: &RunningServer) -> Client {
    if server.s3_url().is_some() {
        return s3_client(server).await;
    }
    let storage = &server.settings.storage;
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(storage.region.clone()))
        .endpoint_url(storage.endpoint.clone().unwrap())
        .credentials_provider(Credentials::new(
            storage.access_key.clone().unwrap(),
            storage.secret_key.clone().unwrap(),
            None,
            None,
            "test",
        ))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

pub fn md5_hex(data: &[u8]) -> String {
    format!("{:x}", <md5::Md5 as md5::Digest>::digest(data))
}
