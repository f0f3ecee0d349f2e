//! What the OpenSearch adapter sends and reads, as plain JSON: the index's settings and
//! mapping, an asset's document, the search body for each query form, and the search
//! response read back into a page. Kept apart from the client so each is tested as data.
//!
//! The design is the tantivy adapter's: one document per asset (a query's AND, OR and NOT
//! combine what is known of the whole asset), a text field per analysis kind, `all` for
//! plain words, keyword facets, and the asset's document kept whole in `_source` (not
//! indexed) so hits carry their names and moments without the catalog.

use std::collections::BTreeMap;

use mediaport_core::search::query::{Field as QueryField, Query};
use mediaport_core::{AssetDocument, FACET_VALUES, FACETS, SearchError, SearchPage, SearchRequest};
use mediaport_shared::AnalysisKind;
use serde_json::{Value, json};

/// Settings and mapping of the index. Text is split as the query language splits it (at
/// anything not a letter or digit) and lower-cased, so `term` queries on query words
/// match exactly what tantivy's tokenizer would.
pub fn index_definition() -> Value {
    let text = json!({ "type": "text", "analyzer": "words" });
    let mut properties = serde_json::Map::new();
    for field in ["filename", "all", "group", "attributes"] {
        properties.insert(field.into(), text.clone());
    }
    for kind in AnalysisKind::ALL {
        properties.insert(kind.as_str().into(), text.clone());
    }
    properties.insert("asset_id".into(), json!({ "type": "keyword" }));
    properties.insert("type".into(), json!({ "type": "keyword" }));
    let facets: serde_json::Map<String, Value> = ["type", "group", "label", "face", "kind", "keyphrase"]
        .into_iter()
        .map(|f| (f.into(), json!({ "type": "keyword" })))
        .collect();
    properties.insert("facets".into(), json!({ "properties": facets }));
    properties.insert("document".into(), json!({ "type": "object", "enabled": false }));
    json!({
        "settings": {
            "analysis": {
                "tokenizer": { "words": { "type": "pattern", "pattern": "[^\\p{L}\\p{N}]+" } },
                "analyzer": { "words": { "type": "custom", "tokenizer": "words", "filter": ["lowercase"] } }
            }
        },
        "mappings": { "dynamic": "strict", "properties": properties }
    })
}

/// An asset as the index stores it.
pub fn document_body(document: &AssetDocument) -> Result<Value, SearchError> {
    let mut all = vec![document.filename.clone()];
    let mut attributes = Vec::new();
    for (key, value) in &document.attributes {
        // "key value" words in order: `attributes.key:value` is the phrase "key value".
        attributes.push(format!("{key} {value}"));
        all.push(value.clone());
    }
    let mut body = serde_json::Map::new();
    let (mut labels, mut faces, mut phrases, mut kinds) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (kind, names) in &document.names {
        if names.is_empty() {
            continue;
        }
        kinds.push(kind.as_str());
        let texts: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
        all.extend(texts.iter().map(|t| (*t).to_owned()));
        match kind {
            AnalysisKind::Label => labels.extend(texts.iter().copied()),
            AnalysisKind::FaceMatch => faces.extend(texts.iter().copied()),
            AnalysisKind::Keyphrase => phrases.extend(texts.iter().copied()),
            _ => {}
        }
        body.insert(kind.as_str().into(), json!(texts));
    }
    body.insert("asset_id".into(), json!(document.asset_id));
    body.insert("filename".into(), json!(document.filename));
    body.insert("type".into(), json!(document.asset_type.as_str()));
    body.insert("all".into(), json!(all));
    body.insert("attributes".into(), json!(attributes));
    if let Some(group) = &document.group {
        body.insert("group".into(), json!(group));
    }
    body.insert(
        "facets".into(),
        json!({
            "type": document.asset_type.as_str(),
            "group": document.group,
            "label": labels,
            "face": faces,
            "keyphrase": phrases,
            "kind": kinds,
        }),
    );
    body.insert("document".into(), serde_json::to_value(document).map_err(|e| SearchError::Other(e.to_string()))?);
    Ok(Value::Object(body))
}

/// The fields a term of this query field searches (as the tantivy adapter).
fn fields_for(field: Option<&QueryField>, kinds: &[AnalysisKind]) -> Vec<&'static str> {
    match field {
        None if kinds.is_empty() => vec!["all"],
        None => kinds.iter().map(|k| k.as_str()).collect(),
        Some(QueryField::Kind(AnalysisKind::FaceMatch)) => {
            vec![AnalysisKind::FaceMatch.as_str(), AnalysisKind::Face.as_str()]
        }
        Some(QueryField::Kind(kind)) => vec![kind.as_str()],
        Some(QueryField::Filename) => vec!["filename"],
        Some(QueryField::Group) => vec!["group"],
        Some(QueryField::Type) => vec!["type"],
        Some(QueryField::Attribute(_)) => vec!["attributes"],
    }
}

fn any(queries: Vec<Value>) -> Value {
    if queries.len() == 1 {
        return queries.into_iter().next().expect("one");
    }
    json!({ "bool": { "should": queries, "minimum_should_match": 1 } })
}

/// One query form in OpenSearch's query DSL.
pub fn translate(query: &Query, kinds: &[AnalysisKind]) -> Value {
    match query {
        Query::All => json!({ "match_all": {} }),
        Query::Word { field, word, prefix } => {
            let key = match field {
                Some(QueryField::Attribute(key)) => Some(key),
                _ => None,
            };
            any(fields_for(field.as_ref(), kinds)
                .into_iter()
                .map(|f| match (key, prefix) {
                    (Some(key), _) => json!({ "match_phrase": { f: format!("{key} {word}") } }),
                    (None, true) => json!({ "prefix": { f: { "value": word } } }),
                    (None, false) => json!({ "term": { f: { "value": word } } }),
                })
                .collect())
        }
        Query::Phrase { field, words } => {
            let mut words = words.clone();
            if let Some(QueryField::Attribute(key)) = field {
                words.insert(0, key.clone());
            }
            let phrase = words.join(" ");
            any(fields_for(field.as_ref(), kinds)
                .into_iter()
                .map(|f| json!({ "match_phrase": { f: phrase } }))
                .collect())
        }
        Query::And(all) => json!({ "bool": { "must": all.iter().map(|q| translate(q, kinds)).collect::<Vec<_>>() } }),
        Query::Or(all) => json!({ "bool": {
            "should": all.iter().map(|q| translate(q, kinds)).collect::<Vec<_>>(),
            "minimum_should_match": 1
        } }),
        Query::Not(inner) => {
            json!({ "bool": { "must": [{ "match_all": {} }], "must_not": [translate(inner, kinds)] } })
        }
        Query::Similar(assets) if assets.is_empty() => json!({ "match_none": {} }),
        // Each asset scores its weight, whatever its words.
        Query::Similar(assets) => any(assets
            .iter()
            .map(|(asset_id, weight)| {
                json!({ "constant_score": { "filter": { "term": { "asset_id": asset_id } }, "boost": weight } })
            })
            .collect()),
    }
}

/// The `_bulk` lines that write `documents` (an id and its body each) in one request:
/// an action line, then the document. Shared with the vector adapter.
pub fn bulk_lines(documents: impl IntoIterator<Item = (String, Value)>) -> Vec<Value> {
    documents.into_iter().flat_map(|(id, body)| [json!({ "index": { "_id": id } }), body]).collect()
}

/// The first write a `_bulk` answer says failed: its HTTP status and OpenSearch's reason.
/// A bulk request succeeds as a whole even when some of its writes fail.
pub fn bulk_failure(answer: &Value) -> Option<(u16, String)> {
    if answer["errors"] != Value::Bool(true) {
        return None;
    }
    answer["items"].as_array()?.iter().find_map(|item| {
        let outcome = item.as_object()?.values().next()?;
        let error = outcome.get("error")?;
        let status = outcome["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(500);
        let id = outcome["_id"].as_str().unwrap_or("?");
        let kind = error["type"].as_str().unwrap_or("error");
        let reason = error["reason"].as_str().unwrap_or_default();
        Some((status, format!("OpenSearch could not write {id}: {kind}: {reason}")))
    })
}

/// The whole search: the query, the request's filters, the page and the facet counts.
pub fn search_body(request: &SearchRequest) -> Value {
    let mut filter = Vec::new();
    if !request.types.is_empty() {
        filter
            .push(json!({ "terms": { "facets.type": request.types.iter().map(|t| t.as_str()).collect::<Vec<_>>() } }));
    }
    if let Some(group) = &request.group {
        filter.push(json!({ "term": { "facets.group": group } }));
    }
    if !request.kinds.is_empty() {
        filter
            .push(json!({ "terms": { "facets.kind": request.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>() } }));
    }
    let aggregations: serde_json::Map<String, Value> = FACETS
        .into_iter()
        .map(|name| (name.into(), json!({ "terms": { "field": format!("facets.{name}"), "size": FACET_VALUES } })))
        .collect();
    json!({
        "query": { "bool": { "must": [translate(&request.query, &request.kinds)], "filter": filter } },
        "from": request.offset,
        "size": request.page_size.max(1),
        "track_total_hits": true,
        "_source": ["document"],
        "aggs": aggregations,
    })
}

/// A search response read into a page.
pub fn read_page(response: &Value) -> Result<SearchPage, SearchError> {
    let bad = |what: &str| SearchError::Other(format!("OpenSearch answered without {what}"));
    let hits = response.get("hits").ok_or_else(|| bad("hits"))?;
    let total = hits.pointer("/total/value").and_then(Value::as_u64).ok_or_else(|| bad("hits.total.value"))?;
    let hits = hits
        .get("hits")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("hits.hits"))?
        .iter()
        .map(|hit| {
            let score = hit.get("_score").and_then(Value::as_f64).unwrap_or(0.0) as f32;
            let document = hit.pointer("/_source/document").ok_or_else(|| bad("_source.document"))?;
            let document: AssetDocument =
                serde_json::from_value(document.clone()).map_err(|e| SearchError::Other(e.to_string()))?;
            Ok((score, document))
        })
        .collect::<Result<_, SearchError>>()?;
    let facets = FACETS
        .into_iter()
        .map(|name| {
            let buckets = response.pointer(&format!("/aggregations/{name}/buckets")).and_then(Value::as_array);
            let values: BTreeMap<String, u64> = buckets
                .into_iter()
                .flatten()
                .filter_map(|b| Some((b.get("key")?.as_str()?.to_owned(), b.get("doc_count")?.as_u64()?)))
                .collect();
            (name.to_owned(), values)
        })
        .collect();
    Ok(SearchPage { total, hits, facets })
}
