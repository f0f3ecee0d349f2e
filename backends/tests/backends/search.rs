//! The search index port's suite on local disk (tantivy) and in memory, and what a
//! tantivy index keeps across a reopen.

use mediaport_backends::search::TantivyIndex;
use mediaport_backends::testing;
use mediaport_core::search::{self, query};
use mediaport_core::{SearchIndex, SearchRequest};

#[tokio::test]
async fn tantivy_passes_the_search_suite() {
    let dir = tempfile::tempdir().unwrap();
    testing::search::suite(&TantivyIndex::open(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn the_in_memory_index_passes_the_search_suite() {
    testing::search::suite(&mediaport_core::memory::MemorySearch::default()).await;
}

#[tokio::test]
async fn a_reopened_index_holds_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    testing::search::seed(&index).await;
    index.remove(&"news".into()).await.unwrap();
    drop(index);
    let reopened = TantivyIndex::open(dir.path()).unwrap();
    let all = search::run(&reopened, &SearchRequest::new(query::parse("").unwrap())).await.unwrap();
    let mut ids: Vec<String> = all.hits.into_iter().map(|h| h.asset_id.to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["interview", "photo"]);
}
