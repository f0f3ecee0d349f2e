//! The search index in memory: every document read against the query in turn. Words
//! are cut as the other indexes cut them (`query::split`); a phrase is found within one
//! name. A hit scores how many names the query hit, or its weight when found by
//! meaning. It passes the same suite (`backends::testing::search`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use mediaport_shared::{AnalysisKind, AssetId};

use crate::ports::search::{
    AssetDocument, FACETS, SearchError, SearchIndex, SearchPage, SearchRequest, facet_of, most_frequent,
};
use crate::search::matches::holds;
use crate::search::query::{Field, Query, split};

#[derive(Debug, Default)]
pub struct MemorySearch {
    documents: Mutex<BTreeMap<AssetId, AssetDocument>>,
}

impl MemorySearch {
    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<AssetId, AssetDocument>) -> T) -> T {
        super::locked(&self.documents, f)
    }
}

/// The texts of a document a term of this field is looked for in, as words.
fn texts(document: &AssetDocument, field: Option<&Field>, kinds: &[AnalysisKind]) -> Vec<Vec<String>> {
    let names_of = |wanted: &dyn Fn(AnalysisKind) -> bool| -> Vec<Vec<String>> {
        let kinds = document.names.iter().filter(|(kind, _)| wanted(**kind));
        kinds.flat_map(|(_, names)| names.iter().map(|n| split(&n.name))).collect()
    };
    match field {
        None if kinds.is_empty() => {
            let mut all = vec![split(&document.filename)];
            all.extend(document.attributes.values().map(|v| split(v)));
            all.extend(names_of(&|_| true));
            all
        }
        None => names_of(&|kind| kinds.contains(&kind)),
        Some(Field::Kind(AnalysisKind::FaceMatch)) => {
            names_of(&|kind| matches!(kind, AnalysisKind::FaceMatch | AnalysisKind::Face))
        }
        Some(Field::Kind(wanted)) => names_of(&|kind| kind == *wanted),
        Some(Field::Filename) => vec![split(&document.filename)],
        Some(Field::Group) => document.group.iter().map(|g| split(g)).collect(),
        Some(Field::Type) => vec![split(document.asset_type.as_str())],
        // "key value" in order: `attributes.key:value` is the phrase "key value".
        Some(Field::Attribute(_)) => document.attributes.iter().map(|(k, v)| split(&format!("{k} {v}"))).collect(),
    }
}

/// The document's score for the query, or none when it does not match.
fn score(query: &Query, document: &AssetDocument, kinds: &[AnalysisKind]) -> Option<f32> {
    let term = |field: &Option<Field>, words: Vec<String>, prefix: bool| {
        let mut words = words;
        if let Some(Field::Attribute(key)) = field {
            words.insert(0, key.clone());
        }
        let found = texts(document, field.as_ref(), kinds).iter().filter(|text| holds(text, &words, prefix)).count();
        (found > 0).then_some(found as f32)
    };
    match query {
        Query::All => Some(1.0),
        Query::Word { field, word, prefix } => term(field, vec![word.clone()], *prefix),
        Query::Phrase { field, words } => term(field, words.clone(), false),
        Query::And(all) => all.iter().map(|q| score(q, document, kinds)).sum(),
        Query::Or(all) => {
            let scores: Vec<f32> = all.iter().filter_map(|q| score(q, document, kinds)).collect();
            (!scores.is_empty()).then(|| scores.iter().sum())
        }
        Query::Not(inner) => score(inner, document, kinds).is_none().then_some(1.0),
        Query::Similar(assets) => assets.iter().find(|(id, _)| *id == document.asset_id).map(|(_, weight)| *weight),
    }
}

/// Whether the document passes the request's filters (types, group, kinds).
fn admitted(document: &AssetDocument, request: &SearchRequest) -> bool {
    let has_kind = |kind: &AnalysisKind| document.names.get(kind).is_some_and(|names| !names.is_empty());
    (request.types.is_empty() || request.types.contains(&document.asset_type))
        && request.group.as_ref().is_none_or(|group| document.group.as_ref() == Some(group))
        && (request.kinds.is_empty() || request.kinds.iter().any(has_kind))
}

/// The facet values of one document, each once.
fn facet_values(document: &AssetDocument, facet: &str) -> Vec<String> {
    let mut values: Vec<String> = match facet {
        "type" => vec![document.asset_type.as_str().to_owned()],
        "group" => document.group.iter().cloned().collect(),
        _ => {
            let kinds = document.names.iter().filter(|(kind, _)| facet_of(**kind) == Some(facet));
            kinds.flat_map(|(_, names)| names.iter().map(|n| n.name.clone())).collect()
        }
    };
    values.sort();
    values.dedup();
    values
}

fn facets(found: &[(f32, &AssetDocument)]) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut all = BTreeMap::new();
    for facet in FACETS {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for (_, document) in found {
            for value in facet_values(document, facet) {
                *counts.entry(value).or_default() += 1;
            }
        }
        all.insert(facet.to_owned(), most_frequent(counts));
    }
    all
}

#[async_trait]
impl SearchIndex for MemorySearch {
    async fn upsert(&self, document: AssetDocument) -> Result<(), SearchError> {
        self.with(|documents| documents.insert(document.asset_id.clone(), document));
        Ok(())
    }

    async fn remove(&self, asset_id: &AssetId) -> Result<(), SearchError> {
        self.with(|documents| documents.remove(asset_id));
        Ok(())
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.with(BTreeMap::clear);
        Ok(())
    }

    async fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        Ok(self.with(|documents| {
            let mut found: Vec<(f32, &AssetDocument)> = documents
                .values()
                .filter(|d| admitted(d, request))
                .filter_map(|d| score(&request.query, d, &request.kinds).map(|s| (s, d)))
                .collect();
            found.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.asset_id.cmp(&b.1.asset_id)));
            let hits = found.iter().skip(request.offset).take(request.page_size);
            SearchPage {
                total: found.len() as u64,
                hits: hits.map(|(score, d)| (*score, (*d).clone())).collect(),
                facets: facets(&found),
            }
        }))
    }
}
