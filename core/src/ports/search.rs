use std::collections::BTreeMap;
use std::pin::Pin;

use async_trait::async_trait;
use futures_core::Stream;
use mediaport_shared::{AnalysisKind, AssetType, Timecode};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, ServiceError};
use crate::search::query::Query;

/// Failures of the search index, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index is unavailable: {0}")]
    Unavailable(String),
    #[error("search index error: {0}")]
    Other(String),
}

impl ServiceError for SearchError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "search-unavailable",
            Self::Other(_) => "search-error",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Other(_) => ErrorKind::Internal,
        }
    }
}

/// What the index holds of one asset: its card and every name its analyses found, with
/// the times (or pages) each occurs at. Built from the catalog and the stored timelines,
/// which stay the truth: the index can always be rebuilt from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetDocument {
    pub asset_id: mediaport_shared::AssetId,
    pub filename: String,
    pub asset_type: AssetType,
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
    /// Key of the thumbnail in the proxy bucket.
    pub thumbnail: Option<String>,
    /// RFC 3339 time the asset was registered.
    pub created_at: String,
    pub names: BTreeMap<AnalysisKind, Vec<IndexedName>>,
    /// The sentences whose embeddings are in the `sentences` vector space, in the order
    /// of their ids (`<asset>/<n>`): a semantic hit is shown with its sentence and moment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<IndexedSentence>,
}

/// A sentence said or shown (`transcript`, `text`) and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedSentence {
    pub kind: AnalysisKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timecodes: Vec<Timecode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
}

/// One name (a label, a line of text, a stretch of speech, a person) and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedName {
    pub name: String,
    pub confidence: f32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timecodes: Vec<Timecode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
}

/// A search as the API received it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub query: Query,
    /// Only assets of these types (any when empty).
    pub types: Vec<AssetType>,
    /// Only matches of these kinds count (any when empty).
    pub kinds: Vec<AnalysisKind>,
    pub group: Option<String>,
    /// Only moments overlapping this window count.
    pub from_ms: Option<u64>,
    pub to_ms: Option<u64>,
    pub page_size: usize,
    /// Hits to skip: the page's start.
    pub offset: usize,
}

impl SearchRequest {
    /// The first page of 20 for a query, with no filters.
    pub fn new(query: Query) -> Self {
        Self { query, types: vec![], kinds: vec![], group: None, from_ms: None, to_ms: None, page_size: 20, offset: 0 }
    }
}

/// The facets every search counts over all that match, each with its most frequent
/// values: the same on every index.
pub const FACETS: [&str; 5] = ["type", "label", "face", "group", "keyphrase"];
/// Values per facet returned, most frequent first.
pub const FACET_VALUES: usize = 20;

/// A facet's FACET_VALUES most frequent values and their counts; ties go to the value
/// first by name. Every index adapter ranks them so.
pub fn most_frequent(counts: impl IntoIterator<Item = (String, u64)>) -> BTreeMap<String, u64> {
    let mut values: Vec<(String, u64)> = counts.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    values.truncate(FACET_VALUES);
    values.into_iter().collect()
}

/// The facet whose values are the names of `kind`, if any.
pub fn facet_of(kind: AnalysisKind) -> Option<&'static str> {
    match kind {
        AnalysisKind::Label => Some("label"),
        AnalysisKind::FaceMatch => Some("face"),
        AnalysisKind::Keyphrase => Some("keyphrase"),
        _ => None,
    }
}

/// A page of assets that match, best first (with their scores), as indexed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPage {
    pub total: u64,
    pub hits: Vec<(f32, AssetDocument)>,
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Documents a rebuild hands over at once (about 40 MB at the sizes seen): a batch of
/// [`SearchIndex::upsert_batches`], or one request of an index that sends them away.
pub const BULK_DOCUMENTS: usize = 5_000;

/// Batches of documents as a rebuild makes them, for [`SearchIndex::upsert_batches`].
pub type DocumentBatches = Pin<Box<dyn Stream<Item = Vec<AssetDocument>> + Send>>;

/// Where reviewers find things. The index is never the only copy of anything.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Adds an asset's document, replacing any earlier one of the same asset.
    async fn upsert(&self, document: AssetDocument) -> Result<(), SearchError>;
    /// Adds many assets' documents at once (a rebuild), each replacing its asset's earlier one.
    async fn upsert_many(&self, documents: Vec<AssetDocument>) -> Result<(), SearchError> {
        for document in documents {
            self.upsert(document).await?;
        }
        Ok(())
    }
    /// Indexes a rebuild's documents batch by batch as they arrive, until `batches` closes,
    /// each replacing its asset's earlier one. What is indexed becomes searchable as the
    /// rebuild goes, all of it by the end. Indexes that build faster keeping one writer
    /// for the whole rebuild do so.
    async fn upsert_batches(&self, mut batches: DocumentBatches) -> Result<(), SearchError> {
        while let Some(batch) = std::future::poll_fn(|cx| batches.as_mut().poll_next(cx)).await {
            self.upsert_many(batch).await?;
        }
        Ok(())
    }
    /// Removes an asset; removing one that is not there is not an error.
    async fn remove(&self, asset_id: &mediaport_shared::AssetId) -> Result<(), SearchError>;
    /// Removes every asset (before a rebuild).
    async fn clear(&self) -> Result<(), SearchError>;
    /// The page of assets matching, best first, and the facet counts of all that match.
    async fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError>;
    /// Whether the index was made empty when opened (an earlier version's, whose fields
    /// differ) and wants every asset indexed again.
    fn needs_rebuild(&self) -> bool {
        false
    }
}
