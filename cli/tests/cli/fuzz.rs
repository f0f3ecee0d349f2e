//! Schema fuzzing: schemathesis (PyPI) reads the served OpenAPI document and sends every
//! operation the inputs it derives from it, valid and not, first as a viewer and then as
//! an admin. No answer may be a 5xx, every answer must match its documented status,
//! content type, headers and schema, and every 4xx must carry a code (`fuzz/checks.py`).

use crate::common;

use std::path::Path;
use std::process::Stdio;

use mediaport_core::users;
use mediaport_shared::{AnalysisKind, Group, Timeline};
use tokio::process::Command;

const PASSWORD: &str = "Fuzz-Th1s-Api!";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance,error_answers_carry_a_code";

/// Runs schemathesis with `token`; returns its report when it found a failure.
async fn fuzz(url: &str, token: &str, config: &Path, examples: u32) -> Result<(), String> {
    let dir =
        std::env::var("SCHEMATHESIS_DIR").expect("SCHEMATHESIS_DIR is not set: run the tests through scripts/test.sh");
    let checks = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz");
    let out = Command::new("python3")
        .arg(Path::new(&dir).join("bin/st"))
        .arg("--config-file")
        .arg(config)
        .args(["run", &format!("{url}/api/openapi.json"), "--url", url])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--seed", "1"])
        .args(["--max-examples", &examples.to_string(), "--no-color"])
        .env("PYTHONPATH", format!("{dir}:{checks}"))
        .env("SCHEMATHESIS_HOOKS", "checks")
        // Its cache of crashes goes in its working folder: the test's, not the repository.
        .current_dir(config.parent().expect("the config is in a folder"))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("python3 runs schemathesis");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = report.rsplit("SUMMARY").next().unwrap_or_default().trim().to_owned();
    println!("{summary}");
    if out.status.success() { Ok(()) } else { Err(format!("{report}\n{}", String::from_utf8_lossy(&out.stderr))) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_every_fuzzed_request_as_its_schema_says() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(&dir.path().join("server")).await;
    let identity = server.state.identity.as_ref();
    users::create_user(identity, "ada", "a@example.org", Group::Admin, Some(PASSWORD)).await.unwrap();
    users::create_user(identity, "vic", "v@example.org", Group::Viewer, Some(PASSWORD)).await.unwrap();
    // A real asset with results, so that the fuzzer reaches past "not found" on its routes.
    let timelines = vec![
        Timeline::new(AnalysisKind::Transcript, vec![common::item("Rain in Lisbon tomorrow.", 2000, 4500)]),
        Timeline::new(AnalysisKind::Label, vec![common::item("umbrella", 3000, 5000)]),
    ];
    let asset = common::analysed_asset(&server, "forecast.mp4", timelines).await;
    let config = dir.path().join("schemathesis.toml");
    std::fs::write(&config, format!("[parameters]\n\"path.id\" = \"{}\"\n\"path.username\" = \"vic\"\n", asset.id))
        .unwrap();

    // The viewer first: the admin's run may demote or delete the viewer.
    let (viewer, _) = identity.login("vic", PASSWORD).await.unwrap();
    let as_viewer = fuzz(&server.url(), &viewer.access_token, &config, 4).await;
    let (admin, _) = identity.login("ada", PASSWORD).await.unwrap();
    let as_admin = fuzz(&server.url(), &admin.access_token, &config, 8).await;
    if let Err(report) = as_viewer {
        panic!("as a viewer:\n{report}");
    }
    if let Err(report) = as_admin {
        panic!("as an admin:\n{report}");
    }
    server.shutdown().await.unwrap();
}
