//! The template deployed to moto's CloudFormation (infra/tests/deploy_on_moto.py), then
//! used: a real `mediaport serve` runs with the API function's environment as the
//! emulator created it, so it stores uploads in the created ingest bucket, reads the
//! database credentials from Secrets Manager, and signs users in to the user pool made
//! from the template's properties; its notice topic, added on the settings API, reaches
//! a subscriber. Only what cannot run here is swapped: the endpoints
//! (moto, a local PostgreSQL) and the search index (no OpenSearch runs here).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use mediaport_backends::testing::notifier::Inbox;
use mediaport_backends::testing::{Moto, Postgres, free_port};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const PASSWORD: &str = "Stack-Deploy-7!";

async fn deploy(moto: &Moto) -> Value {
    let setup = json!({"version": "0.0.0-test", "database_credentials": {"username": "mediaport", "password": "from-secrets-manager"}});
    let out = Command::new("python3")
        .arg("infra/tests/deploy_on_moto.py")
        .args([&moto.endpoint, "mediaport-test", &setup.to_string()])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("PYTHONPATH", std::env::var("MOTO_DIR").unwrap())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "deploying failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `mediaport` with the API function's settings, pointed at what runs here.
fn mediaport(stack: &Value, moto: &Moto, database: &Postgres, data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mediaport"));
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (key, value) in stack["api_environment"].as_object().unwrap() {
        command.env(key, value.as_str().unwrap());
    }
    let pool = stack["outputs"]["UserPoolId"].as_str().unwrap();
    // The created database's address, made local; user and password still come from the secret.
    let local_catalog = database.url.replace("mediaport@", "");
    command
        .env("MEDIAPORT__DATA_DIR", data_dir)
        .env("MEDIAPORT__CATALOG__URL", local_catalog)
        .env("MEDIAPORT__STORAGE__ENDPOINT", &moto.endpoint)
        .env("MEDIAPORT__STORAGE__FORCE_PATH_STYLE", "true")
        .env("MEDIAPORT__STORAGE__ACCESS_KEY", "test")
        .env("MEDIAPORT__STORAGE__SECRET_KEY", "test")
        .env("MEDIAPORT__SEARCH__KIND", "tantivy")
        .env("MEDIAPORT__SEARCH__VECTORS", "catalog")
        .env("MEDIAPORT__IDENTITY__COGNITO__ENDPOINT", &moto.endpoint)
        .env("MEDIAPORT__IDENTITY__COGNITO__JWKS_URL", format!("{}/{pool}/.well-known/jwks.json", moto.endpoint))
        .env("MEDIAPORT__IDENTITY__COGNITO__ACCESS_KEY", "test")
        .env("MEDIAPORT__IDENTITY__COGNITO__SECRET_KEY", "test")
        .env("MEDIAPORT__WORKER__IN_SERVER", "false")
        // On AWS the events function reports copies; here the server scans the bucket.
        .env("MEDIAPORT__UPLOADS__SCAN_INTERVAL_SECS", "1")
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto.endpoint)
        .env("AWS_ENDPOINT_URL_SNS", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

#[tokio::test]
async fn the_stack_deployed_on_moto_takes_copies_and_sign_ins() {
    let moto = Moto::start().await.unwrap();
    let database = Postgres::start().await.unwrap();
    let stack = deploy(&moto).await;
    assert_eq!(stack["status"], "CREATE_COMPLETE", "{stack}");
    println!("emulated: {}", stack["resources"]);
    println!("left out (no moto support): {}", stack["left_out"]);

    // What the emulator made from the template.
    let made: Vec<&str> = stack["resources"].as_object().unwrap().values().filter_map(Value::as_str).collect();
    let count = |kind: &str| made.iter().filter(|k| **k == kind).count();
    assert_eq!(count("AWS::S3::Bucket"), 3);
    assert_eq!(count("AWS::Lambda::Function"), 2);
    assert_eq!((count("AWS::RDS::DBInstance"), count("AWS::AutoScaling::AutoScalingGroup")), (1, 1));
    assert_eq!((count("AWS::EC2::Subnet"), count("AWS::Events::Rule"), count("AWS::IAM::Role")), (4, 2, 2));
    let ingest = stack["outputs"]["IngestBucket"].as_str().unwrap().to_owned();
    assert_eq!(stack["api_environment"]["MEDIAPORT__STORAGE__INGEST_BUCKET"], ingest.as_str());

    // S3 may call the events function for the created ingest bucket, and the bucket's
    // notifications name that function.
    let allowed = stack["events_policy"]["Statement"].as_array().unwrap().iter().any(|s| {
        s["Principal"]["Service"] == "s3.amazonaws.com"
            && s["Condition"]["ArnLike"]["AWS:SourceArn"] == format!("arn:aws:s3:::{ingest}").as_str()
    });
    assert!(allowed, "S3 cannot call the events function: {}", stack["events_policy"]);
    let notified = &stack["ingest_notifications"]["LambdaConfigurations"][0];
    assert_eq!(notified["Function"], json!({"Fn::GetAtt": ["EventsFunction", "Arn"]}));
    assert_eq!(stack["resources"]["EventsFunction"], "AWS::Lambda::Function");

    // A user made with the command line, in the pool made from the template.
    let data = tempfile::tempdir().unwrap();
    let added = mediaport(&stack, &moto, &database, data.path())
        .args(["user", "add", "chief", "--group", "admin", "--password", PASSWORD])
        .output()
        .await
        .unwrap();
    assert!(added.status.success(), "user add: {}", String::from_utf8_lossy(&added.stderr));

    let port = free_port();
    let mut server = mediaport(&stack, &moto, &database, data.path())
        .args(["serve", "--web-dir", "", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(data.path().join("server.log")).unwrap())
        .spawn()
        .unwrap();
    let server_log = || std::fs::read_to_string(data.path().join("server.log")).unwrap_or_default();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let started = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("Press Ctrl-C") {
                return true;
            }
        }
        false
    });
    assert!(started.await.unwrap_or(false), "the server did not start:\n{}", server_log());
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let base = format!("http://127.0.0.1:{port}");

    let http = reqwest::Client::new();
    let login = http.post(format!("{base}/api/auth/login")).json(&json!({"username": "chief", "password": PASSWORD}));
    let login: Value = login.send().await.unwrap().json().await.unwrap();
    assert_eq!(login["user"]["groups"], json!(["admin"]), "{login}");

    // A file copied into the created ingest bucket (as `aws s3 cp` does) becomes an asset.
    // (Uploads through the API need ListParts, whose answer moto 5.2 names wrongly,
    // ListPartsResponse, which the AWS SDK refuses: the upload suite runs them on the
    // embedded endpoint and SeaweedFS instead.)
    let s3 = moto.s3();
    let bytes = vec![7u8; 3 * 1024 * 1024 + 5];
    s3.put_object().bucket(&ingest).key("archive/Interview take 2.wav").body(bytes.into()).send().await.unwrap();
    let token = login["access_token"].as_str().unwrap();
    let mut found = Value::Null;
    for _ in 0..60 {
        let assets: Value =
            http.get(format!("{base}/api/assets")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        if assets["items"].as_array().is_some_and(|items| !items.is_empty()) {
            found = assets["items"][0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(found["filename"], "Interview take 2.wav", "no asset from the copy:\n{}", server_log());
    assert_eq!(found["size"], 3 * 1024 * 1024 + 5);

    // The created notice topic, added as an admin does on the Settings page, takes the
    // test button's notice to its subscriber.
    let topic = stack["outputs"]["NoticeTopic"].as_str().unwrap();
    assert!(topic.starts_with("arn:aws:sns:us-east-1:") && topic.ends_with(":mediaport-notices"), "{topic}");
    let inbox = Inbox::start().await.unwrap();
    let sns = aws_sdk_sns::Client::new(&moto.sdk_config());
    sns.subscribe().topic_arn(topic).protocol("http").endpoint(inbox.url("/topic")).send().await.unwrap();
    let add = http.post(format!("{base}/api/settings/notifications")).bearer_auth(token);
    let target: Value = add.json(&json!({"kind": "sns", "address": topic})).send().await.unwrap().json().await.unwrap();
    let test = http.post(format!("{base}/api/settings/notifications/{}/test", target["id"].as_str().unwrap()));
    let tested: Value = test.bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(tested["delivered"], true, "{tested}\n{}", server_log());
    let heard = inbox.wait_for("/topic", 1, Duration::from_secs(10)).await;
    assert_eq!(heard.first().and_then(|r| r.notice()).map(|n| n.event), Some(mediaport_shared::NoticeKind::Test));
    server.kill().await.unwrap();
}
