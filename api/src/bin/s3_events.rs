//! The Lambda function S3 event notifications call (straight, through SQS, or through
//! EventBridge): every object created in the ingest bucket becomes an asset, as a copy
//! into the embedded endpoint does. EventBridge schedules also call it with
//! `{"mediaport": "queue-figures" | "sweep"}` (`mediaport_api::schedule`). Settings come
//! from `MEDIAPORT__...` variables; `MEDIAPORT_DEPLOYMENT` names the deployment in the
//! queue figures.

use lambda_http::{Error, LambdaEvent, service_fn};
use mediaport_api::AppState;
use mediaport_api::s3_events::created_objects;
use mediaport_api::schedule;
use mediaport_wiring::{Settings, bootstrap};
use serde_json::{Value, json};

#[derive(serde::Serialize)]
struct NoFlags {}

async fn handle(state: &AppState, event: LambdaEvent<Value>) -> Result<Value, Error> {
    if let Some(task) = schedule::task(&event.payload) {
        let deployment = std::env::var("MEDIAPORT_DEPLOYMENT").unwrap_or_else(|_| "mediaport".into());
        let done = schedule::run(state, task, &deployment).await.map_err(|e| format!("{e:#}"))?;
        // One line of JSON on standard output: the embedded-metric format CloudWatch reads.
        println!("{done}");
        return Ok(done);
    }
    let (mut registered, mut known) = (0, 0);
    for object in created_objects(&event.payload) {
        if object.bucket != state.buckets.ingest {
            continue;
        }
        let adopted = state.intake().adopt(&object.key).await;
        match adopted {
            Ok(Some(asset)) => {
                tracing::info!(
                    asset = %asset.id,
                    key = object.key,
                    "object created in the ingest bucket is now an asset"
                );
                registered += 1;
            }
            // Uploads through the API register their asset first; redelivered events too.
            Ok(None) => known += 1,
            // Failing the invocation makes S3, SQS or EventBridge deliver the event again.
            Err(err) => return Err(format!("cannot register {}: {err}", object.key).into()),
        }
    }
    Ok(json!({"registered": registered, "already_assets": known}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let settings = Settings::load(None, &NoFlags {})?;
    mediaport_wiring::telemetry::init(&settings.log);
    if settings.embedded_storage() {
        return Err("this function reads S3 events: set MEDIAPORT__STORAGE__KIND=s3".into());
    }
    let backends = bootstrap::open_backends(&settings).await?;
    let credentials = bootstrap::storage_credentials(&settings)?;
    let storage = bootstrap::open_storage(&settings, settings.storage.endpoint.clone(), credentials).await;
    let state = AppState::new(&settings, backends, storage);
    lambda_http::lambda_runtime::run(service_fn(|event| handle(&state, event))).await
}
