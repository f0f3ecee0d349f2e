//! `GET /api/search` on the real server: an asset's stored results indexed as the worker
//! indexes them are found with their moments, the index is rebuilt from the catalog and
//! storage alone, and every bad query gets 400 with its code, never 500.

mod common;

use common::item;
use mediaport_analysis::indexer::Indexer;
use mediaport_core::users;
use mediaport_shared::{AnalysisKind, ErrorBody, Group, SearchResults, Timecode, Timeline};
use reqwest::StatusCode;

const PASSWORD: &str = "Corr3ct-Horse!";

#[tokio::test]
async fn stored_results_are_found_with_their_moments_and_bad_queries_get_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = mediaport_cli::server::start(common::settings(dir.path())).await.unwrap();
    users::create_user(server.state.identity.as_ref(), "vera", "v@example.org", Group::Viewer, Some(PASSWORD))
        .await
        .unwrap();
    let timelines = vec![
        Timeline::new(
            AnalysisKind::Transcript,
            vec![item("Rain in Lisbon tomorrow.", 2000, 4500), item("Sun on Friday.", 6000, 7000)],
        ),
        Timeline::new(AnalysisKind::Label, vec![item("umbrella", 3000, 5000)]),
    ];
    let asset = common::analysed_asset(&server, "forecast.mp4", timelines).await;
    let indexer = Indexer {
        catalog: server.state.catalog.clone(),
        storage: server.state.storage.clone(),
        proxy_bucket: server.settings.storage.proxy_bucket.clone(),
        search: server.state.search.clone(),
    };
    indexer.index(&asset.id).await.unwrap();

    let (session, _) = server.state.identity.login("vera", PASSWORD).await.unwrap();
    let client = reqwest::Client::new();
    let search = |query: Vec<(&str, String)>| {
        client.get(format!("{}/api/search", server.url())).query(&query).bearer_auth(&session.access_token).send()
    };
    let q = |text: &str| vec![("q", text.to_owned())];

    let found: SearchResults = search(q("transcript:lisbon AND label:umbrella")).await.unwrap().json().await.unwrap();
    assert_eq!(found.total, 1);
    let hit = &found.hits[0];
    assert_eq!((hit.asset_id.as_str(), hit.filename.as_str()), (asset.id.as_str(), "forecast.mp4"));
    let moments: Vec<(AnalysisKind, u64)> = hit.matches.iter().map(|m| (m.kind, m.timecodes[0].begin)).collect();
    assert_eq!(moments, [(AnalysisKind::Label, 3000), (AnalysisKind::Transcript, 2000)]);
    assert_eq!(hit.highlights[1], "Rain in <b>Lisbon</b> tomorrow.");
    let none: SearchResults =
        search(q("transcript:friday AND NOT label:umbrella")).await.unwrap().json().await.unwrap();
    assert_eq!(none.total, 0);

    // The index is not the only copy: rebuilt from the catalog and storage, it finds the same.
    server.state.search.clear().await.unwrap();
    assert_eq!(indexer.rebuild().await.unwrap(), 1);
    let again: SearchResults = search(q("sun")).await.unwrap().json().await.unwrap();
    assert_eq!(again.hits[0].matches[0].timecodes, [Timecode { begin: 6000, end: 7000 }]);

    // 60 KB: the longest a URL may be (HTTP clients refuse 64 KB and more), far past the limit.
    let long = "rain ".repeat(12_000);
    let bad: [(Vec<(&str, String)>, &str); 8] = [
        (q(r#"transcript:"breaking news"#), "query-unbalanced-quote"),
        (q("(rain OR snow"), "query-unbalanced-parenthesis"),
        (q(&long), "query-too-long"),
        (q("colour:red"), "query-unknown-field"),
        (vec![("q", "rain".into()), ("page_size", "-1".into())], "invalid-page-size"),
        (vec![("q", "rain".into()), ("cursor", "yesterday".into())], "invalid-cursor"),
        (vec![("q", "rain".into()), ("type", "hologram".into())], "invalid-query"),
        (vec![("q", "rain".into()), ("from_ms", "9000".into()), ("to_ms", "1000".into())], "invalid-query"),
    ];
    for (query, code) in bad {
        let response = search(query).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{code}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.code, code, "{}", body.message);
    }
    let anonymous = client.get(format!("{}/api/search?q=rain", server.url())).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    server.shutdown().await.unwrap();
}
