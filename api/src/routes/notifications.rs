//! Notifications (admin): the webhooks and SNS topics told when an asset is ready or
//! failed, a test button for each, and the log of deliveries.

use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::notify;
use mediaport_shared::{Deliveries, ErrorBody, NewNotifyTarget, NotifyTarget, NotifyTargets, TestDelivery};

use crate::auth::{Admin, Auth};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query, page_size};
use crate::state::AppState;

/// Every target, with webhooks' signing secrets.
#[utoipa::path(get, path = "/api/settings/notifications", tag = "settings",
    responses((status = 200, body = NotifyTargets), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(_caller: Auth<Admin>, State(state): State<AppState>) -> Result<Json<NotifyTargets>, ApiError> {
    Ok(Json(NotifyTargets { items: notify::targets(state.catalog.as_ref()).await? }))
}

/// Adds a webhook (an http(s) URL; the server makes its signing secret) or an SNS topic
/// (its ARN). `events` left out: all of `asset.ready`, `asset.failed`, `analysis.done`.
#[utoipa::path(post, path = "/api/settings/notifications", tag = "settings", request_body = NewNotifyTarget,
    responses((status = 201, body = NotifyTarget),
              (status = 400, description = "Not a URL or topic ARN, an unknown event, or too many targets", body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 409, description = "The address is a target already", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Json(new): Json<NewNotifyTarget>,
) -> Result<(StatusCode, Json<NotifyTarget>), ApiError> {
    let target = notify::add_target(state.catalog.as_ref(), new).await?;
    // Not the address: webhook URLs often carry a token.
    tracing::info!(by = %caller.principal.username, target = target.id, kind = ?target.kind, "notification target added");
    Ok((StatusCode::CREATED, Json(target)))
}

/// Removes a target; its queued deliveries end at their next try.
#[utoipa::path(delete, path = "/api/settings/notifications/{target_id}", tag = "settings", params(("target_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    notify::remove_target(state.catalog.as_ref(), &id).await?;
    tracing::info!(by = %caller.principal.username, target = id, "notification target removed");
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a `test` notice to the target now and says what its receiver answered (a
/// receiver that refuses is still a 200: the answer says how it went).
#[utoipa::path(post, path = "/api/settings/notifications/{target_id}/test", tag = "settings", params(("target_id" = String, Path)),
    responses((status = 200, body = TestDelivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn test(
    _caller: Auth<Admin>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TestDelivery>, ApiError> {
    Ok(Json(notify::test(state.catalog.as_ref(), state.notifier.as_ref(), &id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// At most this many (default 50, at most 500).
    page_size: Option<i64>,
}

/// The newest deliveries of notices, each with its tries, the receiver's last answer and
/// the last failure's reason; a failed one is sent again with `POST /api/jobs/{id}/retry`.
#[utoipa::path(get, path = "/api/settings/notifications/deliveries", tag = "settings", params(DeliveryParams),
    responses((status = 200, body = Deliveries), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    _caller: Auth<Admin>,
    State(state): State<AppState>,
    Query(params): Query<DeliveryParams>,
) -> Result<Json<Deliveries>, ApiError> {
    let limit = page_size(params.page_size, 50, 500)?;
    Ok(Json(Deliveries { items: notify::deliveries(state.queue.as_ref(), limit).await? }))
}
