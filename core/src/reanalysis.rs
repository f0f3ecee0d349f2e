//! Analysing an asset again (`POST /api/assets/{id}/analysis`), with options laid over
//! the ones it was analysed with. The analysis job replaces the old results at once when
//! it ends: until then the asset shows what it had.

use mediaport_shared::{AiOptions, Asset, AssetId, OptionError};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError};
use crate::ports::queue::{Queue, QueueError};
use crate::workflow;

#[derive(Debug, thiserror::Error)]
pub enum ReanalyseError {
    #[error("{0}")]
    Invalid(OptionError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl ServiceError for ReanalyseError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid-ai-options",
            Self::Catalog(CatalogError::Conflict(_)) => "not-analysable",
            Self::Catalog(err) => err.code(),
            Self::Queue(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::Catalog(err) => err.kind(),
            Self::Queue(err) => err.kind(),
        }
    }
}

/// Queues the analysis of `asset_id` again with `options` over its own; returns the asset,
/// now `analysing`. If the queue cannot be reached after the record changed, the sweep
/// that resumes unfinished stages queues the job.
pub async fn reanalyse(
    catalog: &dyn Catalog,
    queue: &dyn Queue,
    asset_id: &AssetId,
    options: Option<AiOptions>,
) -> Result<Asset, ReanalyseError> {
    let options = options.unwrap_or_default();
    options.check().map_err(ReanalyseError::Invalid)?;
    let asset = catalog.get_asset(asset_id).await?;
    let merged = options.over(&asset.ai_options.unwrap_or_default());
    let asset = catalog.reanalyse(asset_id, &merged).await?;
    queue.enqueue(workflow::reanalyse_job(asset_id)).await?;
    Ok(asset)
}
