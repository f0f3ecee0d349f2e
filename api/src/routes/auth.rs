use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::{IdentityError, Session};
use mediaport_shared::user::{LoginRequest, LoginResponse, RefreshRequest};
use mediaport_shared::{ErrorBody, User};

use crate::auth::{Auth, Viewer};
use crate::error::ApiError;
use crate::extract::{ClientAddress, Json};
use crate::state::AppState;

fn signed_in(session: Session, user: User) -> LoginResponse {
    LoginResponse {
        access_token: session.access_token,
        token_type: "Bearer".into(),
        expires_in: session.expires_in,
        refresh_token: session.refresh_token,
        user,
    }
}

/// Signs in with a username and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, description = "Wrong username or password", body = ErrorBody),
              (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    if let Some(address) = address
        && let Err(retry_after_secs) = state.sign_ins.take(address)
    {
        tracing::warn!(%address, "sign-in attempts from one address are being slowed down");
        return Err(IdentityError::TooManyAttempts { retry_after_secs }.into());
    }
    if !mediaport_core::users::could_sign_in(&request.username, &request.password) {
        return Err(IdentityError::InvalidCredentials.into());
    }
    let (session, user) = state.identity.login(&request.username, &request.password).await?;
    if let Some(address) = address {
        state.sign_ins.give_back(address);
    }
    tracing::info!(username = %user.username, "signed in");
    Ok(Json(signed_in(session, user)))
}

/// Exchanges a refresh token for new tokens (the old refresh token is spent).
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(request): Json<RefreshRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let session = state.identity.refresh(&request.refresh_token).await?;
    let principal = state.identity.verify(&session.access_token).await?;
    let user = state.identity.get_user(&principal.username).await?;
    Ok(Json(signed_in(session, user)))
}

/// Ends the session of a refresh token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(
    caller: Auth<Viewer>,
    State(state): State<AppState>,
    Json(request): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    state.identity.logout(&caller.principal.username, &request.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", tag = "auth",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(caller: Auth<Viewer>, State(state): State<AppState>) -> Result<Json<User>, ApiError> {
    Ok(Json(state.identity.get_user(&caller.principal.username).await?))
}
