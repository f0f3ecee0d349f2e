use async_trait::async_trait;
use mediaport_shared::{Share, ShareId, ShareView};

use super::catalog::CatalogError;

/// Moments shared through secret links, and each opening of them; they go with their asset.
#[async_trait]
pub trait ShareLog: Send + Sync {
    /// Records a share and the hash of its link's secret; `NotFound` when its asset does
    /// not exist.
    async fn add_share(&self, share: &Share, secret_hash: &str) -> Result<Share, CatalogError>;
    /// One share with the hash of its secret, or `NotFound`.
    async fn share(&self, id: &ShareId) -> Result<(Share, String), CatalogError>;
    /// Shares, newest first: everyone's, or those `created_by` made.
    async fn shares(&self, created_by: Option<&str>) -> Result<Vec<Share>, CatalogError>;
    /// Marks a share revoked by `by` at `at`; `NotFound`, or `Conflict` when it was already.
    async fn revoke_share(&self, id: &ShareId, by: &str, at: &str) -> Result<Share, CatalogError>;
    /// Logs one opening of a share's link.
    async fn record_view(&self, id: &ShareId, view: &ShareView) -> Result<(), CatalogError>;
    /// A share's openings, newest first.
    async fn share_views(&self, id: &ShareId) -> Result<Vec<ShareView>, CatalogError>;
}
