//! The one place where errors become HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mediaport_core::corrections::review::CorrectionError;
use mediaport_core::faces::FaceError;
use mediaport_core::notes::NoteError;
use mediaport_core::notify::TargetError;
use mediaport_core::reanalysis::ReanalyseError;
use mediaport_core::removal::RemoveError;
use mediaport_core::results::ResultsError;
use mediaport_core::search::FindError;
use mediaport_core::search::query::QueryError;
use mediaport_core::settings::SettingsError;
use mediaport_core::shares::ShareError;
use mediaport_core::stats::StatsError;
use mediaport_core::uploads::IntakeError;
use mediaport_core::workflow::WorkflowError;
use mediaport_core::{
    CatalogError, ErrorKind, IdentityError, QueueError, SearchError, ServiceError, StorageError, VectorError,
};
use mediaport_shared::ErrorBody;
use mediaport_shared::codes;

/// An error on its way to the client: a status, a stable code and a safe message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after_secs: None }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A failure the client cannot fix: the detail is logged, never sent.
    pub fn internal(code: &'static str, detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(code, error = %detail, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, code, "the server could not complete the request")
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code.to_owned(), message: self.message };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl ApiError {
    /// The response for any core error: its kind chooses the status, its code goes to
    /// the client, and its text too unless the fault is the server's.
    fn of(err: &dyn ServiceError) -> Self {
        let status = match err.kind() {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unavailable => {
                tracing::error!(code = err.code(), error = %err, "a service is unavailable");
                let message = "a service Mediaport depends on is unavailable, try again shortly";
                return Self::new(StatusCode::SERVICE_UNAVAILABLE, err.code(), message);
            }
            ErrorKind::Full => {
                tracing::error!(code = err.code(), error = %err, "storage is full");
                let message = "storage is full: an admin must free space (or delete assets), then try again";
                return Self::new(StatusCode::INSUFFICIENT_STORAGE, err.code(), message);
            }
            ErrorKind::Internal => return Self::internal(err.code(), &err),
        };
        Self::new(status, err.code(), err.to_string())
    }
}

/// `From` for each core error, all through [`ApiError::of`].
macro_rules! from_service_errors {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(err: $error) -> Self {
                Self::of(&err)
            }
        }
    )*};
}

from_service_errors!(
    CatalogError,
    QueueError,
    StorageError,
    SearchError,
    VectorError,
    IntakeError,
    WorkflowError,
    QueryError,
    RemoveError,
    ReanalyseError,
    SettingsError,
    StatsError,
    FaceError,
    ResultsError,
    CorrectionError,
    NoteError,
    ShareError,
    FindError,
    TargetError,
);

impl From<IdentityError> for ApiError {
    fn from(err: IdentityError) -> Self {
        let mut api = Self::of(&err);
        if let IdentityError::TooManyAttempts { retry_after_secs } = err {
            api.retry_after_secs = Some(retry_after_secs);
        }
        api
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_do_not_leak_details() {
        let err: ApiError = CatalogError::Other("near \"SELEC\": syntax error in /srv/secret.db".into()).into();
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let body: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert_eq!(body.code, "catalog-error");
        assert!(!body.message.contains("secret"), "{}", body.message);
    }

    #[test]
    fn nested_errors_answer_as_the_error_inside() {
        let err: ApiError = IntakeError::Queue(QueueError::Unavailable("connection refused".into())).into();
        assert_eq!((err.status(), err.code()), (StatusCode::SERVICE_UNAVAILABLE, "queue-unavailable"));
        let err: ApiError = RemoveError::Catalog(CatalogError::Conflict("asset".into())).into();
        assert_eq!((err.status(), err.code()), (StatusCode::CONFLICT, "conflict"));
    }

    #[tokio::test]
    async fn not_found_keeps_its_message() {
        let err: ApiError = CatalogError::NotFound { what: "asset", id: "abc".into() }.into();
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.code(), "not-found");
    }
}
