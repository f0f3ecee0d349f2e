//! Deleting an asset (`DELETE /api/assets/{id}`). The request takes it out of search and
//! the catalog at once; a `remove` job then deletes what was made from it (its proxies and
//! results, thousands of objects for a long film: more than a request should wait for),
//! its vectors, and with a purge its original, which otherwise stays in the ingest bucket.
//! The job is queued first and waits until the record is gone, so a delete cut short
//! leaves the asset whole and listed, and deleting it again finishes.

use mediaport_shared::{Asset, AssetId, AssetStatus};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError};
use crate::ports::queue::{Queue, QueueError};
use crate::ports::search::{SearchError, SearchIndex};
use crate::ports::storage::{Storage, StorageError};
use crate::ports::vectors::{VectorError, VectorIndex};
use crate::search::semantic;
use crate::{people, workflow};

#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("the asset is still being uploaded: abort its upload instead")]
    Uploading,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl ServiceError for RemoveError {
    fn code(&self) -> &'static str {
        match self {
            Self::Uploading => "asset-uploading",
            Self::Catalog(err) => err.code(),
            Self::Storage(err) => err.code(),
            Self::Search(err) => err.code(),
            Self::Vectors(err) => err.code(),
            Self::Queue(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Uploading => ErrorKind::Conflict,
            Self::Catalog(err) => err.kind(),
            Self::Storage(err) => err.kind(),
            Self::Search(err) => err.kind(),
            Self::Vectors(err) => err.kind(),
            Self::Queue(err) => err.kind(),
        }
    }
}

/// The ports an asset lives in.
pub struct Removal<'a> {
    pub catalog: &'a dyn Catalog,
    pub queue: &'a dyn Queue,
    pub storage: &'a dyn Storage,
    pub search: &'a dyn SearchIndex,
    pub vectors: &'a dyn VectorIndex,
    pub proxy_bucket: &'a str,
}

impl Removal<'_> {
    /// Deletes the asset and everything made from it; with `purge`, its original too.
    /// Returns the asset as it was.
    pub async fn delete(&self, asset_id: &AssetId, purge: bool) -> Result<Asset, RemoveError> {
        let asset = self.catalog.get_asset(asset_id).await?;
        if asset.status == AssetStatus::Uploading {
            return Err(RemoveError::Uploading);
        }
        let original = purge.then_some((asset.bucket.as_str(), asset.key.as_str()));
        self.queue.enqueue(workflow::remove_job(asset_id, original)).await?;
        self.catalog.delete_asset(asset_id, !purge).await?;
        // Out of search at once; the job removes it again if this fails.
        if let Err(err) = self.search.remove(asset_id).await {
            tracing::warn!(asset = %asset_id, error = %err, "cannot take a deleted asset out of search");
        }
        Ok(asset)
    }

    /// Removes what was made from an asset: its search entry, its sentences' and faces'
    /// vectors, and every object under its name in the proxy bucket.
    pub async fn made_from(&self, asset_id: &AssetId) -> Result<(), RemoveError> {
        self.search.remove(asset_id).await?;
        let prefix = crate::keys::of_asset(asset_id);
        for space in [semantic::SPACE, people::SPACE] {
            self.vectors.remove_prefix(space, &prefix).await?;
        }
        let objects = self.storage.list_objects(self.proxy_bucket, &prefix).await?;
        let keys: Vec<String> = objects.into_iter().map(|o| o.key).collect();
        Ok(self.storage.delete_objects(self.proxy_bucket, &keys).await?)
    }
}
