//! The archive in figures, for the Stats page.

use axum::extract::State;
use mediaport_core::stats::{self, Sources};
use mediaport_shared::{ErrorBody, Stats};

use crate::auth::{Auth, Creator};
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;

/// Assets by type and status, bytes stored, hours analysed, additions over the last 30
/// days, failed jobs of the last day, and the labels, people and key phrases found in
/// the most assets.
#[utoipa::path(get, path = "/api/stats", tag = "stats",
    responses((status = 200, body = Stats), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(_caller: Auth<Creator>, State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    let sources =
        Sources { catalog: state.catalog.as_ref(), queue: state.queue.as_ref(), search: state.search.as_ref() };
    Ok(Json(stats::gather(&sources, chrono::Utc::now()).await?))
}
