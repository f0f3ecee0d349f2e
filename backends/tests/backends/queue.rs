//! The queue port's suite: what every adapter must do so that workers on many machines
//! share work safely. Run against SQLite and against a PostgreSQL the test starts.

use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::db::Db;
use mediaport_backends::testing;
use mediaport_backends::testing::Postgres;
use mediaport_core::{JobKind, Task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_queue_suite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    testing::queue::suite(mediaport_backends::queue::in_db(catalog.db())).await;
    runs_a_row_written_before_jobs_were_typed(catalog.db()).await;
}

/// A removal queued by an older version: its kind and payload as that version wrote them.
async fn runs_a_row_written_before_jobs_were_typed(db: &Db) {
    let Db::Sqlite(pool) = db else { unreachable!("the suite's SQLite database") };
    sqlx::query(
        "INSERT INTO jobs (id, kind, asset_id, payload, status, max_attempts, run_after, created_at) \
         VALUES ('old-1', 'remove', 'gone', '{\"asset_id\":\"gone\",\"original\":{\"bucket\":\"b\",\"key\":\"k\"}}', \
         'queued', 5, 0, '2026-01-01T00:00:00.000Z')",
    )
    .execute(pool)
    .await
    .unwrap();
    let queue = mediaport_backends::queue::in_db(db);
    let claimed = queue
        .claim("w1", &[JobKind::Remove], std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .expect("the old row is due");
    let original = Some(mediaport_core::ObjectLocation { bucket: "b".into(), key: "k".into() });
    assert_eq!(claimed.task, Task::Remove { asset_id: "gone".into(), original });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_queue_suite() {
    let server = Postgres::start().await.unwrap();
    testing::queue::suite(mediaport_backends::queue::in_db(&Db::open(&server.url).await.unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_memory_queue_passes_the_queue_suite() {
    testing::queue::suite(std::sync::Arc::new(mediaport_core::memory::MemoryQueue::default())).await;
}
