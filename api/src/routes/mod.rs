//! Every route of the API, one module per resource.

mod analysis;
mod assets;
mod auth;
mod corrections;
mod events;
mod face_import;
mod faces;
mod health;
pub(crate) mod jobs;
mod metrics;
mod notes;
mod notifications;
mod people;
mod search;
mod settings;
mod shares;
mod stats;
mod uploads;
mod users;

use std::path::Path;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{any, get};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(info(title = "Mediaport API", description = "Move a media archive into object storage and search it."))]
struct ApiDoc;

/// The whole HTTP surface: API, health, metrics and (when `web_dir` is set) the web app.
pub fn router(state: AppState, web_dir: Option<&Path>) -> Router {
    // Install the recorder before the first request so that it is counted.
    crate::metrics::handle();
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::set_group))
        .routes(routes!(users::set_password))
        .routes(routes!(users::delete))
        .routes(routes!(uploads::create))
        .routes(routes!(uploads::presign_parts, uploads::list_parts))
        .routes(routes!(uploads::complete))
        .routes(routes!(uploads::abort))
        .routes(routes!(assets::list, assets::register))
        .routes(routes!(assets::get, assets::delete))
        .routes(routes!(analysis::get))
        .routes(routes!(analysis::track))
        .routes(routes!(analysis::edl))
        .routes(routes!(analysis::reanalyse))
        .routes(routes!(analysis::export))
        .routes(routes!(corrections::list, corrections::add))
        .routes(routes!(corrections::undo))
        .routes(routes!(notes::list, notes::add))
        .routes(routes!(notes::delete))
        .routes(routes!(shares::create))
        .routes(routes!(shares::list))
        .routes(routes!(shares::revoke))
        .routes(routes!(shares::views))
        .routes(routes!(shares::open))
        .routes(routes!(settings::get_ai_options, settings::put_ai_options))
        .routes(routes!(notifications::list, notifications::add))
        .routes(routes!(notifications::remove))
        .routes(routes!(notifications::test))
        .routes(routes!(notifications::deliveries))
        .routes(routes!(stats::get))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::retry))
        .routes(routes!(events::events))
        .routes(routes!(search::search))
        .routes(routes!(faces::list, faces::create))
        .routes(routes!(faces::delete))
        .routes(routes!(faces::rename, faces::delete_face))
        .routes(routes!(people::list))
        .routes(routes!(people::get, people::name))
        .routes(routes!(people::merge))
        .routes(routes!(people::move_out))
        .routes(routes!(people::appearances))
        .routes(routes!(people::of_asset))
        .merge(
            // Photographs are larger than any JSON body.
            OpenApiRouter::new()
                .routes(routes!(faces::list_faces, faces::add_face))
                .layer(DefaultBodyLimit::max(faces::MAX_PHOTO)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(face_import::import))
                .layer(DefaultBodyLimit::max(face_import::MAX_ARCHIVE)),
        )
        .with_state(state)
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    crate::openapi::document_errors(&mut doc);
    let doc = serde_json::to_value(doc).unwrap_or_default();

    let mut app = api
        .route("/api/openapi.json", get(move || async move { axum::Json(doc) }))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(crate::metrics::track))
        // Spans name the path alone: a query may carry a token (`/api/events`).
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::debug_span!("request", method = %request.method(), path = request.uri().path())
        }));
    if let Some(dir) = web_dir {
        app = app.fallback_service(crate::web::service(dir));
    }
    app
}

/// A method a route does not take answers JSON with a code too.
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this path does not take that method",
    )
}

/// Unknown API paths answer JSON, never the web app's HTML.
async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API route")
}
