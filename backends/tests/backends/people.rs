//! People across assets on the catalog and vector adapters, on SQLite and PostgreSQL:
//! the people rule (`core::people::place`) over the real tables, and reviewers'
//! corrections surviving faces being placed again. Embeddings here are made up (three
//! people far apart, each photograph a little off its person); `analysis/tests/people.rs`
//! does the same with the face models on photographs.

use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::db::Db;
use mediaport_backends::testing;
use mediaport_backends::testing::Postgres;
use mediaport_backends::vectors::SqlVectors;

#[tokio::test]
async fn sqlite_groups_faces_into_people_and_keeps_corrections() {
    let dir = tempfile::tempdir().unwrap();
    suite(Db::open_sqlite(&dir.path().join("catalog.db")).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_groups_faces_into_people_and_keeps_corrections() {
    let server = Postgres::start().await.unwrap();
    suite(Db::open(&server.url).await.unwrap()).await;
}

/// The suite over the catalog and the vectors in one database.
async fn suite(db: Db) {
    let catalog = SqlCatalog::new(db.clone()).await.unwrap();
    testing::people::suite(&catalog, &catalog, &SqlVectors::new(db)).await;
}

#[tokio::test]
async fn in_memory_groups_faces_into_people_and_keeps_corrections() {
    let catalog = mediaport_core::memory::MemoryCatalog::default();
    testing::people::suite(&catalog, &catalog, &mediaport_core::memory::MemoryVectors::default()).await;
}
