use async_trait::async_trait;
use mediaport_shared::codes;
use mediaport_shared::{Group, User};

use crate::error::{ErrorKind, ServiceError};

/// Failures of an identity provider, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Wrong username or password: deliberately does not say which.
    #[error("the username or password is incorrect")]
    InvalidCredentials,
    #[error("too many failed sign-ins: try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    /// A directory user in none of Mediaport's groups, where that gives no access.
    #[error("{0} is in none of Mediaport's groups (admin, creator, viewer): ask an administrator")]
    NoGroup(String),
    #[error("the token is not valid: {0}")]
    InvalidToken(&'static str),
    #[error("a user named {0} already exists")]
    UserExists(String),
    #[error("there is no user named {0}")]
    NoSuchUser(String),
    #[error("{0}")]
    WeakPassword(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0} is the last admin: make another user admin first")]
    LastAdmin(String),
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    #[error("identity error: {0}")]
    Other(String),
}

impl ServiceError for IdentityError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid-credentials",
            Self::TooManyAttempts { .. } => "too-many-attempts",
            Self::NoGroup(_) => "no-group",
            Self::InvalidToken(_) => "invalid-token",
            Self::UserExists(_) => "user-exists",
            Self::NoSuchUser(_) => codes::NOT_FOUND,
            Self::WeakPassword(_) => "weak-password",
            Self::InvalidInput(_) => "invalid-input",
            Self::LastAdmin(_) => "last-admin",
            Self::Unavailable(_) => "identity-unavailable",
            Self::Other(_) => "identity-error",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCredentials | Self::InvalidToken(_) => ErrorKind::Unauthenticated,
            Self::TooManyAttempts { .. } => ErrorKind::RateLimited,
            Self::NoGroup(_) => ErrorKind::Forbidden,
            Self::UserExists(_) | Self::LastAdmin(_) => ErrorKind::Conflict,
            Self::NoSuchUser(_) => ErrorKind::NotFound,
            Self::WeakPassword(_) | Self::InvalidInput(_) => ErrorKind::Invalid,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Other(_) => ErrorKind::Internal,
        }
    }
}

/// Who is calling, as proven by a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub group: Group,
}

/// The tokens of a signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// What it takes to create a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub group: Group,
    pub password: String,
}

/// Users, their groups and their sessions: local accounts or Amazon Cognito.
#[async_trait]
pub trait Identity: Send + Sync {
    /// Checks a password and opens a session; the same error whether the user exists or not.
    async fn login(&self, username: &str, password: &str) -> Result<(Session, User), IdentityError>;
    /// Exchanges a refresh token for a new session.
    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError>;
    /// Ends `username`'s session that the refresh token belongs to; an unknown token is not an error.
    async fn logout(&self, username: &str, refresh_token: &str) -> Result<(), IdentityError>;
    /// Verifies an access token (signature, issuer, audience, expiry, use) and names its holder.
    async fn verify(&self, access_token: &str) -> Result<Principal, IdentityError>;
    /// One user, or `NoSuchUser`.
    async fn get_user(&self, username: &str) -> Result<User, IdentityError>;
    /// Every user, by username.
    async fn list_users(&self) -> Result<Vec<User>, IdentityError>;
    /// Creates a user with a password that already passed the policy.
    async fn create_user(&self, user: NewUser) -> Result<User, IdentityError>;
    /// Moves a user to another group. A provider that can (the local one) refuses to
    /// demote the last admin with `LastAdmin`, atomically; `users::set_group` checks first
    /// for every provider.
    async fn set_group(&self, username: &str, group: Group) -> Result<User, IdentityError>;
    /// Replaces a user's password and ends their sessions.
    async fn set_password(&self, username: &str, password: &str) -> Result<(), IdentityError>;
    /// Removes a user and ends their sessions; the last admin as for [`Identity::set_group`].
    async fn delete_user(&self, username: &str) -> Result<(), IdentityError>;
}
