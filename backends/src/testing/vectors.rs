//! The vector index port's suite, with two handles on one store standing for the server
//! and a worker.

use mediaport_core::ServiceError;
use mediaport_core::{VectorError, VectorIndex};

fn ids(found: Vec<mediaport_core::Neighbour>) -> Vec<String> {
    found.into_iter().map(|n| n.id).collect()
}

pub async fn suite(index: &dyn VectorIndex, worker: &dyn VectorIndex) {
    assert!(index.nearest("faces/staff", &[0.0, 0.0, 0.0], 5, None).await.unwrap().is_empty(), "no space yet");

    index.upsert("faces/staff", "ana", &[0.0, 0.0, 1.0]).await.unwrap();
    index.upsert("faces/staff", "ben", &[0.0, 1.0, 0.0]).await.unwrap();
    index.upsert("faces/staff", "cy", &[1.0, 0.0, 0.0]).await.unwrap();
    index.upsert("people", "ana", &[5.0, 5.0, 5.0]).await.unwrap();
    let found = index.nearest("faces/staff", &[0.0, 0.1, 0.9], 2, None).await.unwrap();
    assert_eq!(ids(found.clone()), ["ana", "ben"]);
    assert!((found[0].distance - 0.141_421_36).abs() < 1e-5, "{found:?}");
    assert_eq!(ids(index.nearest("faces/staff", &[0.0, 0.1, 0.9], 5, Some(0.5)).await.unwrap()), ["ana"]);
    assert_eq!(index.count("faces/staff").await.unwrap(), 3);
    assert_eq!(index.count("people").await.unwrap(), 1, "spaces are apart");

    // The other process sees the writes, and its own writes come back.
    assert_eq!(ids(worker.nearest("faces/staff", &[1.0, 0.0, 0.0], 1, None).await.unwrap()), ["cy"]);
    worker.upsert("faces/staff", "cy", &[0.0, 0.0, 0.9]).await.unwrap();
    assert_eq!(ids(index.nearest("faces/staff", &[0.0, 0.0, 1.0], 5, None).await.unwrap()), ["ana", "cy", "ben"]);
    index.remove("faces/staff", "ana").await.unwrap();
    index.remove("faces/staff", "nobody").await.unwrap();
    assert_eq!(ids(worker.nearest("faces/staff", &[0.0, 0.0, 1.0], 5, None).await.unwrap()), ["cy", "ben"]);

    let wrong = index.upsert("faces/staff", "dee", &[1.0, 2.0]).await.unwrap_err();
    assert!(matches!(wrong, VectorError::WrongDimensions { expected: 3, got: 2 }), "{wrong}");
    assert_eq!(wrong.code(), "vector-dimensions");
    assert!(index.nearest("faces/staff", &[1.0], 5, None).await.is_err());
    assert_eq!(index.count("faces/staff").await.unwrap(), 2, "a refused vector is not stored");

    // Ids by prefix (an asset's faces), then whole spaces.
    for id in ["asset-1/0", "asset-1/1", "asset-10/0", "asset_2/0"] {
        index.upsert("people", id, &[1.0, 1.0, 1.0]).await.unwrap();
    }
    assert_eq!(index.remove_prefix("people", "asset-1/").await.unwrap(), 2);
    assert_eq!(index.remove_prefix("people", "asset%").await.unwrap(), 0, "a prefix is not a pattern");
    let left = ids(worker.nearest("people", &[1.0, 1.0, 1.0], 10, None).await.unwrap());
    assert_eq!(left, ["asset-10/0", "asset_2/0", "ana"]);

    worker.nearest("faces/staff", &[0.0, 0.0, 1.0], 5, None).await.unwrap();
    index.drop_space("faces/staff").await.unwrap();
    assert!(worker.nearest("faces/staff", &[0.0, 0.0, 1.0], 5, None).await.unwrap().is_empty());
    // A space made again under the same name may hold vectors of another length, and a
    // process that knew the old one does not answer from it.
    index.upsert("faces/staff", "eve", &[0.5, 0.5]).await.unwrap();
    assert_eq!(ids(worker.nearest("faces/staff", &[0.0, 0.0], 5, None).await.unwrap()), ["eve"]);
    assert_eq!(index.count("people").await.unwrap(), 3);

    // Many at once: all stored and seen by the other process, or none.
    let sentences: Vec<(String, Vec<f32>)> = (0..20).map(|n| (format!("talk/{n}"), vec![n as f32, 0.0, 1.0])).collect();
    index.upsert_many("sentences", &sentences).await.unwrap();
    assert_eq!(ids(worker.nearest("sentences", &[19.0, 0.0, 1.0], 2, None).await.unwrap()), ["talk/19", "talk/18"]);
    let mixed = [("x/0".to_owned(), vec![1.0, 1.0, 1.0]), ("x/1".to_owned(), vec![1.0])];
    assert!(index.upsert_many("sentences", &mixed).await.is_err());
    assert_eq!(worker.count("sentences").await.unwrap(), 20, "a refused batch stores nothing");
}
