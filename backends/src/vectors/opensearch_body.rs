//! What the OpenSearch vector adapter sends and reads, as plain JSON: one k-NN index per
//! space (a space's vectors have one length, and a `knn_vector` field has one dimension).

use mediaport_core::{Neighbour, VectorError};
use serde_json::{Value, json};

/// The index that holds `space`: `<prefix>.<space>` with `/` turned into `.`, lowercase
/// (OpenSearch index names allow neither `/` nor capitals).
pub fn index_name(prefix: &str, space: &str) -> String {
    format!("{prefix}.{}", space.replace('/', ".")).to_lowercase()
}

/// A k-NN index for vectors of `dimensions` numbers: HNSW on Lucene, Euclidean (`l2`),
/// the same distance as the embedded index.
pub fn index_definition(dimensions: usize) -> Value {
    json!({
        "settings": { "index": { "knn": true } },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "id": { "type": "keyword" },
                "vector": {
                    "type": "knn_vector",
                    "dimension": dimensions,
                    "method": {
                        "name": "hnsw",
                        "space_type": "l2",
                        "engine": "lucene",
                        "parameters": { "m": 16, "ef_construction": 128 }
                    }
                }
            }
        }
    })
}

/// The dimension of an index, from `GET <index>/_mapping`.
pub fn read_dimensions(mapping: &Value, index: &str) -> Option<usize> {
    mapping
        .pointer(&format!("/{index}/mappings/properties/vector/dimension"))
        .and_then(Value::as_u64)
        .map(|d| d as usize)
}

pub fn document(id: &str, vector: &[f32]) -> Value {
    json!({ "id": id, "vector": vector })
}

/// The `k` nearest vectors. Asking the graph for a few more candidates than `k` keeps
/// HNSW's recall near the exact index's at these sizes.
pub fn nearest_body(vector: &[f32], k: usize) -> Value {
    json!({
        "size": k,
        "_source": ["id"],
        "query": { "knn": { "vector": { "vector": vector, "k": k.max(10) } } }
    })
}

/// The neighbours in a search response, nearest first, within `within` when given. The
/// Lucene engine scores an `l2` hit `1 / (1 + d²)`; the distance is read back from it.
pub fn read_neighbours(response: &Value, within: Option<f32>) -> Result<Vec<Neighbour>, VectorError> {
    let hits = response
        .pointer("/hits/hits")
        .and_then(Value::as_array)
        .ok_or_else(|| VectorError::Other("the search response has no hits".into()))?;
    let mut found = Vec::with_capacity(hits.len());
    for hit in hits {
        let id = hit.pointer("/_source/id").and_then(Value::as_str).or_else(|| hit["_id"].as_str());
        let score = hit["_score"].as_f64();
        let (Some(id), Some(score)) = (id, score) else {
            return Err(VectorError::Other(format!("a hit without an id or a score: {hit}")));
        };
        let distance = (1.0 / score.max(f64::MIN_POSITIVE) - 1.0).max(0.0).sqrt() as f32;
        if within.is_none_or(|w| distance <= w) {
            found.push(Neighbour { id: id.to_owned(), distance });
        }
    }
    found.sort_by(|a, b| a.distance.total_cmp(&b.distance));
    Ok(found)
}

/// Every id starting with `prefix` (a prefix query on the keyword: no wildcards in it).
pub fn prefix_query(prefix: &str) -> Value {
    json!({ "query": { "prefix": { "id": { "value": prefix } } } })
}
