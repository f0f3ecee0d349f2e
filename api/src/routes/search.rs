//! `GET /api/search`: the query language over everything analysis found, hits with the
//! names that matched and their moments; the free words may be read for their meaning.

use axum::extract::State;
use mediaport_core::SearchRequest;
use mediaport_core::search::semantic::Mode;
use mediaport_core::search::{self, query};
use mediaport_shared::{AnalysisKind, AssetType, ErrorBody, SearchResults};
use serde::Deserialize;

use crate::auth::{Auth, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Query, page_size};
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;
/// Deeper pages are refused: nobody reads them, and each costs the whole prefix.
const MAX_OFFSET: usize = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words, "phrases", AND / OR / NOT, `field:value` (label, face, text, transcript,
    /// keyphrase, entity, sentiment, moderation, shot, filename, group, type,
    /// attributes.<key>) and `word*`. Empty: every asset.
    q: Option<String>,
    /// Asset types, comma-separated: `video,image`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    asset_type: Option<String>,
    /// Analysis kinds whose matches count, comma-separated.
    kind: Option<String>,
    group: Option<String>,
    /// Only moments overlapping `from_ms`..`to_ms` count.
    from_ms: Option<u64>,
    to_ms: Option<u64>,
    /// 1 to 100; 20 when left out.
    page_size: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// How the free words (outside `field:`) are read: `words` (the default), `meaning`
    /// (what was said or shown near their meaning) or `both`.
    mode: Option<String>,
}

/// Assets matching a query, best first, with what matched and when.
#[utoipa::path(get, path = "/api/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody),
        (status = 503, description = "Search, or the sentence model for `mode=meaning`, is unavailable", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let mode = mode(params.mode.as_deref())?;
    let request = request(params)?;
    let encoder = state.encoder.as_deref();
    let mut results = search::find(state.search.as_ref(), state.vectors.as_ref(), encoder, &request, mode).await?;
    search::scenes::name_scenes(&mut results.hits, state.catalog.as_ref(), &state.results()).await;
    // The index holds thumbnails' keys: browsers get presigned links.
    for hit in &mut results.hits {
        if let Some(key) = hit.thumbnail.take() {
            hit.thumbnail = Some(crate::links::presigned(&state, &key).await?);
        }
    }
    Ok(Json(results))
}

fn mode(text: Option<&str>) -> Result<Mode, ApiError> {
    match text {
        None | Some("") => Ok(Mode::Words),
        Some(text) => Mode::parse(text)
            .ok_or_else(|| ApiError::bad_request("invalid-query", "mode is one of words, meaning and both")),
    }
}

/// The parameters, checked: every mistake is a 400 with its own code.
fn request(params: SearchParams) -> Result<SearchRequest, ApiError> {
    let query = query::parse(params.q.as_deref().unwrap_or(""))?;
    let list = |text: Option<String>| -> Vec<String> {
        text.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    };
    let types = list(params.asset_type)
        .into_iter()
        .map(|t| {
            AssetType::parse(&t).ok_or_else(|| ApiError::bad_request("invalid-query", format!("unknown type {t:?}")))
        })
        .collect::<Result<_, _>>()?;
    let kinds = list(params.kind)
        .into_iter()
        .map(|k| {
            AnalysisKind::parse(&k).ok_or_else(|| ApiError::bad_request("invalid-query", format!("unknown kind {k:?}")))
        })
        .collect::<Result<_, _>>()?;
    if let (Some(from), Some(to)) = (params.from_ms, params.to_ms)
        && from >= to
    {
        return Err(ApiError::bad_request("invalid-query", "from_ms must come before to_ms"));
    }
    let offset = match params.cursor.as_deref() {
        None | Some("") => 0,
        Some(cursor) => cursor
            .parse::<usize>()
            .ok()
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| ApiError::bad_request("invalid-cursor", "the cursor is not one a search returned"))?,
    };
    Ok(SearchRequest {
        query,
        types,
        kinds,
        group: params.group.filter(|g| !g.is_empty()),
        from_ms: params.from_ms,
        to_ms: params.to_ms,
        page_size: page_size(params.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)? as usize,
        offset,
    })
}
