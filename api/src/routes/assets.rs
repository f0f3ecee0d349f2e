use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::AssetFilter;
use mediaport_core::removal::Removal;
use mediaport_shared::{
    Asset, AssetDetail, AssetId, AssetList, AssetStatus, AssetType, ErrorBody, RegisterAssetRequest,
};
use serde::Deserialize;

use crate::auth::{Auth, Creator, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query, page_size};
use crate::links;
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `video`, `audio`, `image`, `document` or `other`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    asset_type: Option<String>,
    /// `uploading`, `ingesting`, `analysing`, `ready`, `failed` or `unsupported`.
    status: Option<String>,
    /// 1 to 500; 50 when left out.
    page_size: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Assets, newest first, a page at a time.
#[utoipa::path(get, path = "/api/assets", tag = "assets", params(ListParams),
    responses((status = 200, body = AssetList), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<AssetList>, ApiError> {
    let filter = AssetFilter {
        asset_type: params
            .asset_type
            .map(|t| {
                AssetType::parse(&t)
                    .ok_or_else(|| ApiError::bad_request("invalid-query", format!("unknown type {t:?}")))
            })
            .transpose()?,
        status: params
            .status
            .map(|s| {
                AssetStatus::parse(&s)
                    .ok_or_else(|| ApiError::bad_request("invalid-query", format!("unknown status {s:?}")))
            })
            .transpose()?,
    };
    let page_size = page_size(params.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    // One more than asked tells whether another page exists.
    let mut items =
        state.catalog.list_assets(&filter, page_size + 1, params.cursor.map(AssetId::from).as_ref()).await?;
    let next_cursor = if items.len() > page_size as usize {
        items.truncate(page_size as usize);
        items.last().map(|a| a.id.to_string())
    } else {
        None
    };
    let mut cards = Vec::with_capacity(items.len());
    for asset in items {
        cards.push(links::card(&state, asset).await?);
    }
    Ok(Json(AssetList { items: cards, next_cursor }))
}

/// One asset.
#[utoipa::path(get, path = "/api/assets/{id}", tag = "assets", params(("id" = String, Path)),
    responses((status = 200, body = AssetDetail), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
) -> Result<Json<AssetDetail>, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    Ok(Json(links::detail(&state, asset).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeleteParams {
    /// Also delete the original from the ingest bucket (kept by default).
    purge: Option<bool>,
}

/// Deletes an asset: out of search and listings at once; its proxies, results and
/// vectors (and with `purge=true` its original) are removed by a worker job.
#[utoipa::path(delete, path = "/api/assets/{id}", tag = "assets", params(("id" = String, Path), DeleteParams),
    responses((status = 204), (status = 404, body = ErrorBody),
        (status = 409, description = "Still uploading: abort the upload instead", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
    Query(params): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    let purge = params.purge.unwrap_or(false);
    let removal = Removal {
        catalog: state.catalog.as_ref(),
        queue: state.queue.as_ref(),
        storage: state.storage.as_ref(),
        search: state.search.as_ref(),
        vectors: state.vectors.as_ref(),
        proxy_bucket: &state.buckets.proxy,
    };
    let asset = removal.delete(&id, purge).await?;
    tracing::info!(by = %caller.principal.username, asset = %id, filename = asset.filename, purge, "asset deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Registers an object already in the ingest bucket (a bulk copy) and hands it to ingest.
#[utoipa::path(post, path = "/api/assets", tag = "assets", request_body = RegisterAssetRequest,
    responses((status = 201, body = Asset),
              (status = 400, description = "Not the ingest bucket, or a bad key", body = ErrorBody),
              (status = 404, description = "No such object", body = ErrorBody),
              (status = 409, description = "Already an asset", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Json(request): Json<RegisterAssetRequest>,
) -> Result<(StatusCode, Json<Asset>), ApiError> {
    let asset = state.intake().register(request).await?;
    tracing::info!(by = %caller.principal.username, asset = %asset.id, key = asset.key, "object registered");
    Ok((StatusCode::CREATED, Json(asset)))
}
