//! What analysis found in an asset: timelines as JSON, as WebVTT tracks for players, and
//! the shots as an edit decision list.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use mediaport_core::reanalysis;
use mediaport_shared::{AnalysisKind, Asset, AssetExport, AssetId, ErrorBody, Reanalyse, Timeline, analysis};

use crate::auth::{Auth, Creator, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

fn kind_of(text: &str) -> Result<AnalysisKind, ApiError> {
    AnalysisKind::parse(text).ok_or_else(|| {
        let known: Vec<&str> = AnalysisKind::ALL.iter().map(|k| k.as_str()).collect();
        ApiError::bad_request("unknown-kind", format!("no analysis is called {text:?}; known: {}", known.join(", ")))
    })
}

/// One kind's timeline: each name with its time ranges, best confidence and boxes.
#[utoipa::path(get, path = "/api/assets/{id}/analysis/{kind}", tag = "analysis",
    params(("id" = String, Path), ("kind" = String, Path, description = "label, face, face_match, text, moderation, shot, transcript, keyphrase, entity, sentiment, scene, chapter or ad_break")),
    responses((status = 200, body = Timeline), (status = 400, body = ErrorBody),
              (status = 404, description = "No such asset, or not analysed for this kind", body = ErrorBody),
              (status = 422, description = "The analysis failed; the message says why", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path((id, kind)): Path<(AssetId, String)>,
) -> Result<Json<Timeline>, ApiError> {
    let kind = kind_of(&kind)?;
    let asset = state.catalog.get_asset(&id).await?;
    Ok(Json(state.results().timeline(&asset, kind).await?))
}

/// One kind's timeline as a track: `{kind}.vtt` (subtitles for the transcript, a chapters
/// track for the chapters, a metadata cue per appearance otherwise), for the transcript
/// also `transcript.srt` and `transcript.txt` (the plain text), and the ad breaks as a
/// spreadsheet, `ad_break.csv`.
#[utoipa::path(get, path = "/api/assets/{id}/tracks/{file}", tag = "analysis",
    params(("id" = String, Path), ("file" = String, Path, description = "`{kind}.vtt` (e.g. `text.vtt`, `chapter.vtt`), `transcript.srt`, `transcript.txt` or `ad_break.csv`")),
    responses((status = 200, content_type = "text/vtt", body = String), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn track(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path((id, file)): Path<(AssetId, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let unknown = || {
        ApiError::bad_request("unknown-track", "tracks are {kind}.vtt, transcript.srt, transcript.txt or ad_break.csv")
    };
    let (kind, format) = file.rsplit_once('.').ok_or_else(unknown)?;
    let kind = kind_of(kind)?;
    let transcript = kind == AnalysisKind::Transcript;
    let breaks = kind == AnalysisKind::AdBreak;
    if !matches!((format, transcript, breaks), ("vtt", _, _) | ("srt" | "txt", true, _) | ("csv", _, true)) {
        return Err(unknown());
    }
    let asset = state.catalog.get_asset(&id).await?;
    let timeline = state.results().timeline(&asset, kind).await?;
    let items = &timeline.items;
    let (content_type, body) = match format {
        "vtt" if transcript => ("text/vtt; charset=utf-8", analysis::subtitles_vtt(items)),
        "vtt" if kind == AnalysisKind::Chapter => ("text/vtt; charset=utf-8", analysis::chapters_vtt(items)),
        "vtt" => ("text/vtt; charset=utf-8", analysis::vtt(items)),
        "csv" => ("text/csv; charset=utf-8", analysis::breaks_csv(items)),
        "srt" => ("application/x-subrip; charset=utf-8", analysis::srt(items)),
        _ => ("text/plain; charset=utf-8", items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join("\n") + "\n"),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body))
}

/// The shots as a CMX3600 edit decision list, for editing software.
#[utoipa::path(get, path = "/api/assets/{id}/edl", tag = "analysis", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn edl(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
) -> Result<impl IntoResponse, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let bytes = state.results().shot_list(&asset).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition(stem(&asset.filename), "edl")),
        ],
        bytes,
    ))
}

/// Analyses an asset again, with `ai_options` laid over the options it had; its current
/// results stay until the new ones replace them all at once.
#[utoipa::path(post, path = "/api/assets/{id}/analysis", tag = "analysis", params(("id" = String, Path)),
    request_body = Reanalyse,
    responses((status = 202, description = "Queued; the asset is `analysing`", body = Asset),
              (status = 400, description = "An unknown option, or a value out of range", body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "Not ready: uploading, ingesting, analysing or failed before analysis", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reanalyse(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
    Json(request): Json<Reanalyse>,
) -> Result<(StatusCode, Json<Asset>), ApiError> {
    let asset = reanalysis::reanalyse(state.catalog.as_ref(), state.queue.as_ref(), &id, request.ai_options).await?;
    tracing::info!(by = %caller.principal.username, asset = %id, "analysis queued again");
    Ok((StatusCode::ACCEPTED, Json(asset)))
}

/// Everything known about an asset as one JSON file: its record, the tools' technical
/// reports, every timeline and the shots' EDL.
#[utoipa::path(get, path = "/api/assets/{id}/export", tag = "analysis", params(("id" = String, Path)),
    responses((status = 200, body = AssetExport), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
) -> Result<impl IntoResponse, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let name = format!("{}.metadata", stem(&asset.filename));
    let export = state.results().export(asset).await?;
    Ok(([(header::CONTENT_DISPOSITION, disposition(&name, "json"))], Json(export)))
}

/// A file name without its extension.
fn stem(filename: &str) -> &str {
    filename.rsplit_once('.').map_or(filename, |(stem, _)| stem)
}

/// A download named after the asset: an ASCII name for old clients and the real one
/// (RFC 6266 `filename*`) for the rest; header values cannot carry raw UTF-8.
fn disposition(stem: &str, extension: &str) -> String {
    let ascii: String =
        stem.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let utf8 = percent_encoding::utf8_percent_encode(stem, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}.{extension}\"; filename*=UTF-8''{utf8}.{extension}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn any_file_name_makes_a_valid_header() {
        for name in ["Café «été» \"quoted\"", "plain", "tab\there"] {
            let value = super::disposition(name, "edl");
            assert!(axum::http::HeaderValue::from_str(&value).is_ok(), "{value}");
        }
        assert_eq!(
            super::disposition("Café", "edl"),
            "attachment; filename=\"Caf_.edl\"; filename*=UTF-8''Caf%C3%A9.edl"
        );
    }
}
