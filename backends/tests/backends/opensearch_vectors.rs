//! The OpenSearch k-NN vector adapter. No OpenSearch runs here: it is checked as data (the
//! index mapping, the k-NN query, a response in OpenSearch's format read back into
//! distances) and against a stand-in, a small HTTP server that keeps documents per index
//! and answers k-NN queries by exact search with the Lucene engine's `l2` score, so that
//! the adapter's calls, paths and readings are exercised end to end.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mediaport_backends::search::OpenSearchConfig;
use mediaport_backends::vectors::OpenSearchVectors;
use mediaport_backends::vectors::opensearch_body::{index_definition, index_name, nearest_body, read_neighbours};
use mediaport_core::ServiceError;
use mediaport_core::{VectorError, VectorIndex};
use serde_json::{Value, json};

#[test]
fn each_space_is_a_knn_index_searched_by_euclidean_distance() {
    assert_eq!(index_name("mediaport-vectors", "faces/0192-AB"), "mediaport-vectors.faces.0192-ab");
    let definition = index_definition(128);
    assert_eq!(definition["settings"]["index"]["knn"], true);
    let vector = &definition["mappings"]["properties"]["vector"];
    assert_eq!(vector["type"], "knn_vector");
    assert_eq!(vector["dimension"], 128);
    assert_eq!(vector["method"]["space_type"], "l2", "the embedded index's distance");
    assert_eq!(definition["mappings"]["properties"]["id"]["type"], "keyword");
    let body = nearest_body(&[0.5, 0.25], 3);
    assert_eq!(body["size"], 3);
    assert_eq!(body["query"]["knn"]["vector"]["vector"], json!([0.5, 0.25]));
}

#[test]
fn scores_read_back_into_distances_nearest_first() {
    // As OpenSearch answers: l2 scores are 1 / (1 + d²).
    let response = json!({ "hits": { "total": { "value": 3 }, "hits": [
        { "_id": "a", "_score": 1.0, "_source": { "id": "a" } },
        { "_id": "b", "_score": 0.8, "_source": { "id": "b" } },
        { "_id": "c", "_score": 0.2, "_source": { "id": "c" } }
    ] } });
    let found = read_neighbours(&response, None).unwrap();
    let ids: Vec<&str> = found.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(found[0].distance, 0.0);
    assert!((found[1].distance - 0.5).abs() < 1e-6, "{found:?}");
    assert!((found[2].distance - 2.0).abs() < 1e-6, "{found:?}");
    assert_eq!(read_neighbours(&response, Some(0.6)).unwrap().len(), 2);
    assert!(read_neighbours(&json!({ "error": "x" }), None).is_err());
}

/// Indexes by name: their dimension and documents (id, vector).
type Indexes = Arc<Mutex<HashMap<String, (usize, BTreeMap<String, Vec<f32>>)>>>;

fn answer(status: StatusCode, body: &Value) -> (StatusCode, String) {
    (status, body.to_string())
}

fn missing() -> (StatusCode, String) {
    answer(
        StatusCode::NOT_FOUND,
        &json!({ "error": { "type": "index_not_found_exception", "reason": "no such index" } }),
    )
}

fn floats(value: &Value) -> Vec<f32> {
    value.as_array().map(|a| a.iter().filter_map(Value::as_f64).map(|f| f as f32).collect()).unwrap_or_default()
}

/// The stand-in: the handful of OpenSearch calls the adapter makes.
async fn stand_in(State(indexes): State<Indexes>, request: Request) -> impl IntoResponse {
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let json = mediaport_backends::testing::json_or_lines(&bytes);
    // The client escapes the `/` in ids such as `<asset>/0`.
    let path = parts.uri.path().replace("%2F", "\u{0}");
    let segments: Vec<String> = path.trim_start_matches('/').split('/').map(|s| s.replace('\u{0}', "/")).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut indexes = indexes.lock().unwrap();
    match (parts.method.as_str(), segments.as_slice()) {
        ("PUT", [index]) => {
            let dimension = json["mappings"]["properties"]["vector"]["dimension"].as_u64().unwrap() as usize;
            indexes.insert((*index).to_owned(), (dimension, BTreeMap::new()));
            answer(StatusCode::OK, &json!({ "acknowledged": true }))
        }
        ("DELETE", [index]) => match indexes.remove(*index) {
            Some(_) => answer(StatusCode::OK, &json!({ "acknowledged": true })),
            None => missing(),
        },
        (method, [index, rest @ ..]) => {
            let Some((dimension, docs)) = indexes.get_mut(*index) else { return missing() };
            match (method, rest) {
                ("GET", ["_mapping"]) => answer(
                    StatusCode::OK,
                    &json!({ *index: { "mappings": { "properties": { "vector": { "dimension": dimension } } } } }),
                ),
                ("PUT" | "POST", ["_doc", id]) => {
                    let vector = floats(&json["vector"]);
                    if vector.len() != *dimension {
                        return answer(
                            StatusCode::BAD_REQUEST,
                            &json!({ "error": { "type": "mapper_parsing_exception", "reason": "dimension" } }),
                        );
                    }
                    docs.insert((*id).to_owned(), vector);
                    answer(StatusCode::CREATED, &json!({ "result": "created" }))
                }
                ("POST", ["_bulk"]) => {
                    let lines = json.as_array().cloned().unwrap_or_default();
                    let mut items = Vec::new();
                    for pair in lines.chunks(2) {
                        let id = pair[0]["index"]["_id"].as_str().unwrap_or_default().to_owned();
                        let vector = floats(&pair[1]["vector"]);
                        items.push(if vector.len() == *dimension {
                            docs.insert(id.clone(), vector);
                            json!({ "index": { "_id": id, "status": 201 } })
                        } else {
                            json!({ "index": { "_id": id, "status": 400, "error": { "type": "mapper_parsing_exception" } } })
                        });
                    }
                    let errors = items.iter().any(|i| i["index"].get("error").is_some());
                    answer(StatusCode::OK, &json!({ "errors": errors, "items": items }))
                }
                ("DELETE", ["_doc", id]) => match docs.remove(*id) {
                    Some(_) => answer(StatusCode::OK, &json!({ "result": "deleted" })),
                    None => answer(StatusCode::NOT_FOUND, &json!({ "result": "not_found" })),
                },
                ("POST", ["_delete_by_query"]) => {
                    let prefix = json["query"]["prefix"]["id"]["value"].as_str().unwrap_or_default().to_owned();
                    let before = docs.len();
                    docs.retain(|id, _| !id.starts_with(&prefix));
                    answer(StatusCode::OK, &json!({ "deleted": before - docs.len() }))
                }
                ("GET" | "POST", ["_count"]) => answer(StatusCode::OK, &json!({ "count": docs.len() })),
                ("POST" | "GET", ["_search"]) => {
                    let query = &json["query"]["knn"]["vector"];
                    let asked = floats(&query["vector"]);
                    let mut scored: Vec<(f64, &String)> = docs
                        .iter()
                        .map(|(id, v)| {
                            let d2: f32 = v.iter().zip(&asked).map(|(a, b)| (a - b) * (a - b)).sum();
                            (1.0 / (1.0 + f64::from(d2)), id)
                        })
                        .collect();
                    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                    let size = json["size"].as_u64().unwrap_or(10) as usize;
                    let hits: Vec<Value> = scored
                        .into_iter()
                        .take(size)
                        .map(|(score, id)| json!({ "_id": id, "_score": score, "_source": { "id": id } }))
                        .collect();
                    answer(StatusCode::OK, &json!({ "hits": { "hits": hits } }))
                }
                _ => answer(StatusCode::BAD_REQUEST, &json!({ "error": { "type": "unexpected", "reason": method } })),
            }
        }
        _ => answer(StatusCode::BAD_REQUEST, &json!({ "error": { "type": "unexpected", "reason": "path" } })),
    }
}

/// The stand-in on a free port, and the adapter's settings for it.
async fn start_stand_in() -> (Indexes, OpenSearchConfig) {
    let indexes: Indexes = Arc::default();
    let app = Router::new().fallback(stand_in).with_state(indexes.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (indexes, OpenSearchConfig { url, index: "mp-vectors".into(), region: None, username: None, password: None })
}

#[tokio::test]
async fn the_adapter_passes_the_vector_suite_against_the_stand_in() {
    let (_, config) = start_stand_in().await;
    let server = OpenSearchVectors::connect(&config).await.unwrap();
    let worker = OpenSearchVectors::connect(&config).await.unwrap();
    mediaport_backends::testing::vectors::suite(&server, &worker).await;
}

#[tokio::test]
async fn the_adapter_keeps_spaces_apart_and_finds_the_nearest() {
    let (indexes, config) = start_stand_in().await;
    let index = OpenSearchVectors::connect(&config).await.unwrap();
    let ids = |found: Vec<mediaport_core::Neighbour>| found.into_iter().map(|n| n.id).collect::<Vec<_>>();

    assert!(index.nearest("people", &[0.0, 0.0, 1.0], 5, None).await.unwrap().is_empty(), "no space yet");
    assert_eq!(index.count("people").await.unwrap(), 0);
    index.upsert("faces/staff", "ana", &[0.0, 0.0, 1.0]).await.unwrap();
    index.upsert("faces/staff", "ben", &[0.0, 1.0, 0.0]).await.unwrap();
    index.upsert("faces/staff", "cy", &[1.0, 0.0, 0.0]).await.unwrap();
    index.upsert("people", "a/0", &[5.0, 5.0, 5.0]).await.unwrap();
    index.upsert("people", "a/1", &[5.0, 5.0, 4.0]).await.unwrap();
    index.upsert("people", "b/0", &[4.0, 5.0, 5.0]).await.unwrap();
    assert!(indexes.lock().unwrap().contains_key("mp-vectors.faces.staff"), "one index per space");
    // Many at once, in one request: a new space is made for them, an old one checked.
    let batch = |ids: &[&str], length: usize| -> Vec<(String, Vec<f32>)> {
        ids.iter().enumerate().map(|(n, id)| ((*id).to_owned(), vec![n as f32; length])).collect()
    };
    index.upsert_many("sentences", &batch(&["s/0", "s/1", "s/2"], 3)).await.unwrap();
    assert_eq!(index.count("sentences").await.unwrap(), 3);
    assert_eq!(ids(index.nearest("sentences", &[2.0, 2.0, 2.0], 1, None).await.unwrap()), ["s/2"]);
    let wrong = index.upsert_many("sentences", &batch(&["s/3"], 4)).await.unwrap_err();
    assert!(matches!(wrong, VectorError::WrongDimensions { expected: 3, got: 4 }), "{wrong:?}");
    let mut mixed = batch(&["s/4"], 3);
    mixed.extend(batch(&["s/5"], 2));
    assert!(matches!(index.upsert_many("sentences", &mixed).await, Err(VectorError::WrongDimensions { .. })));
    index.upsert_many("sentences", &[]).await.unwrap();
    assert_eq!(index.count("sentences").await.unwrap(), 3);

    let found = index.nearest("faces/staff", &[0.0, 0.1, 0.9], 2, None).await.unwrap();
    assert_eq!(ids(found.clone()), ["ana", "ben"]);
    assert!((found[0].distance - 0.141_421_36).abs() < 1e-5, "{found:?}");
    assert_eq!(ids(index.nearest("faces/staff", &[0.0, 0.1, 0.9], 5, Some(0.5)).await.unwrap()), ["ana"]);
    assert_eq!(index.count("faces/staff").await.unwrap(), 3);

    let wrong = index.upsert("faces/staff", "dee", &[1.0, 2.0]).await.unwrap_err();
    assert!(matches!(wrong, VectorError::WrongDimensions { expected: 3, got: 2 }), "{wrong:?}");
    let wrong = index.nearest("faces/staff", &[1.0], 1, None).await.unwrap_err();
    assert_eq!(wrong.code(), "vector-dimensions");

    // Replacing, removing (twice is fine), removing by prefix.
    index.upsert("faces/staff", "ana", &[1.0, 0.0, 0.1]).await.unwrap();
    assert_eq!(ids(index.nearest("faces/staff", &[1.0, 0.0, 0.0], 1, None).await.unwrap()), ["cy"]);
    index.remove("faces/staff", "cy").await.unwrap();
    index.remove("faces/staff", "cy").await.unwrap();
    assert_eq!(ids(index.nearest("faces/staff", &[1.0, 0.0, 0.0], 1, None).await.unwrap()), ["ana"]);
    assert_eq!(index.remove_prefix("people", "a/").await.unwrap(), 2);
    assert_eq!(index.count("people").await.unwrap(), 1);
    assert_eq!(index.remove_prefix("nothing", "a/").await.unwrap(), 0);

    // A dropped space is gone, and can come back with another length.
    index.drop_space("faces/staff").await.unwrap();
    index.drop_space("faces/staff").await.unwrap();
    assert!(index.nearest("faces/staff", &[0.0, 0.0, 1.0], 5, None).await.unwrap().is_empty());
    index.upsert("faces/staff", "ana", &[0.5, 0.5]).await.unwrap();
    assert_eq!(ids(index.nearest("faces/staff", &[0.5, 0.5], 1, Some(0.1)).await.unwrap()), ["ana"]);

    // Another process drops the space: this one finds nothing, then makes it again with
    // the k-NN mapping on its next write.
    let other = OpenSearchVectors::connect(&config).await.unwrap();
    other.drop_space("faces/staff").await.unwrap();
    assert!(index.nearest("faces/staff", &[0.5, 0.5], 1, None).await.unwrap().is_empty());
    index.upsert("faces/staff", "ben", &[0.1, 0.2, 0.3, 0.4]).await.unwrap();
    assert_eq!(indexes.lock().unwrap()["mp-vectors.faces.staff"].0, 4);
    assert_eq!(ids(index.nearest("faces/staff", &[0.1, 0.2, 0.3, 0.4], 1, None).await.unwrap()), ["ben"]);
}
