//! Moments shared through secret links: made by creators, listed and revoked by their
//! makers and admins, opened by anyone holding the link.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use mediaport_core::shares;
use mediaport_shared::{
    AssetId, CreatedShare, ErrorBody, NewShare, Share, ShareId, ShareList, ShareView, ShareViewList, SharedMoment,
};

use crate::auth::{Auth, Creator};
use crate::error::ApiError;
use crate::extract::{ClientAddress, Json, Path};
use crate::state::AppState;

/// Shares a stretch of the asset (at most 30 minutes) with the chosen results, through a
/// secret link that works for `days` (1 to 30). The link is in the answer and nowhere
/// else: only a hash of its secret is kept. Its clip is cut within seconds.
#[utoipa::path(post, path = "/api/assets/{id}/shares", tag = "shares", params(("id" = String, Path)),
    request_body = NewShare,
    responses((status = 201, body = CreatedShare),
              (status = 400, description = "No proxy, a stretch out of range or too long, days out of range, results not analysed", body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
    Json(new): Json<NewShare>,
) -> Result<(StatusCode, Json<CreatedShare>), ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let username = &caller.principal.username;
    let created = shares::create(state.catalog.as_ref(), state.queue.as_ref(), &asset, new, username).await?;
    tracing::info!(by = %username, asset = %id, share = %created.share.id, "moment shared");
    Ok((StatusCode::CREATED, Json(created)))
}

/// The shares the caller manages, newest first: their own, or everyone's for an admin.
#[utoipa::path(get, path = "/api/shares", tag = "shares",
    responses((status = 200, body = ShareList)), security(("bearer" = [])))]
pub async fn list(caller: Auth<Creator>, State(state): State<AppState>) -> Result<Json<ShareList>, ApiError> {
    Ok(Json(ShareList { items: shares::list(state.catalog.as_ref(), &caller.principal).await? }))
}

/// Stops a link for good (its maker or an admin) and deletes its clip.
#[utoipa::path(post, path = "/api/shares/{share_id}/revoke", tag = "shares", params(("share_id" = String, Path)),
    responses((status = 200, body = Share), (status = 403, description = "Someone else's share", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Revoked already", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(share_id): Path<ShareId>,
) -> Result<Json<Share>, ApiError> {
    let share = shares::revoke(&state.results(), &share_id, &caller.principal).await?;
    tracing::info!(by = %caller.principal.username, share = %share_id, "share revoked");
    Ok(Json(share))
}

/// Each opening of a link, newest first: when, from which address, with which browser.
#[utoipa::path(get, path = "/api/shares/{share_id}/views", tag = "shares", params(("share_id" = String, Path)),
    responses((status = 200, body = ShareViewList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn views(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(share_id): Path<ShareId>,
) -> Result<Json<ShareViewList>, ApiError> {
    Ok(Json(ShareViewList { items: shares::views(state.catalog.as_ref(), &share_id, &caller.principal).await? }))
}

/// What a shared link shows, with no account: the asset's name, a short-lived link to the
/// clip of the stretch (none while it is cut) and the chosen results within it. A wrong
/// or unknown link is 404 `share-not-found`; a revoked or expired one 404
/// `share-revoked` or `share-expired`. Each opening is logged.
#[utoipa::path(get, path = "/api/public/shares/{token}", tag = "shares", params(("token" = String, Path)),
    responses((status = 200, body = SharedMoment), (status = 404, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Result<Json<SharedMoment>, ApiError> {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|a| a.chars().take(300).collect());
    let view = ShareView { viewed_at: mediaport_core::now_rfc3339(), address: address.map(|a| a.to_string()), agent };
    Ok(Json(shares::open(&state.results(), &token, view).await?))
}
