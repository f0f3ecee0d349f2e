use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::ServiceError;
use mediaport_shared::Health;

use crate::state::AppState;

/// Liveness and readiness: checks the catalog and the ingest bucket.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "All dependencies answer", body = Health),
              (status = 503, description = "A dependency is down", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (catalog, storage) = tokio::join!(state.catalog.ping(), state.storage.check_bucket(&state.buckets.ingest));
    let catalog = catalog.map_or_else(|e| e.code().to_owned(), |()| "ok".to_owned());
    let storage = storage.map_or_else(|e| e.code().to_owned(), |()| "ok".to_owned());
    let healthy = catalog == "ok" && storage == "ok";
    let health = Health {
        status: if healthy { "ok" } else { "degraded" }.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        catalog,
        storage,
    };
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(health))
}
