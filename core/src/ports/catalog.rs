use std::collections::BTreeMap;

use async_trait::async_trait;
use mediaport_shared::{Asset, AssetStatus, AssetType};

/// Failures of the catalog, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{0} already exists")]
    Conflict(String),
    #[error("catalog is unavailable: {0}")]
    Unavailable(String),
    #[error("catalog error: {0}")]
    Other(String),
}

impl CatalogError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not-found",
            Self::Conflict(_) => "conflict",
            Self::Unavailable(_) => "catalog-unavailable",
            Self::Other(_) => "catalog-error",
        }
    }
}

/// What it takes to register an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAsset {
    pub asset_type: AssetType,
    pub filename: String,
    pub size: u64,
    pub md5: Option<String>,
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub bucket: String,
    pub key: String,
    pub status: AssetStatus,
}

/// Which assets a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub asset_type: Option<AssetType>,
    pub status: Option<AssetStatus>,
}

/// The system of record: assets, analysis records, users and settings.
#[async_trait]
pub trait Catalog: Send + Sync {
    /// Answers `Ok` when the catalog can serve queries.
    async fn ping(&self) -> Result<(), CatalogError>;
    /// The id this catalog was given when it was first created; stable across restarts.
    async fn instance_id(&self) -> Result<String, CatalogError>;
    /// Registers an asset and returns it with its new id and creation time.
    async fn create_asset(&self, asset: NewAsset) -> Result<Asset, CatalogError>;
    /// One asset by id, or `NotFound`.
    async fn get_asset(&self, id: &str) -> Result<Asset, CatalogError>;
    /// Assets matching `filter`, newest first, at most `limit`, starting after the asset id `after`.
    async fn list_assets(
        &self,
        filter: &AssetFilter,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Vec<Asset>, CatalogError>;
}
