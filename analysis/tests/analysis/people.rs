//! The people indexer on the face models and real photographs: faces nobody named are
//! grouped across assets as the assets arrive, a name given to a person reaches every
//! asset's `face_match` timeline and search, and corrections ("not this person", a merge)
//! survive every asset being analysed again.

use crate::common;

use common::{Harness, PROXY_BUCKET};
use mediaport_core::people::Corrections;
use mediaport_core::search::query::Query;
use mediaport_core::{AppearanceRecord, SearchRequest, workflow};
use mediaport_shared::{
    AnalysisKind, Asset, AssetId, AssetStatus, FaceAppearances, PERSON, PersonId, Timeline, UNNAMED_FACE,
};

fn sample(name: &str) -> std::path::PathBuf {
    mediaport_analysis::inference::default_dir().join("samples").join(name)
}

/// Adds a photograph with face analysis on and analyses it.
async fn photograph(h: &Harness, name: &str) -> Asset {
    let asset = h.add(&sample(name), name, None, Some(serde_json::json!({"faces": true}))).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{name}: {:?}", asset.error);
    asset
}

/// The appearance of the photograph's main (largest) face, as the catalog placed it.
async fn main_face(h: &Harness, asset: &Asset) -> AppearanceRecord {
    let body = h.storage.get_object(PROXY_BUCKET, &format!("{}/analysis/faces.json", asset.id)).await.unwrap();
    let faces: FaceAppearances = serde_json::from_slice(&body).unwrap();
    let area = |a: &&mediaport_shared::FaceAppearance| a.boxes.iter().map(|b| b.width * b.height).fold(0.0, f32::max);
    let main = faces.appearances.iter().filter(|a| a.usable).max_by(|a, b| area(a).total_cmp(&area(b))).unwrap();
    let placed = h.faces.people.asset_appearances(&asset.id).await.unwrap();
    placed.into_iter().find(|a| a.id == main.id).unwrap_or_else(|| panic!("{} was not placed", main.id))
}

fn person(appearance: &AppearanceRecord) -> PersonId {
    appearance.person_id.clone().expect("placed in a person")
}

async fn timeline(h: &Harness, asset: &Asset, kind: AnalysisKind) -> Timeline {
    let asset = h.asset(&asset.id).await;
    let key = asset.analysis[&kind].key.clone().unwrap();
    serde_json::from_slice(&h.storage.get_object(PROXY_BUCKET, &key).await.unwrap()).unwrap()
}

async fn names(h: &Harness, asset: &Asset) -> Vec<(String, Option<String>)> {
    let items = timeline(h, asset, AnalysisKind::FaceMatch).await.items;
    items.into_iter().map(|i| (i.name, i.category)).collect()
}

async fn found(h: &Harness, q: &str) -> Vec<AssetId> {
    let request = SearchRequest::new(mediaport_core::search::query::parse(q).unwrap());
    let results = mediaport_core::search::run(h.search.as_ref(), &request).await.unwrap();
    let mut ids: Vec<AssetId> = results.hits.into_iter().map(|hit| hit.asset_id).collect();
    ids.sort();
    ids
}

/// Every asset analysed again, as after new settings: faces are placed again.
async fn analyse_again(h: &Harness, assets: &[&Asset]) {
    for asset in assets {
        h.queue.enqueue(workflow::analyse_job(&asset.id)).await.unwrap();
    }
    h.worker.drain().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unnamed_faces_become_people_across_assets_and_corrections_stick() {
    let h = Harness::start().await;
    let corrections = Corrections { catalog: h.faces.people.as_ref(), queue: h.queue.as_ref() };
    let obama = photograph(&h, "obama.jpg").await;
    let biden = photograph(&h, "biden.jpg").await;
    let obama2 = photograph(&h, "obama2.jpg").await;
    let astronaut = photograph(&h, "astronaut.png").await;

    // Two photographs of one man are one person; the other two are one each.
    let him = person(&main_face(&h, &obama).await);
    assert_eq!(person(&main_face(&h, &obama2).await), him, "both photographs of Obama");
    let joe = person(&main_face(&h, &biden).await);
    let her = person(&main_face(&h, &astronaut).await);
    assert!(joe != him && her != him && her != joe, "three people: {him} {joe} {her}");
    let listed = h.faces.people.get_person(&him).await.unwrap();
    assert_eq!((listed.appearances, listed.chips.len()), (2, 2));
    // Unnamed, they are "Face N" on each asset, and nobody to search for.
    assert!(names(&h, &obama).await.is_empty());
    let unnamed = timeline(&h, &obama, AnalysisKind::Face).await;
    assert!(unnamed.items.iter().all(|i| i.category.as_deref() == Some(UNNAMED_FACE)), "{unnamed:?}");

    // Naming him names him in both assets and in search.
    corrections.name(&him, Some("Barack Obama")).await.unwrap();
    h.worker.drain().await;
    let named = (String::from("Barack Obama"), Some(String::from(PERSON)));
    assert_eq!(names(&h, &obama).await, std::slice::from_ref(&named));
    assert_eq!(names(&h, &obama2).await, std::slice::from_ref(&named));
    assert!(timeline(&h, &obama2, AnalysisKind::Face).await.items.iter().all(|i| i.name != "Barack Obama"));
    let mut both = vec![obama.id.clone(), obama2.id.clone()];
    both.sort();
    assert_eq!(found(&h, "face:\"Barack Obama\"").await, both);
    // The face facet counts him, and nobody unnamed.
    let everything = mediaport_core::search::run(h.search.as_ref(), &SearchRequest::new(Query::All)).await.unwrap();
    let faces = &everything.facets["face"];
    assert_eq!(faces.iter().collect::<Vec<_>>(), [(&"Barack Obama".to_owned(), &2)], "{faces:?}");

    // A photograph that arrives later is named on arrival.
    let obama3 = photograph(&h, "obama3.jpg").await;
    assert_eq!(person(&main_face(&h, &obama3).await), him);
    assert_eq!(names(&h, &obama3).await, std::slice::from_ref(&named));

    // "Not this person": the third photograph leaves him, and its asset loses the name.
    let third = main_face(&h, &obama3).await;
    let elsewhere = corrections.move_out(&him, &third.id, None).await.unwrap();
    assert_ne!(elsewhere.id, him);
    h.worker.drain().await;
    assert!(names(&h, &obama3).await.is_empty(), "{:?}", names(&h, &obama3).await);
    assert_eq!(found(&h, "face:\"Barack Obama\"").await, both);

    // A reviewer says the astronaut and the man in biden.jpg are one person, and names them.
    let merged = corrections.merge(&her, &joe).await.unwrap();
    assert_eq!(merged.appearances, 2);
    corrections.name(&joe, Some("Crew member")).await.unwrap();
    h.worker.drain().await;
    let crew = (String::from("Crew member"), Some(String::from(PERSON)));
    assert_eq!(names(&h, &astronaut).await, std::slice::from_ref(&crew));

    // Everything analysed again: the corrections hold and the names stay.
    analyse_again(&h, &[&obama, &biden, &obama2, &astronaut, &obama3]).await;
    assert_eq!(person(&main_face(&h, &obama).await), him);
    assert_eq!(person(&main_face(&h, &obama2).await), him);
    assert_ne!(person(&main_face(&h, &obama3).await), him, "not him, for good");
    assert_eq!(person(&main_face(&h, &astronaut).await), joe, "the merge holds");
    assert_eq!(names(&h, &obama2).await, [named]);
    assert!(names(&h, &obama3).await.is_empty());
    assert_eq!(names(&h, &astronaut).await, std::slice::from_ref(&crew));
    assert_eq!(names(&h, &biden).await, [crew]);
}
