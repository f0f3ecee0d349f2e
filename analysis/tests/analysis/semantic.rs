//! Search by meaning through a real worker and real models: a spoken forecast and two
//! typed documents are analysed, and queries that share no words with them find the one
//! they mean, with the moment or page it was said or written; the query's fields still
//! hold; a rebuilt index finds the same.

use crate::common;

use std::sync::Arc;

use common::{Harness, media};
use mediaport_analysis::indexer::Indexer;
use mediaport_core::SearchRequest;
use mediaport_core::search::query;
use mediaport_core::search::semantic::{self, Mode};
use mediaport_shared::{AnalysisKind, AssetStatus, SearchResults};
use serde_json::json;

async fn search(h: &Harness, q: &str, mode: Mode) -> SearchResults {
    let request = SearchRequest::new(query::parse(q).unwrap());
    let text = request.query.free_text();
    let language = common::language(&common::models());
    let vector = tokio::task::spawn_blocking(move || language.embedder.embed(&[text.as_str()]).unwrap().remove(0))
        .await
        .unwrap();
    semantic::run(h.search.as_ref(), h.faces.vectors.as_ref(), &vector, &request, mode).await.unwrap()
}

fn files(found: &SearchResults) -> Vec<&str> {
    found.hits.iter().map(|h| h.filename.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_read_for_their_meaning_find_what_was_said_at_its_moment() {
    let h = Harness::start().await;
    let said = "Good evening. Heavy rain and strong winds will reach the coast tomorrow morning.";
    let film = media::spoken_video(h.dir.path(), said, 3).await;
    let forecast = h.add(&film, "forecast.mp4", None, Some(json!({"transcript": true}))).await;
    let typed = [
        ("recipe.pdf", "Stir the butter and sugar until smooth, then fold in the flour."),
        ("markets.pdf", "Shares of the bank fell sharply after the quarterly results were published."),
    ];
    for (name, text) in typed {
        let path = h.dir.path().join(name);
        std::fs::write(&path, media::pdf(&[text])).unwrap();
        h.add(&path, name, None, Some(json!({"text": true}))).await;
    }
    h.worker.drain().await;
    assert_eq!(h.asset(&forecast.id).await.status, AssetStatus::Ready);
    let stored = h.faces.vectors.count(semantic::SPACE).await.unwrap();
    assert!(stored >= 3, "what was said, and one sentence per page: {stored}");

    // No asset has every word, so a search by words finds nothing.
    assert_eq!(search(&h, "a man talking about rain", Mode::Words).await.total, 0);
    let found = search(&h, "a man talking about rain", Mode::Meaning).await;
    assert_eq!(files(&found), ["forecast.mp4"]);
    let said = &found.hits[0].matches[0];
    assert_eq!(said.kind, AnalysisKind::Transcript);
    assert!(said.name.contains("rain"), "{said:?}");
    // The speech starts 3 s in.
    assert!(said.timecodes[0].begin.abs_diff(3000) <= 1000, "{said:?}");

    let found = search(&h, "baking a cake", Mode::Meaning).await;
    assert_eq!(files(&found), ["recipe.pdf"]);
    assert_eq!(
        (found.hits[0].matches[0].kind, found.hits[0].matches[0].pages.as_slice()),
        (AnalysisKind::Text, &[1][..])
    );

    // The fields of the query still hold.
    assert_eq!(search(&h, "storm warning NOT filename:forecast", Mode::Meaning).await.total, 0);
    // Both: what the words find, and what is near their meaning.
    let found = search(&h, "shares OR rainstorm", Mode::Both).await;
    assert_eq!(files(&found), ["markets.pdf", "forecast.mp4"]);

    // A rebuilt index finds the same.
    let indexer = Indexer {
        catalog: h.catalog.clone(),
        storage: h.storage.clone(),
        proxy_bucket: common::PROXY_BUCKET.into(),
        search: h.search.clone(),
        vectors: Arc::clone(&h.faces.vectors),
    };
    indexer.rebuild().await.unwrap();
    assert_eq!(files(&search(&h, "a man talking about rain", Mode::Meaning).await), ["forecast.mp4"]);
}
