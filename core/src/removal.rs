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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use bytes::Bytes;
    use mediaport_shared::{AnalysisKind, AssetType};

    use super::*;
    use crate::memory::{MemoryCatalog, MemoryQueue, MemorySearch, MemoryStorage, MemoryVectors};
    use crate::ports::catalog::NewAsset;
    use crate::ports::queue::{JobFilter, ObjectLocation, Task};
    use crate::ports::search::{AssetDocument, SearchRequest};
    use crate::search::query::Query;

    const PROXIES: &str = "proxy";

    #[derive(Default)]
    struct Ports {
        catalog: MemoryCatalog,
        queue: MemoryQueue,
        storage: MemoryStorage,
        search: MemorySearch,
        vectors: MemoryVectors,
    }

    impl Ports {
        fn removal(&self) -> Removal<'_> {
            Removal {
                catalog: &self.catalog,
                queue: &self.queue,
                storage: &self.storage,
                search: &self.search,
                vectors: &self.vectors,
                proxy_bucket: PROXIES,
            }
        }

        /// An asset as ingest and analysis leave it: listed, searchable, with proxies,
        /// sentence and face vectors.
        async fn analysed(&self, status: AssetStatus) -> Asset {
            let id: AssetId = crate::new_id();
            let new = NewAsset {
                key: format!("{id}/clip.mp4"),
                id: id.clone(),
                asset_type: AssetType::Video,
                filename: "clip.mp4".into(),
                size: 3,
                md5: None,
                group: None,
                attributes: BTreeMap::new(),
                bucket: "ingest".into(),
                status,
                ai_options: None,
            };
            let asset = self.catalog.create_asset(new).await.unwrap();
            self.storage.ensure_bucket(PROXIES).await.unwrap();
            for key in [crate::keys::faces(&id), format!("{}proxy.mp4", crate::keys::of_asset(&id))] {
                self.storage.put_object(PROXIES, &key, Bytes::from_static(b"made")).await.unwrap();
            }
            let vector = format!("{}0", crate::keys::of_asset(&id));
            for space in [semantic::SPACE, people::SPACE] {
                self.vectors.upsert(space, &vector, &[1.0, 0.0]).await.unwrap();
            }
            let document = AssetDocument {
                asset_id: id,
                filename: asset.filename.clone(),
                asset_type: asset.asset_type,
                group: None,
                attributes: BTreeMap::new(),
                thumbnail: None,
                created_at: asset.created_at.clone(),
                names: BTreeMap::from([(AnalysisKind::Label, Vec::new())]),
                sentences: Vec::new(),
            };
            self.search.upsert(document).await.unwrap();
            asset
        }

        async fn searchable(&self) -> u64 {
            self.search.search(&SearchRequest::new(Query::All)).await.unwrap().total
        }

        async fn remove_tasks(&self) -> Vec<Task> {
            let jobs = self.queue.list(&JobFilter::default(), 10).await.unwrap();
            jobs.into_iter().map(|j| j.task).filter(|t| matches!(t, Task::Remove { .. })).collect()
        }
    }

    #[tokio::test]
    async fn a_delete_unlists_at_once_and_queues_the_removal_of_what_was_made() {
        let ports = Ports::default();
        let asset = ports.analysed(AssetStatus::Ready).await;
        let other = ports.analysed(AssetStatus::Ready).await;
        let removed = ports.removal().delete(&asset.id, false).await.unwrap();
        assert_eq!(removed.id, asset.id);
        assert!(matches!(ports.catalog.get_asset(&asset.id).await, Err(CatalogError::NotFound { .. })));
        assert_eq!(ports.searchable().await, 1, "out of search before its job runs");
        assert!(ports.catalog.original_deleted(&asset.bucket, &asset.key).await.unwrap(), "its original is kept");
        assert_eq!(ports.remove_tasks().await, [Task::Remove { asset_id: asset.id.clone(), original: None }]);

        // The job: what was made from it goes, the other asset's stays.
        ports.removal().made_from(&asset.id).await.unwrap();
        let left = ports.storage.list_objects(PROXIES, "").await.unwrap();
        assert!(left.iter().all(|o| o.key.starts_with(&crate::keys::of_asset(&other.id))), "{left:?}");
        assert_eq!(left.len(), 2);
        for space in [semantic::SPACE, people::SPACE] {
            assert_eq!(ports.vectors.count(space).await.unwrap(), 1, "{space}");
        }
        // Running it again (a retried job) finds nothing more to do.
        ports.removal().made_from(&asset.id).await.unwrap();
    }

    #[tokio::test]
    async fn a_purge_takes_the_original_with_it() {
        let ports = Ports::default();
        let asset = ports.analysed(AssetStatus::Failed).await;
        ports.removal().delete(&asset.id, true).await.unwrap();
        let original = ObjectLocation { bucket: asset.bucket.clone(), key: asset.key.clone() };
        assert_eq!(ports.remove_tasks().await, [Task::Remove { asset_id: asset.id.clone(), original: Some(original) }]);
        assert!(!ports.catalog.original_deleted(&asset.bucket, &asset.key).await.unwrap());
    }

    #[tokio::test]
    async fn an_asset_being_uploaded_or_unknown_is_refused_and_nothing_changes() {
        let ports = Ports::default();
        let uploading = ports.analysed(AssetStatus::Uploading).await;
        let refused = ports.removal().delete(&uploading.id, true).await.unwrap_err();
        assert_eq!((refused.code(), refused.kind()), ("asset-uploading", ErrorKind::Conflict));
        assert_eq!(ports.catalog.get_asset(&uploading.id).await.unwrap().status, AssetStatus::Uploading);
        assert_eq!(ports.searchable().await, 1);
        assert!(ports.remove_tasks().await.is_empty());

        let unknown = ports.removal().delete(&"nobody".into(), false).await.unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::NotFound);
        assert!(ports.remove_tasks().await.is_empty());
    }
}
