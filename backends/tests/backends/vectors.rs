//! The vector index port's suite, run on SQLite and on PostgreSQL, with two handles on one
//! database standing for the server and a worker.

use mediaport_backends::db::Db;
use mediaport_backends::testing;
use mediaport_backends::testing::Postgres;
use mediaport_backends::vectors::SqlVectors;

#[tokio::test]
async fn sqlite_passes_the_vector_suite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    testing::vectors::suite(&SqlVectors::new(db.clone()), &SqlVectors::new(db)).await;
}

#[tokio::test]
async fn in_memory_passes_the_vector_suite() {
    let index = mediaport_core::memory::MemoryVectors::default();
    testing::vectors::suite(&index, &index).await;
}

#[tokio::test]
async fn postgres_passes_the_vector_suite() {
    let server = Postgres::start().await.unwrap();
    let db = Db::open(&server.url).await.unwrap();
    testing::vectors::suite(&SqlVectors::new(db.clone()), &SqlVectors::new(db)).await;
}
