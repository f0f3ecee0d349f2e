//! Reviewers' corrections to an asset's results, which are also its audit trail.

use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::corrections::review::Review;
use mediaport_shared::{AssetId, Correction, CorrectionEntry, CorrectionId, CorrectionList, ErrorBody};

use crate::auth::{Auth, Creator};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

fn review(state: &AppState) -> Review<'_> {
    Review { results: state.results(), queue: state.queue.as_ref() }
}

/// The asset's corrections, undone ones too, oldest first: who changed what and when.
/// Edits today's transcript no longer has the stretch of are marked `unplaced`.
#[utoipa::path(get, path = "/api/assets/{id}/corrections", tag = "analysis", params(("id" = String, Path)),
    responses((status = 200, body = CorrectionList), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    _caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
) -> Result<Json<CorrectionList>, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    Ok(Json(CorrectionList { items: review(&state).trail(&asset).await? }))
}

/// Corrects the asset's results: `edit` rewrites a transcript stretch (an empty `after`
/// takes it out), `reject` takes an item out everywhere or only over `at`, `add` puts in
/// one the analysis missed. Timelines, tracks, exports and search show it at once
/// (search within seconds), and every later analysis keeps it.
#[utoipa::path(post, path = "/api/assets/{id}/corrections", tag = "analysis", params(("id" = String, Path)),
    request_body = Correction,
    responses((status = 201, body = CorrectionEntry),
              (status = 400, description = "A kind that is not corrected here, a range backwards or past the end, a name too long", body = ErrorBody),
              (status = 404, description = "No such asset, or not analysed for this kind", body = ErrorBody),
              (status = 422, description = "No such stretch or item in the results as they read now", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
    Json(correction): Json<Correction>,
) -> Result<(StatusCode, Json<CorrectionEntry>), ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let entry = review(&state).correct(&asset, correction, &caller.principal.username).await?;
    tracing::info!(by = %caller.principal.username, asset = %id, correction = %entry.id, "results corrected");
    Ok((StatusCode::CREATED, Json(entry)))
}

/// Takes a correction back. It stays in the trail, marked with who undid it and when.
#[utoipa::path(post, path = "/api/assets/{id}/corrections/{correction}/undo", tag = "analysis",
    params(("id" = String, Path), ("correction" = String, Path)),
    responses((status = 200, body = CorrectionEntry), (status = 404, body = ErrorBody),
              (status = 409, description = "Undone already", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn undo(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path((id, correction)): Path<(AssetId, CorrectionId)>,
) -> Result<Json<CorrectionEntry>, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let entry = review(&state).undo(&asset, &correction, &caller.principal.username).await?;
    tracing::info!(by = %caller.principal.username, asset = %id, correction = %entry.id, "correction undone");
    Ok(Json(entry))
}
