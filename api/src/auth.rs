//! Who is calling and what they may do. Every protected handler takes an `Auth<Role>`
//! argument, so a route's required group is visible in its signature and enforced by
//! the server, whatever the UI shows.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use mediaport_core::{IdentityError, Principal};
use mediaport_shared::Group;

use crate::error::ApiError;
use crate::state::AppState;

/// The least group a route needs.
pub trait Role: Send + Sync + 'static {
    const MIN: Group;
}

#[derive(Debug)]
pub struct Viewer;
#[derive(Debug)]
pub struct Creator;
#[derive(Debug)]
pub struct Admin;

impl Role for Viewer {
    const MIN: Group = Group::Viewer;
}
impl Role for Creator {
    const MIN: Group = Group::Creator;
}
impl Role for Admin {
    const MIN: Group = Group::Admin;
}

/// A caller whose token verified and whose group is at least `R::MIN`.
#[derive(Debug)]
pub struct Auth<R: Role> {
    pub principal: Principal,
    /// The token the caller signed in with: a response that lasts (the event stream)
    /// checks it again while it runs.
    pub token: String,
    _role: PhantomData<R>,
}

/// The event stream alone takes its token in the query: browsers' `EventSource` cannot
/// send an `Authorization` header. Everywhere else a token in a URL would leak into
/// histories and logs, so it is refused.
fn query_token(parts: &Parts) -> Option<&str> {
    if parts.uri.path() != "/api/events" {
        return None;
    }
    parts.uri.query()?.split('&').find_map(|pair| pair.strip_prefix("access_token=")).filter(|t| !t.is_empty())
}

impl<R: Role> FromRequestParts<AppState> for Auth<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .or_else(|| query_token(parts))
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in to use this API"))?;
        let principal = state.identity.verify(token).await.map_err(|e| match e {
            IdentityError::InvalidToken(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid-token", "the session is not valid: sign in again")
            }
            other => other.into(),
        })?;
        if principal.group < R::MIN {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the {} group; you are a {}", R::MIN.as_str(), principal.group.as_str()),
            ));
        }
        Ok(Self { principal, token: token.to_owned(), _role: PhantomData })
    }
}
