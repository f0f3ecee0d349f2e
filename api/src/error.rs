//! The one place where errors become HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mediaport_core::faces::FaceError;
use mediaport_core::reanalysis::ReanalyseError;
use mediaport_core::removal::RemoveError;
use mediaport_core::search::query::QueryError;
use mediaport_core::settings::SettingsError;
use mediaport_core::stats::StatsError;
use mediaport_core::uploads::UploadError;
use mediaport_core::{CatalogError, IdentityError, QueueError, SearchError, StorageError, VectorError};
use mediaport_shared::ErrorBody;

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
        Self::new(StatusCode::NOT_FOUND, "not-found", message)
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

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> Self {
        match &err {
            CatalogError::NotFound { .. } => Self::not_found(err.to_string()),
            CatalogError::Conflict(_) => Self::new(StatusCode::CONFLICT, err.code(), err.to_string()),
            CatalogError::Unavailable(_) => {
                tracing::error!(error = %err, "catalog unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, err.code(), "the catalog is unavailable, try again shortly")
            }
            CatalogError::Other(_) => Self::internal(err.code(), &err),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> Self {
        let status = match &err {
            UploadError::Catalog(_) | UploadError::Storage(_) | UploadError::Queue(_) => {
                return match err {
                    UploadError::Catalog(inner) => inner.into(),
                    UploadError::Storage(inner) => inner.into(),
                    UploadError::Queue(inner) => inner.into(),
                    _ => Self::internal(err.code(), &err),
                };
            }
            UploadError::Invalid { .. } => StatusCode::BAD_REQUEST,
            UploadError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::NotFound(_) => StatusCode::NOT_FOUND,
            UploadError::Conflict { .. } => StatusCode::CONFLICT,
        };
        Self::new(status, err.code(), err.to_string())
    }
}

impl From<QueueError> for ApiError {
    fn from(err: QueueError) -> Self {
        match &err {
            QueueError::NoSuchJob(_) => Self::not_found(err.to_string()),
            QueueError::Conflict(_) => Self::new(StatusCode::CONFLICT, err.code(), err.to_string()),
            QueueError::Unavailable(_) => {
                tracing::error!(error = %err, "queue unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    err.code(),
                    "the work queue is unavailable, try again shortly",
                )
            }
            QueueError::Other(_) => Self::internal(err.code(), &err),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(err: QueryError) -> Self {
        Self::bad_request(err.code(), err.to_string())
    }
}

impl From<SearchError> for ApiError {
    fn from(err: SearchError) -> Self {
        match &err {
            SearchError::Unavailable(_) => {
                tracing::error!(error = %err, "search index unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, err.code(), "search is unavailable, try again shortly")
            }
            SearchError::Other(_) => Self::internal(err.code(), &err),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match &err {
            StorageError::NoSuchKey { .. } => Self::not_found(err.to_string()),
            StorageError::Unavailable(_) => {
                tracing::error!(error = %err, "storage unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, err.code(), "storage is unavailable, try again shortly")
            }
            _ => Self::internal(err.code(), &err),
        }
    }
}

impl From<VectorError> for ApiError {
    fn from(err: VectorError) -> Self {
        match &err {
            VectorError::Unavailable(_) => {
                tracing::error!(error = %err, "vector index unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, err.code(), "face search is unavailable, try again shortly")
            }
            _ => Self::internal(err.code(), &err),
        }
    }
}

impl From<RemoveError> for ApiError {
    fn from(err: RemoveError) -> Self {
        match err {
            RemoveError::Uploading => Self::new(StatusCode::CONFLICT, "asset-uploading", err.to_string()),
            RemoveError::Catalog(err) => err.into(),
            RemoveError::Storage(err) => err.into(),
            RemoveError::Search(err) => err.into(),
            RemoveError::Vectors(err) => err.into(),
            RemoveError::Queue(err) => err.into(),
        }
    }
}

impl From<ReanalyseError> for ApiError {
    fn from(err: ReanalyseError) -> Self {
        match err {
            ReanalyseError::Invalid(_) => Self::bad_request(err.code(), err.to_string()),
            ReanalyseError::Catalog(CatalogError::Conflict(_)) => {
                Self::new(StatusCode::CONFLICT, err.code(), err.to_string())
            }
            ReanalyseError::Catalog(inner) => inner.into(),
            ReanalyseError::Queue(inner) => inner.into(),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(err: SettingsError) -> Self {
        match err {
            SettingsError::Invalid(_) => Self::bad_request(err.code(), err.to_string()),
            SettingsError::Catalog(inner) => inner.into(),
        }
    }
}

impl From<StatsError> for ApiError {
    fn from(err: StatsError) -> Self {
        match err {
            StatsError::Catalog(inner) => inner.into(),
            StatsError::Queue(inner) => inner.into(),
            StatsError::Search(inner) => inner.into(),
        }
    }
}

impl From<FaceError> for ApiError {
    fn from(err: FaceError) -> Self {
        match err {
            FaceError::Catalog(inner) => inner.into(),
            FaceError::Storage(inner) => inner.into(),
            FaceError::Vectors(inner) => inner.into(),
            FaceError::Queue(inner) => inner.into(),
            FaceError::Invalid { code: "collection-exists", .. } => {
                Self::new(StatusCode::CONFLICT, err.code(), err.to_string())
            }
            FaceError::Invalid { .. } => Self::bad_request(err.code(), err.to_string()),
            FaceError::Unprocessable { .. } => Self::new(StatusCode::UNPROCESSABLE_ENTITY, err.code(), err.to_string()),
            FaceError::Unavailable(_) => Self::new(StatusCode::SERVICE_UNAVAILABLE, err.code(), err.to_string()),
            FaceError::Model(_) => Self::internal(err.code(), &err),
        }
    }
}

impl From<IdentityError> for ApiError {
    fn from(err: IdentityError) -> Self {
        if let IdentityError::TooManyAttempts { retry_after_secs } = err {
            let mut api = Self::new(StatusCode::TOO_MANY_REQUESTS, err.code(), err.to_string());
            api.retry_after_secs = Some(retry_after_secs);
            return api;
        }
        let status = match &err {
            IdentityError::InvalidCredentials | IdentityError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            IdentityError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS, // handled above
            IdentityError::UserExists(_) | IdentityError::LastAdmin(_) => StatusCode::CONFLICT,
            IdentityError::NoSuchUser(_) => StatusCode::NOT_FOUND,
            IdentityError::WeakPassword(_) | IdentityError::InvalidInput(_) => StatusCode::BAD_REQUEST,
            IdentityError::Unavailable(_) => {
                tracing::error!(error = %err, "identity provider unavailable");
                return Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    err.code(),
                    "sign-in is unavailable, try again shortly",
                );
            }
            IdentityError::Other(_) => return Self::internal(err.code(), &err),
        };
        Self::new(status, err.code(), err.to_string())
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

    #[tokio::test]
    async fn not_found_keeps_its_message() {
        let err: ApiError = CatalogError::NotFound { what: "asset", id: "abc".into() }.into();
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.code(), "not-found");
    }
}
