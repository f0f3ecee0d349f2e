//! The catalog and face catalog ports' suites, run against SQLite, against PostgreSQL (a
//! private cluster the test starts) and in memory.

use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::db::Db;
use mediaport_backends::testing;
use mediaport_backends::testing::Postgres;
use mediaport_core::Catalog;
use mediaport_core::ServiceError;

#[tokio::test]
async fn sqlite_passes_the_catalog_suite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    testing::catalog::suite(&catalog).await;
    testing::faces::suite(&catalog).await;
    testing::corrections::suite(&catalog).await;
    testing::notes::suite(&catalog).await;
    testing::shares::suite(&catalog).await;
}

#[tokio::test]
async fn postgres_passes_the_catalog_suite() {
    let server = Postgres::start().await.unwrap();
    let catalog = SqlCatalog::new(Db::open(&server.url).await.unwrap()).await.unwrap();
    testing::catalog::suite(&catalog).await;
    testing::faces::suite(&catalog).await;
    testing::corrections::suite(&catalog).await;
    testing::notes::suite(&catalog).await;
    testing::shares::suite(&catalog).await;
    // A second server on the same database sees the same installation.
    let other = SqlCatalog::new(Db::open(&server.url).await.unwrap()).await.unwrap();
    assert_eq!(other.instance_id().await.unwrap(), catalog.instance_id().await.unwrap());
}

#[tokio::test]
async fn servers_starting_together_on_a_new_postgres_agree_on_one_instance() {
    let server = Postgres::start().await.unwrap();
    let starts = (0..8).map(|_| async {
        let catalog = SqlCatalog::new(Db::open(&server.url).await.unwrap()).await.unwrap();
        catalog.instance_id().await.unwrap()
    });
    let ids = futures::future::join_all(starts).await;
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
}

#[tokio::test]
async fn sqlite_keeps_its_instance_id_and_rows_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let first = SqlCatalog::open_sqlite(&path).await.unwrap();
    let id = first.instance_id().await.unwrap();
    let asset = first.create_asset(testing::catalog::new_asset("kept.jpg")).await.unwrap();
    first.close().await;
    let second = SqlCatalog::open_sqlite(&path).await.unwrap();
    assert_eq!(second.instance_id().await.unwrap(), id);
    assert_eq!(second.get_asset(&asset.id).await.unwrap(), asset);
}

#[tokio::test]
async fn a_closed_catalog_reports_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    catalog.close().await;
    let err = catalog.ping().await.unwrap_err();
    assert_eq!(err.code(), "catalog-unavailable");
}

#[tokio::test]
async fn the_in_memory_catalog_passes_the_catalog_suite() {
    let catalog = mediaport_core::memory::MemoryCatalog::default();
    testing::catalog::suite(&catalog).await;
    testing::faces::suite(&catalog).await;
    testing::corrections::suite(&catalog).await;
    testing::notes::suite(&catalog).await;
    testing::shares::suite(&catalog).await;
}
