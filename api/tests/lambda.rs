//! The `mediaport-lambda` binary, run for real against a local stand-in of the Lambda
//! Runtime API, handling recorded API Gateway HTTP API (v2) events.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use mediaport_backends::storage::embedded::{self, EmbeddedS3Config};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_core::Storage;
use serde_json::Value;
use tokio::sync::mpsc;

const ACCESS: &str = "LAMBDATESTKEY";
const SECRET: &str = "lambda-test-secret";

#[derive(Clone)]
struct Runtime {
    events: Arc<Mutex<Vec<(String, Value)>>>,
    results: mpsc::UnboundedSender<(String, Result<Value, Value>)>,
}

async fn next(State(rt): State<Runtime>) -> (HeaderMap, String) {
    let event = rt.events.lock().unwrap().pop();
    let Some((id, event)) = event else {
        // No more work: hold the runtime's long poll, as the real service does.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let deadline =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap() + Duration::from_secs(30);
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
    headers.insert("lambda-runtime-deadline-ms", deadline.as_millis().to_string().parse().unwrap());
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-2:123456789012:function:mediaport-api".parse().unwrap(),
    );
    headers.insert("lambda-runtime-trace-id", "Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e".parse().unwrap());
    (headers, event.to_string())
}

async fn respond(State(rt): State<Runtime>, Path(id): Path<String>, body: String) {
    let _ = rt.results.send((id, Ok(serde_json::from_str(&body).unwrap())));
}

async fn fail(State(rt): State<Runtime>, Path(id): Path<String>, body: String) {
    let _ = rt.results.send((id, Err(serde_json::from_str(&body).unwrap_or(Value::String(body)))));
}

async fn init_failed(State(rt): State<Runtime>, body: String) {
    let _ = rt.results.send(("init".into(), Err(Value::String(body))));
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A real S3 endpoint (the embedded one) with the buckets, for the function to use.
async fn storage(root: &std::path::Path) -> SocketAddr {
    let config = EmbeddedS3Config {
        root: root.to_path_buf(),
        access_key: ACCESS.into(),
        secret_key: SECRET.into(),
        cors_origins: vec![],
    };
    let addr = serve(embedded::start(&config).await.unwrap().router).await;
    let s3 = S3Storage::connect(&S3StorageConfig {
        endpoint: Some(format!("http://{addr}")),
        region: "us-east-1".into(),
        credentials: Some((ACCESS.into(), SECRET.into())),
        force_path_style: true,
        public_endpoint: None,
    })
    .await;
    s3.ensure_bucket("mediaport-ingest").await.unwrap();
    s3.ensure_bucket("mediaport-proxy").await.unwrap();
    addr
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs a function binary against the Runtime API stand-in until it has answered every
/// event, and returns the answers by request id.
async fn invoke(
    binary: &str,
    events: Vec<(String, Value)>,
    dir: &std::path::Path,
    s3: SocketAddr,
) -> std::collections::HashMap<String, Value> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let count = events.len();
    let runtime = Runtime { events: Arc::new(Mutex::new(events)), results: tx };
    let api = serve(
        Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_failed))
            .with_state(runtime),
    )
    .await;
    let mut function = tokio::process::Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "mediaport")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/mediaport")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2020/03/10/[$LATEST]abc")
        .env("MEDIAPORT__DATA_DIR", dir.join("data"))
        .env("MEDIAPORT__STORAGE__KIND", "s3")
        .env("MEDIAPORT__STORAGE__ENDPOINT", format!("http://{s3}"))
        .env("MEDIAPORT__STORAGE__ACCESS_KEY", ACCESS)
        .env("MEDIAPORT__STORAGE__SECRET_KEY", SECRET)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut answers = std::collections::HashMap::new();
    while answers.len() < count {
        let (id, result) = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.unwrap().unwrap();
        let response = result.unwrap_or_else(|e| panic!("{id} failed: {e}"));
        answers.insert(id, response);
    }
    function.kill().await.unwrap();
    answers
}

#[tokio::test]
async fn the_function_answers_recorded_api_gateway_events() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = storage(&dir.path().join("s3")).await;
    // Popped from the end: the health check first.
    let events = vec![
        ("req-unknown".to_owned(), fixture("apigw-v2-unknown-route.json")),
        ("req-health".to_owned(), fixture("apigw-v2-healthz.json")),
    ];
    let answers = invoke(env!("CARGO_BIN_EXE_mediaport-lambda"), events, dir.path(), s3).await;

    let health = &answers["req-health"];
    assert_eq!(health["statusCode"], 200, "{health}");
    let body: Value = serde_json::from_str(health["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["storage"], "ok");

    let unknown = &answers["req-unknown"];
    assert_eq!(unknown["statusCode"], 404, "{unknown}");
    let body: Value = serde_json::from_str(unknown["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["code"], "not-found");
}

/// S3 event notifications (straight, then redelivered through SQS) turn an object copied
/// into the ingest bucket into one asset; the scheduled queue figures count its ingest.
#[tokio::test]
async fn the_events_function_registers_copied_objects() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = storage(&dir.path().join("s3")).await;
    let client = S3Storage::connect(&S3StorageConfig {
        endpoint: Some(format!("http://{s3}")),
        region: "us-east-1".into(),
        credentials: Some((ACCESS.into(), SECRET.into())),
        force_path_style: true,
        public_endpoint: None,
    })
    .await;
    client.put_object("mediaport-ingest", "bulk/Press conference.mp4", vec![0u8; 2048].into()).await.unwrap();
    // Popped from the end: the queue figures last, after the asset's ingest was queued.
    let events = vec![
        ("req-figures".to_owned(), serde_json::json!({"mediaport": "queue-figures"})),
        ("req-sqs".to_owned(), fixture("sqs-s3-object-created.json")),
        ("req-s3".to_owned(), fixture("s3-object-created.json")),
    ];
    let answers = invoke(env!("CARGO_BIN_EXE_mediaport-s3-events"), events, dir.path(), s3).await;
    assert_eq!(answers["req-s3"], serde_json::json!({"registered": 1, "already_assets": 0}));
    assert_eq!(answers["req-sqs"], serde_json::json!({"registered": 0, "already_assets": 1}));
    // The figures the worker fleet scales on, in CloudWatch's embedded-metric format.
    let figures = &answers["req-figures"];
    assert_eq!((&figures["QueuedJobs"], &figures["ActiveJobs"]), (&serde_json::json!(1), &serde_json::json!(1)));
    let declared = &figures["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(declared["Namespace"], "Mediaport");
    assert_eq!(declared["Metrics"][0]["Name"], "QueuedJobs");
    assert_eq!(
        (&declared["Dimensions"], &figures["Deployment"]),
        (&serde_json::json!([["Deployment"]]), &serde_json::json!("mediaport"))
    );

    let catalog =
        mediaport_backends::catalog::SqlCatalog::open_sqlite(&dir.path().join("data/catalog.db")).await.unwrap();
    let asset =
        mediaport_core::Catalog::find_asset_by_object(&catalog, "mediaport-ingest", "bulk/Press conference.mp4")
            .await
            .unwrap()
            .expect("the object is an asset");
    assert_eq!(
        (asset.filename.as_str(), asset.size, asset.status.as_str()),
        ("Press conference.mp4", 2048, "ingesting")
    );
}

/// Whether an ELF executable asks for a program interpreter (a dynamic loader): Lambda's
/// provided.al2023 runs any static binary, but only dynamic ones built for its glibc.
fn needs_interpreter(elf: &[u8]) -> bool {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    let read = |at: usize, n: usize| elf[at..at + n].iter().rev().fold(0u64, |v, b| (v << 8) | u64::from(*b));
    let (table, size, count) = (read(0x20, 8) as usize, read(0x36, 2) as usize, read(0x38, 2) as usize);
    const PT_INTERP: u64 = 3;
    (0..count).any(|i| read(table + i * size, 4) == PT_INTERP)
}

/// The `bootstrap` in a zip infra/package.sh made, written out as an executable.
fn unpack_bootstrap(zip_path: &std::path::Path, into: &std::path::Path) -> std::path::PathBuf {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    assert_eq!(archive.len(), 1, "{} holds only bootstrap", zip_path.display());
    let mut entry = archive.by_name("bootstrap").unwrap();
    assert_eq!(entry.unix_mode().map(|m| m & 0o111), Some(0o111), "bootstrap is executable in the zip");
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    assert!(!needs_interpreter(&bytes), "{} is static", zip_path.display());
    let path = into.join(zip_path.file_stem().unwrap());
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The zips infra/package.sh builds (scripts/test.sh packages them for the tests, into
/// MEDIAPORT_LAMBDA_ZIPS): each holds one static executable `bootstrap` that answers as
/// its function does.
#[tokio::test]
async fn the_packaged_zips_answer() {
    let zips = std::env::var("MEDIAPORT_LAMBDA_ZIPS")
        .expect("MEDIAPORT_LAMBDA_ZIPS names the folder infra/package.sh wrote (scripts/test.sh sets it)");
    let zips = std::path::Path::new(&zips);
    let dir = tempfile::tempdir().unwrap();
    let s3 = storage(&dir.path().join("s3")).await;
    let api = unpack_bootstrap(&zips.join("mediaport-lambda-test.zip"), dir.path());
    let events = unpack_bootstrap(&zips.join("mediaport-s3-events-test.zip"), dir.path());

    let health = vec![("req-health".to_owned(), fixture("apigw-v2-healthz.json"))];
    let answers = invoke(api.to_str().unwrap(), health, dir.path(), s3).await;
    assert_eq!(answers["req-health"]["statusCode"], 200, "{}", answers["req-health"]);

    let figures = vec![("req-figures".to_owned(), serde_json::json!({"mediaport": "queue-figures"}))];
    let answers = invoke(events.to_str().unwrap(), figures, dir.path(), s3).await;
    assert_eq!(answers["req-figures"]["QueuedJobs"], 0, "{}", answers["req-figures"]);
}
