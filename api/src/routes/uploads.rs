//! Uploads straight to storage: the API plans the parts and signs their URLs; the bytes
//! never pass through here.

use axum::extract::State;
use axum::http::StatusCode;
use mediaport_shared::{
    Asset, CompleteUploadRequest, CreateUploadRequest, ErrorBody, PartUrls, PresignPartsRequest, StoredParts, Upload,
    UploadId,
};

use crate::auth::{Auth, Creator};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Starts a multipart upload: the asset is registered as `uploading` and the server picks the part size.
#[utoipa::path(post, path = "/api/uploads", tag = "uploads", request_body = CreateUploadRequest,
    responses((status = 201, body = Upload),
              (status = 400, description = "Empty file, bad name, attributes or MD5", body = ErrorBody),
              (status = 413, description = "Over 5 TiB", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Json(request): Json<CreateUploadRequest>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    let upload = state.intake().start(request, &caller.principal.username).await?;
    tracing::info!(by = %caller.principal.username, upload = %upload.upload_id, asset = %upload.asset_id,
        size = upload.size, parts = upload.part_count, "upload started");
    Ok((StatusCode::CREATED, Json(upload)))
}

/// Presigned `PUT` URLs for parts of an open upload (at most 1,000 a request).
#[utoipa::path(post, path = "/api/uploads/{upload_id}/parts", tag = "uploads", request_body = PresignPartsRequest,
    params(("upload_id" = String, Path)),
    responses((status = 200, body = PartUrls), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "The upload is complete or cancelled", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn presign_parts(
    _caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(upload_id): Path<UploadId>,
    Json(request): Json<PresignPartsRequest>,
) -> Result<Json<PartUrls>, ApiError> {
    let parts = state.intake().presign_parts(&upload_id, &request.part_numbers).await?;
    Ok(Json(PartUrls { parts }))
}

/// The parts storage already holds, to resume an interrupted upload.
#[utoipa::path(get, path = "/api/uploads/{upload_id}/parts", tag = "uploads", params(("upload_id" = String, Path)),
    responses((status = 200, body = StoredParts), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_parts(
    _caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(upload_id): Path<UploadId>,
) -> Result<Json<StoredParts>, ApiError> {
    let parts = state.intake().stored_parts(&upload_id).await?;
    Ok(Json(StoredParts { parts }))
}

/// Joins the parts into the original and hands the asset to ingest.
#[utoipa::path(post, path = "/api/uploads/{upload_id}/complete", tag = "uploads", request_body = CompleteUploadRequest,
    params(("upload_id" = String, Path)),
    responses((status = 200, body = Asset),
              (status = 400, description = "A part is missing, or its ETag or size differs", body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "Already complete, being completed, or cancelled", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn complete(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(upload_id): Path<UploadId>,
    Json(request): Json<CompleteUploadRequest>,
) -> Result<Json<Asset>, ApiError> {
    let asset = state.intake().complete(&upload_id, request).await?;
    tracing::info!(by = %caller.principal.username, upload = %upload_id, asset = %asset.id, "upload complete");
    Ok(Json(asset))
}

/// Cancels an upload: storage frees the parts and the asset disappears.
#[utoipa::path(delete, path = "/api/uploads/{upload_id}", tag = "uploads", params(("upload_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody),
              (status = 409, description = "The upload is already complete", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn abort(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(upload_id): Path<UploadId>,
) -> Result<StatusCode, ApiError> {
    state.intake().abort(&upload_id).await?;
    tracing::info!(by = %caller.principal.username, upload = %upload_id, "upload cancelled");
    Ok(StatusCode::NO_CONTENT)
}
