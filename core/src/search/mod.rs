//! Search: the query language, the document each asset becomes in the index, and which of
//! its names a query hit. The index itself is a port (`ports::search`).

pub mod document;
pub mod matches;
pub mod query;
pub mod scenes;
pub mod semantic;

use std::collections::BTreeMap;

use mediaport_shared::{SearchHit, SearchMatch, SearchResults};

use self::query::Query;
use self::semantic::Mode;
use crate::error::{ErrorKind, ServiceError};
use crate::ports::search::{AssetDocument, SearchError, SearchIndex, SearchRequest};
use crate::ports::vectors::{SentenceEncoder, VectorIndex};

/// Highlights per hit.
const HIGHLIGHTS: usize = 5;

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error("searching by meaning needs whole words outside fields (field:value and prefix* only match as written)")]
    NoWords,
    /// Searching by meaning needs the sentence model, and this process has none.
    #[error("searching by meaning is unavailable: {0}")]
    NoMeaning(String),
    #[error(transparent)]
    Search(#[from] SearchError),
}

impl ServiceError for FindError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoWords => "query-no-words",
            Self::NoMeaning(_) => "semantic-unavailable",
            Self::Search(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NoWords => ErrorKind::Invalid,
            Self::NoMeaning(_) => ErrorKind::Unavailable,
            Self::Search(err) => err.kind(),
        }
    }
}

/// Runs a search with its free words read as `mode` says: as words, for their meaning
/// (read by `encoder`, the sentence model, where this process has it), or both. Without
/// free words, `both` searches by words alone.
pub async fn find(
    index: &dyn SearchIndex,
    vectors: &dyn VectorIndex,
    encoder: Option<&dyn SentenceEncoder>,
    request: &SearchRequest,
    mode: Mode,
) -> Result<SearchResults, FindError> {
    let text = request.query.free_text();
    match mode {
        Mode::Meaning if text.is_empty() => Err(FindError::NoWords),
        Mode::Words => Ok(run(index, request).await?),
        Mode::Both if text.is_empty() => Ok(run(index, request).await?),
        mode => {
            let encoder = encoder.ok_or_else(|| FindError::NoMeaning("this server has no sentence model".into()))?;
            let vector = encoder.encode(&text).await.map_err(|e| FindError::NoMeaning(e.0))?;
            Ok(semantic::run(index, vectors, &vector, request, mode).await?)
        }
    }
}

/// Runs a search: the index's page of assets, each with the names the query hit and their
/// moments. A hit's `thumbnail` is the thumbnail's key in the proxy bucket.
pub async fn run(index: &dyn SearchIndex, request: &SearchRequest) -> Result<SearchResults, SearchError> {
    let page = index.search(request).await?;
    let windowed = request.from_ms.is_some() || request.to_ms.is_some();
    let hits = page
        .hits
        .into_iter()
        .filter_map(|(score, document)| {
            let found = matches::matches(&document, request);
            // In a time window, an asset counts only where something matched inside it.
            if windowed && found.is_empty() && request.query != Query::All {
                return None;
            }
            Some(hit(score, document, found, &request.query))
        })
        .collect();
    Ok(results(page.total, page.facets, hits, request))
}

/// A hit: the asset's card, what matched, and the words of `query` it hit in bold.
fn hit(score: f32, document: AssetDocument, found: Vec<SearchMatch>, query: &Query) -> SearchHit {
    let highlights = found.iter().filter_map(|m| matches::highlight(&m.name, query)).take(HIGHLIGHTS).collect();
    SearchHit {
        asset_id: document.asset_id,
        filename: document.filename,
        asset_type: document.asset_type,
        score,
        thumbnail: document.thumbnail,
        highlights,
        matches: found,
    }
}

/// A page of hits with its facets and the cursor of the next page.
fn results(
    total: u64,
    facets: BTreeMap<String, BTreeMap<String, u64>>,
    hits: Vec<SearchHit>,
    request: &SearchRequest,
) -> SearchResults {
    let next = request.offset + request.page_size;
    let next_cursor = (next < total as usize).then(|| next.to_string());
    SearchResults { total, hits, facets, next_cursor }
}
