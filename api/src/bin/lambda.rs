//! The API as an AWS Lambda function behind API Gateway (HTTP API) or a function URL.
//! Same `Router` as `mediaport serve`; settings come from `MEDIAPORT__...` variables.

use mediaport_api::AppState;
use mediaport_wiring::{Settings, bootstrap};

#[derive(serde::Serialize)]
struct NoFlags {}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let mut settings = Settings::load(None, &NoFlags {})?;
    // API Gateway hands the browser a Lambda's answer only once it is whole: no streams.
    settings.server.events = mediaport_wiring::settings::EventsMode::Poll;
    mediaport_wiring::telemetry::init(&settings.log);
    if settings.embedded_storage() {
        return Err("the lambda cannot run the embedded S3 endpoint: set MEDIAPORT__STORAGE__KIND=s3".into());
    }
    let backends = bootstrap::open_backends(&settings).await?;
    let credentials = bootstrap::storage_credentials(&settings)?;
    let storage = bootstrap::open_storage(&settings, settings.storage.endpoint.clone(), credentials).await;
    let state = AppState::new(&settings, backends, storage);
    // API Gateway serves the web app from S3/CloudFront, so the function serves the API alone.
    let app = mediaport_api::router(state, None);
    lambda_http::run(app).await
}
