//! What a job reports as it runs: how it stopped, and which step it is on.

use mediaport_core::{CatalogError, StorageError};

use crate::tools::ToolError;

/// Why a job (ingest, analysis, relabelling, removal) stopped: the worker fails the asset
/// or tries again later, by which of the two it is.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The file itself is the problem: the asset fails with this reason; retrying cannot help.
    #[error("{0}")]
    Media(String),
    /// Not the file's fault, but trying again cannot help (a notification's receiver said
    /// no): the job fails, the asset is left as it is.
    #[error("{0}")]
    Refused(String),
    /// Something around the file (storage, catalog, disk, a missing tool): try again later.
    #[error("{0}")]
    Transient(String),
    /// Not an error: the job waits on something slow outside (an archived original's
    /// restore). It goes back to the queue for `wait` without holding a worker or
    /// spending a try.
    #[error("{why}")]
    Waiting { why: String, wait: std::time::Duration },
}

impl JobError {
    pub(crate) fn media(stage: &str, err: impl std::fmt::Display) -> Self {
        Self::Media(format!("{stage}: {err}"))
    }

    pub(crate) fn from_tool(stage: &str, err: ToolError) -> Self {
        match err {
            ToolError::Failed { .. } | ToolError::Timeout { .. } | ToolError::TooMuchOutput { .. } => {
                Self::media(stage, err)
            }
            ToolError::Missing { .. } | ToolError::Io { .. } | ToolError::Killed { .. } => {
                Self::Transient(format!("{stage}: {err}"))
            }
        }
    }
}

impl From<StorageError> for JobError {
    fn from(err: StorageError) -> Self {
        Self::Transient(err.to_string())
    }
}

impl From<CatalogError> for JobError {
    fn from(err: CatalogError) -> Self {
        Self::Transient(err.to_string())
    }
}

/// Where a running job says which step it is on, for people watching.
#[async_trait::async_trait]
pub trait Progress: Send + Sync {
    async fn step(&self, name: &str);
}

/// Progress nobody watches (tests, benchmarks).
#[derive(Debug)]
pub struct Unwatched;

#[async_trait::async_trait]
impl Progress for Unwatched {
    async fn step(&self, _name: &str) {}
}
