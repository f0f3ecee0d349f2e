//! Keeps the search index in step with the catalog: after each stage an asset's document
//! is made again from its record and its stored timelines, which stay the truth, so the
//! whole index can be rebuilt from them (`mediaport reindex`).

use std::sync::Arc;

use mediaport_core::search::document::document;
use mediaport_core::{AssetDocument, AssetFilter, Catalog, CatalogError, SearchIndex, Storage};
use mediaport_shared::{AnalysisStatus, Asset, Timeline};

/// Assets read from the catalog per page while rebuilding.
const PAGE: u32 = 200;

#[derive(Clone)]
pub struct Indexer {
    pub catalog: Arc<dyn Catalog>,
    pub storage: Arc<dyn Storage>,
    pub proxy_bucket: String,
    pub search: Arc<dyn SearchIndex>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0}")]
    Catalog(#[from] CatalogError),
    #[error("{0}")]
    Search(#[from] mediaport_core::SearchError),
}

impl Indexer {
    /// Indexes an asset as the catalog has it now; an asset gone from the catalog leaves
    /// the index too.
    pub async fn index(&self, asset_id: &str) -> Result<(), IndexError> {
        match self.catalog.get_asset(asset_id).await {
            Ok(asset) => self.index_asset(&asset).await,
            Err(CatalogError::NotFound { .. }) => Ok(self.search.remove(asset_id).await?),
            Err(err) => Err(err.into()),
        }
    }

    /// Indexes `asset` as given (its analysis summaries say which timelines to read).
    pub async fn index_asset(&self, asset: &Asset) -> Result<(), IndexError> {
        Ok(self.search.upsert(self.document(asset).await).await?)
    }

    /// The asset's document, from its record and its stored timelines.
    async fn document(&self, asset: &Asset) -> AssetDocument {
        let mut timelines = Vec::new();
        for (kind, summary) in &asset.analysis {
            let Some(key) = summary.key.as_ref().filter(|_| summary.status == AnalysisStatus::Done) else { continue };
            // A timeline that cannot be read is left out, not the asset: the others still find it.
            match self.storage.get_object(&self.proxy_bucket, key).await {
                Ok(body) => match serde_json::from_slice::<Timeline>(&body) {
                    Ok(timeline) => timelines.push(timeline),
                    Err(err) => {
                        tracing::warn!(asset = asset.id, kind = kind.as_str(), error = %err, "timeline unreadable");
                    }
                },
                Err(err) => tracing::warn!(asset = asset.id, kind = kind.as_str(), error = %err, "timeline missing"),
            }
        }
        document(asset, timelines)
    }

    /// Empties the index and indexes every asset of the catalog again; returns how many.
    pub async fn rebuild(&self) -> Result<usize, IndexError> {
        self.search.clear().await?;
        let (mut done, mut cursor) = (0, None::<String>);
        loop {
            let page = self.catalog.list_assets(&AssetFilter::default(), PAGE, cursor.as_deref()).await?;
            let mut documents = Vec::with_capacity(page.len());
            for asset in &page {
                documents.push(self.document(asset).await);
            }
            self.search.upsert_many(documents).await?;
            done += page.len();
            match page.last() {
                Some(last) if page.len() == PAGE as usize => cursor = Some(last.id.clone()),
                _ => return Ok(done),
            }
        }
    }
}
