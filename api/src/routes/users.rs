use axum::extract::State;
use axum::http::StatusCode;
use mediaport_core::users;
use mediaport_shared::user::{CreateUserRequest, CreatedUser, SetGroupRequest, SetPasswordRequest, UserList};
use mediaport_shared::{ErrorBody, User};

use crate::auth::{Admin, Auth};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Every user with their groups.
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = UserList), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(_caller: Auth<Admin>, State(state): State<AppState>) -> Result<Json<UserList>, ApiError> {
    Ok(Json(UserList { items: state.identity.list_users().await? }))
}

/// Creates a user; without a password, a temporary one is generated and returned once.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUser),
              (status = 400, description = "Weak password or invalid name", body = ErrorBody),
              (status = 409, description = "The username is taken", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Json(request): Json<CreateUserRequest>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let (user, temporary_password) = users::create_user(
        state.identity.as_ref(),
        &request.username,
        &request.email,
        request.group,
        request.password.as_deref(),
    )
    .await?;
    tracing::info!(by = %caller.principal.username, username = %user.username, group = request.group.as_str(), "user created");
    Ok((StatusCode::CREATED, Json(CreatedUser { user, temporary_password })))
}

/// Moves a user to another group; the last admin cannot be demoted.
#[utoipa::path(put, path = "/api/users/{username}/group", tag = "users", request_body = SetGroupRequest,
    params(("username" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_group(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Path(username): Path<String>,
    Json(request): Json<SetGroupRequest>,
) -> Result<Json<User>, ApiError> {
    let user = users::set_group(state.identity.as_ref(), &username, request.group).await?;
    tracing::info!(by = %caller.principal.username, %username, group = request.group.as_str(), "group changed");
    Ok(Json(user))
}

/// Replaces a user's password and ends their sessions.
#[utoipa::path(put, path = "/api/users/{username}/password", tag = "users", request_body = SetPasswordRequest,
    params(("username" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_password(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Path(username): Path<String>,
    Json(request): Json<SetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    users::set_password(state.identity.as_ref(), &username, &request.password).await?;
    tracing::info!(by = %caller.principal.username, %username, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a user; the last admin cannot be deleted.
#[utoipa::path(delete, path = "/api/users/{username}", tag = "users", params(("username" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    caller: Auth<Admin>,
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    users::delete_user(state.identity.as_ref(), &username).await?;
    tracing::info!(by = %caller.principal.username, %username, "user deleted");
    Ok(StatusCode::NO_CONTENT)
}
