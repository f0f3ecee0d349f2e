use serde::{Deserialize, Serialize};

/// The body of every error response: a stable kebab-case code and a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not-found`.
    pub code: String,
    /// Human-readable explanation, safe to show to a user.
    pub message: String,
}
