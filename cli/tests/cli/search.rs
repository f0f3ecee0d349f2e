//! `GET /api/search` on the real server: an asset's stored results indexed as the worker
//! indexes them are found with their moments, the index is rebuilt from the catalog and
//! storage alone, and every bad query gets 400 with its code, never 500; the free words
//! are read for their meaning when the request asks.

use crate::common;

use common::item;
use mediaport_analysis::indexer::Indexer;
use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::embed::{self, Embedder};
use mediaport_core::users;
use mediaport_shared::{
    AnalysisKind, EmbeddedSentence, Embeddings, ErrorBody, Group, SearchResults, Timecode, Timeline,
};
use reqwest::StatusCode;

const PASSWORD: &str = "Corr3ct-Horse!";

/// The worker's indexer over the server's ports.
fn indexer(server: &mediaport_cli::server::RunningServer) -> Indexer {
    Indexer {
        catalog: server.state.catalog.clone(),
        storage: server.state.storage.clone(),
        proxy_bucket: server.settings.storage.proxy_bucket.clone(),
        search: server.state.search.clone(),
        vectors: server.state.vectors.clone(),
    }
}

/// A server with the viewer "vera", who searches.
async fn start_with_viewer(dir: &std::path::Path) -> mediaport_cli::server::RunningServer {
    let server = mediaport_cli::server::start(common::settings(dir)).await.unwrap();
    users::create_user(server.state.identity.as_ref(), "vera", "v@example.org", Group::Viewer, Some(PASSWORD))
        .await
        .unwrap();
    server
}

#[tokio::test]
async fn stored_results_are_found_with_their_moments_and_bad_queries_get_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_viewer(dir.path()).await;
    let timelines = vec![
        Timeline::new(
            AnalysisKind::Transcript,
            vec![item("Rain in Lisbon tomorrow.", 2000, 4500), item("Sun on Friday.", 6000, 7000)],
        ),
        Timeline::new(AnalysisKind::Label, vec![item("umbrella", 3000, 5000)]),
        Timeline::new(AnalysisKind::Scene, vec![item("scene 1", 0, 5500), item("scene 2", 5500, 8000)]),
    ];
    let asset = common::analysed_asset(&server, "forecast.mp4", timelines).await;
    let indexer = indexer(&server);
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
    // Each moment names the scene it falls in.
    let scenes: Vec<&[u32]> = hit.matches.iter().map(|m| m.scenes.as_slice()).collect();
    assert_eq!(scenes, [&[1][..], &[1][..]]);
    let none: SearchResults =
        search(q("transcript:friday AND NOT label:umbrella")).await.unwrap().json().await.unwrap();
    assert_eq!(none.total, 0);

    // The index is not the only copy: rebuilt from the catalog and storage, it finds the same.
    server.state.search.clear().await.unwrap();
    assert_eq!(indexer.rebuild().await.unwrap(), 1);
    let again: SearchResults = search(q("sun")).await.unwrap().json().await.unwrap();
    assert_eq!(again.hits[0].matches[0].timecodes, [Timecode { begin: 6000, end: 7000 }]);
    assert_eq!(again.hits[0].matches[0].scenes, [2]);

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

/// Stores sentences with their real embeddings where the language stage puts them.
async fn store_sentences(
    server: &mediaport_cli::server::RunningServer,
    asset_id: &mediaport_shared::AssetId,
    said: &[(&str, u64)],
) {
    let texts: Vec<String> = said.iter().map(|(text, _)| (*text).to_owned()).collect();
    let vectors = tokio::task::spawn_blocking(move || {
        let models = Models::open(&inference::default_dir(), 1).unwrap();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        Embedder::new(&models).unwrap().embed(&texts).unwrap()
    })
    .await
    .unwrap();
    let sentences = said
        .iter()
        .zip(vectors)
        .map(|((text, begin), vector)| EmbeddedSentence {
            source: AnalysisKind::Transcript,
            text: (*text).into(),
            timecodes: vec![Timecode { begin: *begin, end: begin + 3000 }],
            pages: vec![],
            vector,
        })
        .collect();
    let embeddings = Embeddings { model: embed::MODEL.into(), dimensions: embed::DIMENSIONS, sentences };
    let key = format!("{asset_id}/analysis/embeddings.json");
    let proxy = &server.settings.storage.proxy_bucket;
    server.state.storage.put_object(proxy, &key, serde_json::to_vec(&embeddings).unwrap().into()).await.unwrap();
}

#[tokio::test]
async fn the_free_words_are_read_for_their_meaning_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_viewer(dir.path()).await;
    let said = [("Heavy rain and strong winds will reach the coast tomorrow.", 2000), ("Sun on Friday.", 6000)];
    let timelines = vec![Timeline::new(
        AnalysisKind::Transcript,
        said.iter().map(|(text, begin)| item(text, *begin, begin + 3000)).collect(),
    )];
    let forecast = common::analysed_asset(&server, "forecast.mp4", timelines).await;
    store_sentences(&server, &forecast.id, &said).await;
    let cooking = [("Stir the butter and sugar until smooth.", 1000)];
    let timelines = vec![Timeline::new(AnalysisKind::Transcript, vec![item(cooking[0].0, 1000, 4000)])];
    let recipe = common::analysed_asset(&server, "recipe.mp4", timelines).await;
    store_sentences(&server, &recipe.id, &cooking).await;
    let indexer = indexer(&server);
    assert_eq!(indexer.rebuild().await.unwrap(), 2);

    let (session, _) = server.state.identity.login("vera", PASSWORD).await.unwrap();
    let client = reqwest::Client::new();
    let search = |q: &str, mode: &str| {
        let query = [("q", q.to_owned()), ("mode", mode.to_owned())];
        client.get(format!("{}/api/search", server.url())).query(&query).bearer_auth(&session.access_token).send()
    };
    let by_words: SearchResults = search("storm warning", "words").await.unwrap().json().await.unwrap();
    assert_eq!(by_words.total, 0);
    let by_meaning: SearchResults = search("storm warning", "meaning").await.unwrap().json().await.unwrap();
    assert_eq!(by_meaning.total, 1, "{by_meaning:?}");
    let said = &by_meaning.hits[0].matches[0];
    assert_eq!(by_meaning.hits[0].filename, "forecast.mp4");
    assert!(said.name.starts_with("Heavy rain"), "the sentence it means: {said:?}");
    assert_eq!(said.timecodes, [Timecode { begin: 2000, end: 5000 }]);
    let both: SearchResults = search("butter OR storm", "both").await.unwrap().json().await.unwrap();
    let mut files: Vec<&str> = both.hits.iter().map(|h| h.filename.as_str()).collect();
    files.sort();
    assert_eq!(files, ["forecast.mp4", "recipe.mp4"]);

    for (q, mode, code) in [("rain", "vibes", "invalid-query"), ("label:dog", "meaning", "query-no-words")] {
        let response = search(q, mode).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{code}");
        assert_eq!(response.json::<ErrorBody>().await.unwrap().code, code);
    }
    server.shutdown().await.unwrap();
}
