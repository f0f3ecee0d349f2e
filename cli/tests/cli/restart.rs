//! What the server stored survives a restart on the same data folder.

use crate::common;

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use common::{md5_hex, s3_client};
use mediaport_cli::server::RunningServer;
use mediaport_core::NewAsset;
use mediaport_shared::{AssetStatus, AssetType};

/// The server on `dir`, not adopting copies: the test registers its object itself, and
/// the bucket watcher adopting it first would make that a conflict.
async fn start(dir: &std::path::Path) -> RunningServer {
    let mut settings = common::settings(dir);
    settings.uploads.adopt_copies = false;
    mediaport_cli::server::start(settings).await.expect("server starts")
}

#[tokio::test]
async fn objects_and_catalog_rows_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let body = b"an interview, take 3".repeat(4096);

    let first = start(dir.path()).await;
    let instance = first.state.catalog.instance_id().await.unwrap();
    let s3 = s3_client(&first).await;
    s3.put_object()
        .bucket("mediaport-ingest")
        .key("interviews/take3.mov")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .unwrap();
    let asset = first
        .state
        .catalog
        .create_asset(NewAsset {
            id: mediaport_core::new_id(),
            asset_type: AssetType::Video,
            filename: "take3.mov".into(),
            size: body.len() as u64,
            md5: Some(md5_hex(&body)),
            group: Some("news".into()),
            attributes: BTreeMap::from([("reporter".into(), "Ada".into())]),
            bucket: "mediaport-ingest".into(),
            key: "interviews/take3.mov".into(),
            status: AssetStatus::Ingesting,
            ai_options: None,
        })
        .await
        .unwrap();
    first.shutdown().await.unwrap();

    let second = start(dir.path()).await;
    assert_eq!(second.state.catalog.instance_id().await.unwrap(), instance);
    assert_eq!(second.state.catalog.get_asset(&asset.id).await.unwrap(), asset);
    // Same generated credentials, same object.
    let s3 = s3_client(&second).await;
    let got = s3.get_object().bucket("mediaport-ingest").key("interviews/take3.mov").send().await.unwrap();
    assert_eq!(md5_hex(&got.body.collect().await.unwrap().into_bytes()), md5_hex(&body));
    let health = reqwest::get(format!("{}/healthz", second.url())).await.unwrap();
    assert_eq!(health.status(), 200);
    second.shutdown().await.unwrap();
}
