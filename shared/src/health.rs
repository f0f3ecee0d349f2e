use serde::{Deserialize, Serialize};

/// `GET /healthz`: the server and the services it depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when every dependency answered, `degraded` otherwise.
    pub status: String,
    /// Server version.
    pub version: String,
    /// `ok`, or the error code of the catalog check.
    pub catalog: String,
    /// `ok`, or the error code of the storage check.
    pub storage: String,
}
