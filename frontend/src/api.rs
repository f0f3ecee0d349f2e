//! Every HTTP call the app makes, in one place, typed with `mediaport-shared`.

use gloo_net::http::{Request, Response};
use mediaport_shared::{ErrorBody, Health};
use serde::de::DeserializeOwned;

/// A failed call, worded for the person using the app.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    fn network(err: &gloo_net::Error) -> Self {
        Self { code: "network".into(), message: format!("the server could not be reached ({err})") }
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|e| ApiError::network(&e));
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError { code: body.code, message: body.message }),
        Err(_) => Err(ApiError { code: format!("http-{status}"), message: format!("the server answered {status}") }),
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path).send().await.map_err(|e| ApiError::network(&e))?;
    decode(response).await
}

/// The server's health: version, catalog and storage status.
pub async fn health() -> Result<Health, ApiError> {
    // A degraded server answers 503 with the same body: show it rather than fail.
    let response = Request::get("/healthz").send().await.map_err(|e| ApiError::network(&e))?;
    if response.status() == 503 {
        return response.json::<Health>().await.map_err(|e| ApiError::network(&e));
    }
    decode(response).await
}

/// The number of operations the server documents, from its OpenAPI document.
pub async fn api_operation_count() -> Result<usize, ApiError> {
    let doc: serde_json::Value = get("/api/openapi.json").await?;
    let paths = doc.get("paths").and_then(|p| p.as_object());
    Ok(paths.map_or(0, |p| p.values().filter_map(|v| v.as_object()).map(|ops| ops.len()).sum()))
}
