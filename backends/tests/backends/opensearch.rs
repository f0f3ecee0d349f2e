//! The OpenSearch adapter. No OpenSearch runs here, so it is checked as data and against a
//! stand-in: the index mapping, the query body built for each query form, a search
//! response in OpenSearch's format read into the same page the tantivy adapter gives, and
//! the requests the client really sends, answered by a small HTTP server that records them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mediaport_backends::search::opensearch_body::{
    bulk_failure, bulk_lines, document_body, index_definition, read_page, search_body,
};
use mediaport_backends::search::{OpenSearchConfig, OpenSearchIndex};
use mediaport_core::search::query::{self, Query};
use mediaport_core::{AssetDocument, IndexedName, SearchError, SearchIndex, SearchRequest};
use mediaport_shared::{AnalysisKind, AssetType, Timecode};
use serde_json::{Value, json};

const RESPONSE: &str = include_str!("../fixtures/opensearch-search.json");

fn body(q: &str) -> Value {
    search_body(&SearchRequest::new(query::parse(q).unwrap()))["query"]["bool"]["must"][0].clone()
}

#[test]
fn the_mapping_has_a_text_field_per_kind_split_as_queries_split() {
    let definition = index_definition();
    let properties = &definition["mappings"]["properties"];
    for kind in AnalysisKind::ALL {
        assert_eq!(properties[kind.as_str()], json!({ "type": "text", "analyzer": "words" }), "{kind:?}");
    }
    for field in ["all", "filename", "group", "attributes"] {
        assert_eq!(properties[field]["analyzer"], "words", "{field}");
    }
    for facet in ["type", "group", "label", "face", "kind"] {
        assert_eq!(properties["facets"]["properties"][facet]["type"], "keyword", "{facet}");
    }
    // The whole document rides along for hits, but is not indexed.
    assert_eq!(properties["document"]["enabled"], false);
    assert_eq!(definition["mappings"]["dynamic"], "strict");
    let analysis = &definition["settings"]["analysis"];
    assert_eq!(analysis["analyzer"]["words"]["filter"], json!(["lowercase"]));
    assert_eq!(analysis["tokenizer"]["words"]["pattern"], "[^\\p{L}\\p{N}]+");
}

#[test]
fn each_query_form_becomes_its_query() {
    assert_eq!(body(""), json!({ "match_all": {} }));
    assert_eq!(body("Rain"), json!({ "term": { "all": { "value": "rain" } } }));
    assert_eq!(body("rai*"), json!({ "prefix": { "all": { "value": "rai" } } }));
    assert_eq!(body("\"breaking news\""), json!({ "match_phrase": { "all": "breaking news" } }));
    assert_eq!(body("label:dog"), json!({ "term": { "label": { "value": "dog" } } }));
    assert_eq!(body("transcript:\"heavy rain\""), json!({ "match_phrase": { "transcript": "heavy rain" } }));
    // A face is a matched or a named person.
    assert_eq!(
        body("face:jane"),
        json!({ "bool": { "should": [
            { "term": { "face_match": { "value": "jane" } } },
            { "term": { "face": { "value": "jane" } } }
        ], "minimum_should_match": 1 } })
    );
    assert_eq!(body("attributes.show:evening"), json!({ "match_phrase": { "attributes": "show evening" } }));
    assert_eq!(
        body("label:dog AND transcript:rain"),
        json!({ "bool": { "must": [
            { "term": { "label": { "value": "dog" } } },
            { "term": { "transcript": { "value": "rain" } } }
        ] } })
    );
    assert_eq!(
        body("dog OR cat"),
        json!({ "bool": { "should": [
            { "term": { "all": { "value": "dog" } } },
            { "term": { "all": { "value": "cat" } } }
        ], "minimum_should_match": 1 } })
    );
    assert_eq!(
        body("NOT car"),
        json!({ "bool": { "must": [{ "match_all": {} }], "must_not": [{ "term": { "all": { "value": "car" } } }] } })
    );
}

#[test]
fn assets_found_by_meaning_score_their_weights() {
    let similar = Query::Similar(vec![("news".into(), 2.5), ("talk".into(), 1.25)]);
    let request = SearchRequest::new(Query::And(vec![query::parse("label:dog").unwrap(), similar]));
    assert_eq!(
        search_body(&request)["query"]["bool"]["must"][0],
        json!({ "bool": { "must": [
            { "term": { "label": { "value": "dog" } } },
            { "bool": { "should": [
                { "constant_score": { "filter": { "term": { "asset_id": "news" } }, "boost": 2.5 } },
                { "constant_score": { "filter": { "term": { "asset_id": "talk" } }, "boost": 1.25 } }
            ], "minimum_should_match": 1 } }
        ] } })
    );
    let nothing = SearchRequest::new(Query::Similar(vec![]));
    assert_eq!(search_body(&nothing)["query"]["bool"]["must"][0], json!({ "match_none": {} }));
}

#[test]
fn filters_paging_and_facets_are_in_the_body() {
    let mut request = SearchRequest::new(query::parse("dog").unwrap());
    request.types = vec![AssetType::Video, AssetType::Image];
    request.kinds = vec![AnalysisKind::Label];
    request.group = Some("press".into());
    request.offset = 40;
    request.page_size = 20;
    let body = search_body(&request);
    // With kinds chosen, plain words search those kinds' fields.
    assert_eq!(body["query"]["bool"]["must"][0], json!({ "term": { "label": { "value": "dog" } } }));
    assert_eq!(
        body["query"]["bool"]["filter"],
        json!([
            { "terms": { "facets.type": ["video", "image"] } },
            { "term": { "facets.group": "press" } },
            { "terms": { "facets.kind": ["label"] } }
        ])
    );
    assert_eq!((body["from"].as_u64(), body["size"].as_u64()), (Some(40), Some(20)));
    assert_eq!(body["track_total_hits"], true);
    for facet in ["type", "label", "face", "group"] {
        assert_eq!(body["aggs"][facet]["terms"]["field"], format!("facets.{facet}"));
    }
}

fn news() -> AssetDocument {
    let name = |name: &str, begin: u64| IndexedName {
        name: name.into(),
        confidence: 0.9,
        timecodes: vec![Timecode { begin, end: begin + 2000 }],
        pages: vec![],
    };
    AssetDocument {
        asset_id: "news".into(),
        filename: "evening-news.mp4".into(),
        asset_type: AssetType::Video,
        group: None,
        attributes: BTreeMap::from([("show".into(), "Evening".into())]),
        thumbnail: Some("news/thumbnail.jpg".into()),
        created_at: "2026-11-26T10:00:00Z".into(),
        names: BTreeMap::from([
            (AnalysisKind::Label, vec![name("dog", 4000)]),
            (AnalysisKind::Transcript, vec![name("Heavy rain is expected.", 9000)]),
            (AnalysisKind::FaceMatch, vec![]),
        ]),
        sentences: vec![],
    }
}

#[test]
fn an_asset_is_indexed_with_its_fields_facets_and_whole_document() {
    let body = document_body(&news()).unwrap();
    assert_eq!(body["label"], json!(["dog"]));
    assert_eq!(body["transcript"], json!(["Heavy rain is expected."]));
    assert_eq!(body["attributes"], json!(["show Evening"]));
    assert_eq!(body["all"], json!(["evening-news.mp4", "Evening", "dog", "Heavy rain is expected."]));
    assert_eq!(body["facets"]["label"], json!(["dog"]));
    // A kind with no names is not a kind the asset has.
    assert_eq!(body["facets"]["kind"], json!(["label", "transcript"]));
    assert_eq!(serde_json::from_value::<AssetDocument>(body["document"].clone()).unwrap(), news());
}

#[test]
fn a_search_response_reads_into_hits_totals_and_facets() {
    let page = read_page(&serde_json::from_str(RESPONSE).unwrap()).unwrap();
    assert_eq!(page.total, 2);
    let ids: Vec<&str> = page.hits.iter().map(|(_, d)| d.asset_id.as_str()).collect();
    assert_eq!(ids, ["news", "photo"]);
    assert!(page.hits[0].0 > page.hits[1].0);
    assert_eq!(page.hits[0].1.names[&AnalysisKind::Label][0].timecodes, [Timecode { begin: 4000, end: 6000 }]);
    assert_eq!(page.facets["label"], BTreeMap::from([("dog".into(), 2), ("car".into(), 1)]));
    assert_eq!(page.facets["type"].len(), 2);
    assert!(page.facets["face"].is_empty());
    // An answer without hits is an error, not an empty page.
    assert!(read_page(&json!({ "error": { "type": "x" } })).is_err());
}

#[test]
fn a_bulk_answer_names_the_first_write_that_failed() {
    // OpenSearch answers 200 to a bulk request whose writes partly failed.
    let answer = json!({ "took": 3, "errors": true, "items": [
        { "index": { "_id": "news", "status": 201, "result": "created" } },
        { "index": { "_id": "odd", "status": 400,
            "error": { "type": "mapper_parsing_exception", "reason": "failed to parse field [all]" } } },
        { "index": { "_id": "busy", "status": 429, "error": { "type": "es_rejected_execution_exception" } } }
    ]});
    let (status, reason) = bulk_failure(&answer).unwrap();
    assert_eq!(status, 400);
    assert_eq!(reason, "OpenSearch could not write odd: mapper_parsing_exception: failed to parse field [all]");
    assert_eq!(bulk_failure(&json!({ "errors": false, "items": [] })), None);
    let lines = bulk_lines([("a/0".to_owned(), json!({ "id": "a/0" }))]);
    assert_eq!(lines, [json!({ "index": { "_id": "a/0" } }), json!({ "id": "a/0" })]);
}

/// What the stand-in received: method, path and query, the authorization header, body.
type Seen = Arc<Mutex<Vec<(String, String, Option<String>, Value)>>>;

/// A stand-in OpenSearch: no index at first, then it exists; documents are accepted;
/// searches get the recorded response; deleting an unknown document is a 404.
async fn stand_in(State(seen): State<Seen>, request: Request) -> impl IntoResponse {
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let json = mediaport_backends::testing::json_or_lines(&bytes);
    let target = parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let auth = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let method = parts.method.to_string();
    let created = seen.lock().unwrap().iter().any(|(m, t, ..)| m == "PUT" && t == "/assets");
    seen.lock().unwrap().push((method.clone(), target.clone(), auth, json.clone()));
    let path = parts.uri.path();
    match (method.as_str(), path) {
        ("HEAD", "/assets") if created => (StatusCode::OK, String::new()),
        ("HEAD", "/assets") => (StatusCode::NOT_FOUND, String::new()),
        ("PUT", "/assets" | "/assets/_mapping") => (StatusCode::OK, json!({ "acknowledged": true }).to_string()),
        ("PUT" | "POST", p) if p.starts_with("/assets/_doc/") => {
            (StatusCode::CREATED, json!({ "result": "created" }).to_string())
        }
        ("POST", "/assets/_search") => (StatusCode::OK, RESPONSE.to_owned()),
        // Every write is taken but the document of an asset called "refused".
        ("POST", "/assets/_bulk") => {
            let lines = json.as_array().cloned().unwrap_or_default();
            let items: Vec<Value> = lines
                .chunks(2)
                .map(|pair| {
                    let id = pair[0]["index"]["_id"].as_str().unwrap_or_default();
                    if id == "refused" {
                        json!({ "index": { "_id": id, "status": 400,
                            "error": { "type": "mapper_parsing_exception", "reason": "bad field" } } })
                    } else {
                        json!({ "index": { "_id": id, "status": 201, "result": "created" } })
                    }
                })
                .collect();
            let errors = items.iter().any(|i| i["index"].get("error").is_some());
            (StatusCode::OK, json!({ "took": 1, "errors": errors, "items": items }).to_string())
        }
        ("DELETE", _) => (StatusCode::NOT_FOUND, json!({ "result": "not_found" }).to_string()),
        _ => (StatusCode::BAD_REQUEST, json!({ "error": { "type": "unexpected", "reason": target } }).to_string()),
    }
}

#[tokio::test]
async fn the_client_sends_each_call_and_reads_the_answers() {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback(stand_in).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = OpenSearchConfig {
        url,
        index: "assets".into(),
        region: None,
        username: Some("admin".into()),
        password: Some("secret".into()),
    };

    let index = OpenSearchIndex::connect(&config).await.unwrap();
    index.upsert(news()).await.unwrap();
    let photo = AssetDocument { asset_id: "photo".into(), filename: "dog.jpg".into(), ..news() };
    index.upsert_many(vec![news(), photo.clone()]).await.unwrap();
    let refused = AssetDocument { asset_id: "refused".into(), ..news() };
    let err = index.upsert_many(vec![photo.clone(), refused]).await.unwrap_err();
    assert!(matches!(&err, SearchError::Other(r) if r.contains("refused: mapper_parsing_exception")), "{err:?}");
    index.upsert_many(vec![]).await.unwrap();
    let page = index.search(&SearchRequest::new(query::parse("label:dog").unwrap())).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.hits[0].1.filename, "evening-news.mp4");
    // Removing an asset that is not there is not an error.
    index.remove(&"gone".into()).await.unwrap();
    // Connecting again finds the index and adds the fields new since it was made.
    OpenSearchIndex::connect(&config).await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let calls: Vec<(&str, &str)> = seen.iter().map(|(m, t, ..)| (m.as_str(), t.as_str())).collect();
    assert_eq!(
        calls,
        [
            ("HEAD", "/assets"),
            ("PUT", "/assets"),
            ("POST", "/assets/_doc/news?refresh=wait_for"),
            ("POST", "/assets/_bulk?refresh=wait_for"),
            ("POST", "/assets/_bulk?refresh=wait_for"),
            ("POST", "/assets/_search"),
            ("DELETE", "/assets/_doc/gone?refresh=wait_for"),
            ("HEAD", "/assets"),
            ("PUT", "/assets/_mapping"),
        ]
    );
    assert_eq!(seen[1].3, index_definition());
    assert_eq!(seen[2].3, document_body(&news()).unwrap());
    let bodies = [news(), photo].map(|d| (d.asset_id.to_string(), document_body(&d).unwrap()));
    assert_eq!(seen[3].3, Value::Array(bulk_lines(bodies)));
    assert_eq!(seen[8].3, index_definition()["mappings"]);
    assert_eq!(seen[5].3, search_body(&SearchRequest::new(query::parse("label:dog").unwrap())));
    // Basic authentication on every call ("admin:secret").
    assert!(seen.iter().all(|(.., auth, _)| auth.as_deref() == Some("Basic YWRtaW46c2VjcmV0")), "{seen:?}");
}
