//! The search index port's suite on local disk (tantivy) and in memory, and what a
//! tantivy index keeps across a reopen (and what it does with an earlier version's).

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

#[tokio::test]
async fn an_earlier_version_s_index_is_made_anew_and_asks_for_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    // An index with other fields, as a version before a new kind of analysis made it.
    let mut builder = tantivy::schema::Schema::builder();
    let title = builder.add_text_field("title", tantivy::schema::TEXT | tantivy::schema::STORED);
    let old = tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
    let mut writer: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
    writer.add_document(tantivy::doc!(title => "old")).unwrap();
    writer.commit().unwrap();
    drop((writer, old));

    let index = TantivyIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    let all = search::run(&index, &SearchRequest::new(query::parse("").unwrap())).await.unwrap();
    assert_eq!(all.total, 0);
    testing::search::seed(&index).await;
    drop(index);
    let reopened = TantivyIndex::open(dir.path()).unwrap();
    assert!(!reopened.needs_rebuild(), "the index of this version is kept");
    let all = search::run(&reopened, &SearchRequest::new(query::parse("").unwrap())).await.unwrap();
    assert_eq!(all.total, 3);
}
