//! Workflow jobs as the API shows them: which stage of which asset, and how it went.

use serde::{Deserialize, Serialize};

/// One job: a stage of an asset's workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobInfo {
    pub id: crate::JobId,
    pub asset_id: Option<crate::AssetId>,
    /// The workflow stage, e.g. `ingest`.
    pub stage: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: u32,
    pub max_attempts: u32,
    /// The step a running job is on (`fixity`, `metadata`, `proxies`, `frames`...).
    #[serde(default)]
    pub step: Option<String>,
    /// Why the last try failed.
    pub error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// `GET /api/jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobList {
    pub items: Vec<JobInfo>,
}
