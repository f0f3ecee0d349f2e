//! Reviewers' notes on an asset, with replies.

use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::notes;
use mediaport_shared::{AssetId, ErrorBody, NewNote, Note, NoteId, NoteList};

use crate::auth::{Auth, Creator, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The asset's notes and replies, oldest first.
#[utoipa::path(get, path = "/api/assets/{id}/notes", tag = "analysis", params(("id" = String, Path)),
    responses((status = 200, body = NoteList), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
) -> Result<Json<NoteList>, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    Ok(Json(NoteList { items: state.catalog.notes(&asset.id).await? }))
}

/// Writes a note on a moment or range of the asset (`at`), optionally on a place of the
/// frame (`region`, fractions), or a reply to one (`reply_to`). Search finds it as
/// `note:` within seconds.
#[utoipa::path(post, path = "/api/assets/{id}/notes", tag = "analysis", params(("id" = String, Path)),
    request_body = NewNote,
    responses((status = 201, body = Note),
              (status = 400, description = "Empty or too long, a range backwards or past the end, a region outside the frame", body = ErrorBody),
              (status = 404, description = "No such asset, or no such note to answer", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
    Json(new): Json<NewNote>,
) -> Result<(StatusCode, Json<Note>), ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let note =
        notes::add(state.catalog.as_ref(), state.queue.as_ref(), &asset, new, &caller.principal.username).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Removes a note and its replies: its author's to remove, or an admin's.
#[utoipa::path(delete, path = "/api/assets/{id}/notes/{note}", tag = "analysis",
    params(("id" = String, Path), ("note" = String, Path)),
    responses((status = 204), (status = 403, description = "Someone else's note", body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path((id, note)): Path<(AssetId, NoteId)>,
) -> Result<StatusCode, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    notes::delete(state.catalog.as_ref(), state.queue.as_ref(), &asset, &note, &caller.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}
