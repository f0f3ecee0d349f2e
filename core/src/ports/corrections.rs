use async_trait::async_trait;
use mediaport_shared::{AssetId, CorrectionEntry, CorrectionId};

use super::catalog::CatalogError;

/// Reviewers' corrections to assets' results, kept as the assets' audit trail: a
/// correction is never changed or removed, only marked undone (it goes with its asset).
#[async_trait]
pub trait CorrectionLog: Send + Sync {
    /// Records a correction as given (its id, author and time chosen by the caller);
    /// `NotFound` when its asset does not exist.
    async fn add_correction(&self, entry: &CorrectionEntry) -> Result<CorrectionEntry, CatalogError>;
    /// Every correction of an asset, undone ones too, oldest first.
    async fn corrections(&self, asset_id: &AssetId) -> Result<Vec<CorrectionEntry>, CatalogError>;
    /// Marks a correction undone by `by` at `at`; `NotFound` when the asset has no such
    /// correction, `Conflict` when it was undone already.
    async fn undo_correction(
        &self,
        asset_id: &AssetId,
        id: &CorrectionId,
        by: &str,
        at: &str,
    ) -> Result<CorrectionEntry, CatalogError>;
}
