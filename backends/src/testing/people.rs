//! People across assets over a catalog and a vector index: the people rule
//! (`core::people::place`) over real tables, and reviewers' corrections surviving faces
//! being placed again. Embeddings are made up (three people far apart, each photograph a
//! little off its person).

use std::collections::BTreeMap;

use mediaport_core::people::place;
use mediaport_core::{Catalog, CatalogError, Named, NewAsset, PeopleCatalog, VectorIndex};
use mediaport_shared::{AssetId, AssetStatus, AssetType, FaceAppearance, FaceMatch, PersonId};

const SAME_PERSON: f32 = 0.5;

/// A face of person `who` (0, 1, 2: a unit apart), nudged by `wobble` (0.1 per step).
fn embedding(who: usize, wobble: usize) -> Vec<f32> {
    let mut v = vec![0.0; 8];
    v[who] = 1.0;
    v[4 + wobble % 4] += 0.1 * (1 + wobble / 4) as f32;
    v
}

fn appearance(asset: &AssetId, n: usize, embedding: Vec<f32>) -> FaceAppearance {
    FaceAppearance {
        id: format!("{asset}/{n}"),
        label: format!("Face {}", n + 1),
        chip: format!("{asset}/faces/{n}.jpg"),
        usable: true,
        confidence: 0.99,
        timecodes: Vec::new(),
        boxes: Vec::new(),
        embedding,
        matched: None,
        traits: None,
    }
}

async fn new_asset(catalog: &dyn Catalog) -> AssetId {
    let id: AssetId = mediaport_core::new_id();
    let asset = NewAsset {
        key: format!("{id}.jpg"),
        id,
        asset_type: AssetType::Image,
        filename: "photo.jpg".into(),
        size: 1,
        md5: None,
        group: None,
        attributes: BTreeMap::new(),
        bucket: "ingest".into(),
        status: AssetStatus::Ready,
        ai_options: None,
    };
    catalog.create_asset(asset).await.unwrap().id
}

/// The person each of an asset's appearances is in.
async fn people_of(catalog: &dyn PeopleCatalog, asset: &AssetId) -> Vec<Option<PersonId>> {
    catalog.asset_appearances(asset).await.unwrap().into_iter().map(|a| a.person_id).collect()
}

pub async fn suite(catalog: &dyn Catalog, people: &dyn PeopleCatalog, index: &dyn VectorIndex) {
    // Ana in three photographs, Ben in two (one with Ana), Cy once; a collection
    // recognised Dee.
    let assets: Vec<AssetId> = futures::future::join_all((0..5).map(|_| new_asset(catalog))).await;
    let faces = [
        vec![appearance(&assets[0], 0, embedding(0, 0))],
        vec![appearance(&assets[1], 0, embedding(0, 1)), appearance(&assets[1], 1, embedding(1, 0))],
        vec![appearance(&assets[2], 0, embedding(1, 2))],
        vec![appearance(&assets[3], 0, embedding(0, 2)), appearance(&assets[3], 1, embedding(2, 0))],
        vec![FaceAppearance {
            matched: Some(FaceMatch {
                collection_id: "staff".into(),
                face_id: "dee".into(),
                name: "Dee".into(),
                distance: 0.3,
            }),
            ..appearance(&assets[4], 0, embedding(3, 0))
        }],
    ];
    for (asset, found) in assets.iter().zip(&faces) {
        place(people, index, asset, found, SAME_PERSON).await.unwrap();
    }
    let ana = people_of(people, &assets[0]).await[0].clone().unwrap();
    let ben = people_of(people, &assets[1]).await[1].clone().unwrap();
    let cy = people_of(people, &assets[3]).await[1].clone().unwrap();
    assert_eq!(people_of(people, &assets[1]).await, [Some(ana.clone()), Some(ben.clone())]);
    assert_eq!(people_of(people, &assets[2]).await, [Some(ben.clone())]);
    assert_eq!(people_of(people, &assets[3]).await, [Some(ana.clone()), Some(cy.clone())]);
    assert!(ana != ben && ben != cy && ana != cy);
    let dee = people.asset_appearances(&assets[4]).await.unwrap();
    assert_eq!((&dee[0].person_id, dee[0].face_id.as_deref()), (&None, Some("dee")));
    assert_eq!(people.assets_with_face("dee").await.unwrap(), [assets[4].clone()]);

    // Most seen first, each with chips; nobody is named yet.
    let listed = people.list_people(Named::All, 10, 0).await.unwrap();
    let counts: Vec<(&PersonId, u64)> = listed.iter().map(|p| (&p.id, p.appearances)).collect();
    assert_eq!(counts[0], (&ana, 3));
    assert_eq!(counts[1], (&ben, 2));
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert_eq!(listed[0].chips.len(), 3);
    assert_eq!(people.list_people(Named::All, 1, 1).await.unwrap()[0].id, ben);
    assert!(people.list_people(Named::Named, 10, 0).await.unwrap().is_empty());

    // Two faces in one photograph are two people, however alike: a near twin of Ana
    // beside her starts a person of its own.
    let twins = new_asset(catalog).await;
    let pair = [appearance(&twins, 0, embedding(0, 3)), appearance(&twins, 1, embedding(0, 5))];
    place(people, index, &twins, &pair, SAME_PERSON).await.unwrap();
    let placed = people_of(people, &twins).await;
    assert_eq!(placed[0].as_ref(), Some(&ana));
    assert!(placed[1].is_some() && placed[1] != placed[0]);

    // "Not Ana" for the photograph of asset 3 sends it to a person of its own; the faces
    // left with her are pinned, so it cannot draw them after it.
    assert!(people.person_appearances(&ana).await.unwrap().iter().all(|a| !a.pinned));
    let moved_id = format!("{}/0", assets[3]);
    let alone = people.move_appearance(&moved_id, &ana, None, &mediaport_core::new_id::<PersonId>()).await.unwrap();
    assert_eq!((alone.appearances, alone.name.as_deref()), (1, None));
    assert_eq!(people.exclusions(&moved_id).await.unwrap(), std::slice::from_ref(&ana));
    assert!(people.person_appearances(&ana).await.unwrap().iter().all(|a| a.pinned));
    let wrong = people.move_appearance(&moved_id, &ana, None, &"x".into()).await.unwrap_err();
    assert!(matches!(wrong, CatalogError::NotFound { .. }), "it is not Ana's any more");
    let named = people.name_person(&ana, Some("Ana")).await.unwrap();
    assert_eq!(named.name.as_deref(), Some("Ana"));
    assert_eq!(people.list_people(Named::Named, 10, 0).await.unwrap().len(), 1);

    // Cy and Ben are one person: Cy's faces go to Ben, pinned, and Cy is gone.
    let merged = people.merge_people(&cy, &ben).await.unwrap();
    assert_eq!((&merged.id, merged.appearances), (&ben, 3));
    assert!(matches!(people.get_person(&cy).await, Err(CatalogError::NotFound { .. })));
    assert!(people.person_appearances(&ben).await.unwrap().iter().all(|a| a.pinned));

    // Everything placed again, as when every asset is analysed again: the corrections hold.
    for (asset, found) in assets.iter().zip(&faces) {
        place(people, index, asset, found, SAME_PERSON).await.unwrap();
    }
    let again = people_of(people, &assets[3]).await;
    assert!(again[0].is_some() && again[0].as_ref() != Some(&ana), "not Ana, for good: {again:?}");
    assert_eq!(again[1].as_ref(), Some(&ben), "Cy stays merged into Ben");
    assert_eq!(people_of(people, &assets[0]).await, [Some(ana.clone())]);
    assert_eq!(people_of(people, &assets[2]).await, [Some(ben.clone())]);
    assert_eq!(people.get_person(&ana).await.unwrap().name.as_deref(), Some("Ana"));

    // Merging the lone photograph back into Ana takes back its "not Ana".
    let lone = again[0].clone().unwrap();
    people.merge_people(&lone, &ana).await.unwrap();
    assert!(people.exclusions(&moved_id).await.unwrap().is_empty());
    assert_eq!(people_of(people, &assets[3]).await[0].as_ref(), Some(&ana));
    assert!(matches!(people.merge_people(&"nobody".into(), &ana).await, Err(CatalogError::NotFound { .. })));

    // A photograph of two new people deleted, after one was said not to be who they
    // were placed with: the person seen nowhere else goes with it, and so does the note;
    // the one also seen in another photograph stays.
    let pair = new_asset(catalog).await;
    let two = [appearance(&pair, 0, embedding(3, 1)), appearance(&pair, 1, embedding(3, 6))];
    place(people, index, &pair, &two, SAME_PERSON).await.unwrap();
    let other = new_asset(catalog).await;
    place(people, index, &other, &[appearance(&other, 0, embedding(3, 2))], SAME_PERSON).await.unwrap();
    let kept = people_of(people, &other).await[0].clone().unwrap();
    let placed = people_of(people, &pair).await;
    let n = placed.iter().position(|p| p.as_ref() != Some(&kept)).unwrap();
    let (lone_face, lone) = (format!("{pair}/{n}"), placed[n].clone().unwrap());
    let solo = people.move_appearance(&lone_face, &lone, None, &mediaport_core::new_id::<PersonId>()).await.unwrap();
    catalog.delete_asset(&pair, true).await.unwrap();
    assert!(matches!(people.get_person(&solo.id).await, Err(CatalogError::NotFound { .. })));
    assert!(people.exclusions(&lone_face).await.unwrap().is_empty());
    assert_eq!(people.get_person(&kept).await.unwrap().appearances, 1);
    assert!(matches!(catalog.delete_asset(&pair, true).await, Err(CatalogError::NotFound { .. })));
}
