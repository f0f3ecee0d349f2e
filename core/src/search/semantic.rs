//! Search by meaning: the query's free words, read by the sentence model, are looked for
//! among the sentences said or shown in the archive (the `sentences` vector space), and the
//! assets of the nearest are searched with the query's other conditions: instead of the
//! words, or beside them.

use mediaport_shared::{AssetId, SearchMatch, SearchResults};

use super::matches::{self, moments};
use super::query::Query;
use crate::ports::search::{AssetDocument, SearchError, SearchIndex, SearchRequest};
use crate::ports::vectors::{VectorError, VectorIndex};

/// The vector space of sentences; ids are `<asset>/<n>`, `n` the sentence's place in the
/// asset's document.
pub const SPACE: &str = "sentences";
/// Sentences nearer than this count. The vectors have length one, so distance² is
/// 2 - 2 cos: this keeps sentences with a cosine above 0.15. A short, loose query scores
/// low even on what it means ("a man talking about rain" and a spoken forecast: 0.21),
/// while unrelated sentences score around 0 (a recipe: -0.04).
const WITHIN: f32 = 1.304;
/// Of what is near, assets whose nearest sentence scores under this share of the best
/// asset's are left out: they are near only as any sentence is.
const OF_BEST: f32 = 0.5;
/// Sentences read from the space per search: many, so that the assets a filter (a type,
/// a label) keeps are not crowded out by long transcripts' sentences.
const NEIGHBOURS: usize = 2000;
/// Assets a search by meaning may find.
const MAX_ASSETS: usize = 100;
/// What an asset's nearest sentence adds to its score, times its cosine: a close sentence
/// (0.5) weighs about as much as a word found in one of its names.
const WEIGHT: f32 = 4.0;
/// Sentences shown per hit.
const MAX_SENTENCES: usize = 5;

/// How a search reads its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As words: the query language only.
    Words,
    /// For their meaning only.
    Meaning,
    /// Either: assets the words find, and assets near their meaning.
    Both,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "words" => Some(Self::Words),
            "meaning" => Some(Self::Meaning),
            "both" => Some(Self::Both),
            _ => None,
        }
    }
}

/// The assets with sentences near `vector`, nearest first, each with its sentences'
/// places and cosines, nearest first.
async fn near(vectors: &dyn VectorIndex, vector: &[f32]) -> Result<Vec<(AssetId, Vec<(usize, f32)>)>, SearchError> {
    let found = vectors.nearest(SPACE, vector, NEIGHBOURS, Some(WITHIN)).await.map_err(|e| match e {
        // Worth trying again; a wrong vector length (a model changed under the
        // archive) is not, until it is reindexed.
        VectorError::Unavailable(reason) => SearchError::Unavailable(reason),
        other => SearchError::Other(other.to_string()),
    })?;
    let best = found.first().map_or(0.0, |n| cosine(n.distance));
    let mut assets: Vec<(AssetId, Vec<(usize, f32)>)> = Vec::new();
    for neighbour in found {
        let Some((asset, n)) = crate::keys::of_vector(&neighbour.id) else { continue };
        let cosine = cosine(neighbour.distance);
        match assets.iter().position(|(a, _)| *a == asset) {
            Some(at) if assets[at].1.len() < MAX_SENTENCES => assets[at].1.push((n, cosine)),
            Some(_) => {}
            None if assets.len() < MAX_ASSETS && cosine >= best * OF_BEST => {
                assets.push((asset, vec![(n, cosine)]));
            }
            None => {}
        }
    }
    Ok(assets)
}

/// The cosine of two unit vectors this far apart.
fn cosine(distance: f32) -> f32 {
    1.0 - distance * distance / 2.0
}

/// Runs a search whose free words were read for their meaning into `vector`.
pub async fn run(
    index: &dyn SearchIndex,
    vectors: &dyn VectorIndex,
    vector: &[f32],
    request: &SearchRequest,
    mode: Mode,
) -> Result<SearchResults, SearchError> {
    if mode == Mode::Words {
        return super::run(index, request).await;
    }
    let near = near(vectors, vector).await?;
    let similar =
        Query::Similar(near.iter().map(|(asset, sentences)| (asset.clone(), sentences[0].1 * WEIGHT)).collect());
    let by_meaning = request.query.with_meaning(&similar);
    let query = match mode {
        Mode::Both => Query::Or(vec![request.query.clone(), by_meaning]),
        _ => by_meaning,
    };
    let page = index.search(&SearchRequest { query, ..request.clone() }).await?;
    // A window or kinds keep an asset only where something matched inside them.
    let narrowed = request.from_ms.is_some() || request.to_ms.is_some() || !request.kinds.is_empty();
    let hits = page
        .hits
        .into_iter()
        .filter_map(|(score, document)| {
            let mut found = if mode == Mode::Both { matches::matches(&document, request) } else { Vec::new() };
            let sentences = near.iter().find(|(asset, _)| *asset == document.asset_id).map(|(_, s)| s.as_slice());
            found.extend(sentence_matches(&document, sentences.unwrap_or_default(), request));
            (!narrowed || !found.is_empty()).then(|| super::hit(score, document, found, &request.query))
        })
        .collect();
    Ok(super::results(page.total, page.facets, hits, request))
}

/// The asset's sentences that were near, nearest first, inside the request's kinds and window.
fn sentence_matches(document: &AssetDocument, near: &[(usize, f32)], request: &SearchRequest) -> Vec<SearchMatch> {
    near.iter()
        .filter_map(|(n, _)| document.sentences.get(*n))
        .filter(|s| request.kinds.is_empty() || request.kinds.contains(&s.kind))
        .filter_map(|s| {
            let timecodes = moments(&s.timecodes, request)?;
            Some(SearchMatch {
                kind: s.kind,
                name: s.text.clone(),
                timecodes,
                pages: s.pages.clone(),
                scenes: Vec::new(),
            })
        })
        .take(MAX_SENTENCES)
        .collect()
}
