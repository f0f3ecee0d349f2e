use std::collections::BTreeMap;

use async_trait::async_trait;
use mediaport_shared::codes;
use mediaport_shared::{
    AiOptions, AnalysisSummaries, Asset, AssetId, AssetStatus, AssetType, IngestOutputs, Technical, UploadId,
};

use super::corrections::CorrectionLog;
use super::notes::NoteLog;
use super::shares::ShareLog;
use crate::error::{ErrorKind, ServiceError};

/// Failures of the catalog, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{0} already exists")]
    Conflict(String),
    #[error("catalog is unavailable: {0}")]
    Unavailable(String),
    /// The database's disk has no room left.
    #[error("catalog is full: {0}")]
    Full(String),
    #[error("catalog error: {0}")]
    Other(String),
}

impl ServiceError for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => codes::NOT_FOUND,
            Self::Conflict(_) => "conflict",
            Self::Unavailable(_) => "catalog-unavailable",
            Self::Full(_) => "catalog-full",
            Self::Other(_) => "catalog-error",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Full(_) => ErrorKind::Full,
            Self::Other(_) => ErrorKind::Internal,
        }
    }
}

/// What it takes to register an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAsset {
    /// Chosen by the caller (see [`crate::new_id`]) so that storage keys can hold it.
    pub id: AssetId,
    pub asset_type: AssetType,
    pub filename: String,
    pub size: u64,
    pub md5: Option<String>,
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub bucket: String,
    pub key: String,
    pub status: AssetStatus,
    pub ai_options: Option<AiOptions>,
}

/// Where a multipart upload through the API stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    Open,
    /// A completion is running; a second one is refused.
    Completing,
    Completed,
    Aborted,
}

impl UploadState {
    pub const ALL: [UploadState; 4] = [Self::Open, Self::Completing, Self::Completed, Self::Aborted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Completing => "completing",
            Self::Completed => "completed",
            Self::Aborted => "aborted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A multipart upload the API started, and the storage upload behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: UploadId,
    pub asset_id: AssetId,
    pub bucket: String,
    pub key: String,
    pub storage_upload_id: String,
    pub size: u64,
    pub part_size: u64,
    pub part_count: u32,
    pub md5: Option<String>,
    pub created_by: String,
    pub state: UploadState,
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: String,
}

/// What a finished ingest records on its asset.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestRecord {
    pub sha256: String,
    /// The MD5 ingest computed; kept only where the uploader sent none.
    pub md5: String,
    pub technical: Technical,
    pub outputs: IngestOutputs,
    /// Where the asset goes next (`analysing`, or `ready` when nothing is to analyse).
    pub status: AssetStatus,
}

/// Which assets a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub asset_type: Option<AssetType>,
    pub status: Option<AssetStatus>,
}

/// The catalog's part of the archive's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogStats {
    /// (type, status, assets, bytes of their originals) for each pair that has assets.
    pub groups: Vec<(AssetType, AssetStatus, u64, u64)>,
    /// Milliseconds of media over the assets whose analysis has run.
    pub analysed_ms: u64,
    /// Bytes made from the originals, as last measured for each asset.
    pub proxy_bytes: u64,
    /// Assets added per day (`YYYY-MM-DD`, UTC) since the day asked for, days with none left out.
    pub added: BTreeMap<String, u64>,
}

/// The system of record: assets, analysis records, users and settings, and what
/// reviewers made of assets (corrections to their results, notes, shared moments).
#[async_trait]
pub trait Catalog: CorrectionLog + NoteLog + ShareLog + Send + Sync {
    /// Answers `Ok` when the catalog can serve queries.
    async fn ping(&self) -> Result<(), CatalogError>;
    /// The id this catalog was given when it was first created; stable across restarts.
    async fn instance_id(&self) -> Result<String, CatalogError>;
    /// Registers an asset and returns it with its creation time; `Conflict` when its object is registered.
    async fn create_asset(&self, asset: NewAsset) -> Result<Asset, CatalogError>;
    /// The asset whose original is `bucket`/`key`, if one is registered.
    async fn find_asset_by_object(&self, bucket: &str, key: &str) -> Result<Option<Asset>, CatalogError>;
    /// Registers an asset (status `uploading`) and its upload together, or neither.
    async fn create_upload(&self, asset: NewAsset, upload: UploadRecord)
    -> Result<(Asset, UploadRecord), CatalogError>;
    /// One upload by id, or `NotFound`.
    async fn get_upload(&self, id: &UploadId) -> Result<UploadRecord, CatalogError>;
    /// Moves an upload from `from` to `to`; `false` when it was not in `from` (someone else moved it).
    async fn move_upload(&self, id: &UploadId, from: UploadState, to: UploadState) -> Result<bool, CatalogError>;
    /// Marks a completing upload completed and sets its asset's status and MD5, together.
    async fn finish_upload(&self, id: &UploadId, status: AssetStatus, md5: Option<&str>)
    -> Result<Asset, CatalogError>;
    /// Marks an upload aborted and removes its asset if that is still `uploading`, together.
    async fn abort_upload(&self, id: &UploadId) -> Result<(), CatalogError>;
    /// Uploads still open or completing that were created before `before` (RFC 3339).
    async fn stale_uploads(&self, before: &str) -> Result<Vec<UploadRecord>, CatalogError>;
    /// Sets an asset's status and failure reason (`None` clears it); `NotFound` for an unknown id.
    async fn set_asset_status(
        &self,
        id: &AssetId,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError>;
    /// Stores ingest's results on the asset and moves it on, clearing any earlier failure.
    async fn record_ingest(&self, id: &AssetId, ingest: &IngestRecord) -> Result<Asset, CatalogError>;
    /// Stores how each kind of analysis went and moves the asset on (`ready`, or `failed`
    /// with `error`); `NotFound` for an unknown id.
    async fn record_analysis(
        &self,
        id: &AssetId,
        analysis: &AnalysisSummaries,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError>;
    /// One asset by id, or `NotFound`.
    async fn get_asset(&self, id: &AssetId) -> Result<Asset, CatalogError>;
    /// Removes an asset's record with what hangs off it: its appearances, the "not this
    /// person" notes on them, and the people left with no appearance. With
    /// `original_kept`, its original (left in its bucket) is remembered as deleted.
    async fn delete_asset(&self, id: &AssetId, original_kept: bool) -> Result<(), CatalogError>;
    /// Whether the object was the original of an asset since deleted (the bucket scan
    /// leaves it alone).
    async fn original_deleted(&self, bucket: &str, key: &str) -> Result<bool, CatalogError>;
    /// Sets an asset's analysis options and sends it back to `analysing`, its failure
    /// reason cleared; `Conflict` unless it is `ready`, or `failed` after ingest finished.
    async fn reanalyse(&self, id: &AssetId, options: &AiOptions) -> Result<Asset, CatalogError>;
    /// Records how many bytes the proxy bucket holds for an asset (measured after a stage).
    async fn set_proxy_bytes(&self, id: &AssetId, bytes: u64) -> Result<(), CatalogError>;
    /// Counts over every asset, with additions per day since `since_day` (`YYYY-MM-DD`).
    async fn stats(&self, since_day: &str) -> Result<CatalogStats, CatalogError>;
    /// A setting saved at run time (JSON), if one is.
    async fn setting(&self, name: &str) -> Result<Option<String>, CatalogError>;
    /// Saves a setting (JSON), replacing the one saved before.
    async fn save_setting(&self, name: &str, value: &str) -> Result<(), CatalogError>;
    /// Assets matching `filter`, newest first, at most `limit`, starting after the asset id `after`.
    async fn list_assets(
        &self,
        filter: &AssetFilter,
        limit: u32,
        after: Option<&AssetId>,
    ) -> Result<Vec<Asset>, CatalogError>;
}
