//! Settings an admin changes while Mediaport runs: the analysis defaults for new assets.

use axum::extract::State;
use mediaport_core::settings::{save_ai_options, saved_ai_options};
use mediaport_shared::{AiOptions, ErrorBody};

use crate::auth::{Admin, Auth};
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;

/// The analysis options new assets get unless their upload says otherwise: the saved
/// defaults over the settings file's, every field set.
#[utoipa::path(get, path = "/api/settings/ai-options", tag = "settings",
    responses((status = 200, body = AiOptions), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_ai_options(_caller: Auth<Admin>, State(state): State<AppState>) -> Result<Json<AiOptions>, ApiError> {
    Ok(Json(saved_ai_options(state.catalog.as_ref()).await?.over(&state.ai_defaults)))
}

/// Saves the analysis defaults for new assets (fields left out take the settings
/// file's); every worker uses them from its next job. Answers the defaults now in force.
#[utoipa::path(put, path = "/api/settings/ai-options", tag = "settings", request_body = AiOptions,
    responses((status = 200, body = AiOptions),
              (status = 400, description = "An unknown option, or a value out of range", body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_ai_options(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Json(options): Json<AiOptions>,
) -> Result<Json<AiOptions>, ApiError> {
    save_ai_options(state.catalog.as_ref(), &options).await?;
    tracing::info!(by = %caller.principal.username, "analysis defaults saved");
    Ok(Json(options.over(&state.ai_defaults)))
}
