//! People: the faces nobody has named yet, grouped across assets as assets arrive, and
//! the corrections reviewers make to them (a name, a merge, "not this person"). A face
//! joins the person most of its nearest faces in other assets belong to (`choose_person`);
//! corrections are kept in the catalog and honoured every time faces are placed again, so
//! re-analysing an asset never undoes them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mediaport_shared::{AssetId, FaceAppearance, FaceAppearances, PersonId, Timecode};

use crate::faces::{FaceError, check_name};
use crate::keys;
use crate::ports::catalog::CatalogError;
use crate::ports::faces::FaceCatalog;
use crate::ports::people::{AppearanceRecord, PeopleCatalog, PersonRecord};
use crate::ports::queue::Queue;
use crate::ports::storage::{Storage, StorageError};
use crate::ports::vectors::VectorIndex;
use crate::workflow::relabel_job;

/// The vector space of the faces placed in people (one mean embedding per appearance).
pub const SPACE: &str = "people";

/// Faces looked at around each face being placed.
const NEIGHBOURS: usize = 20;

/// A face near the one being placed, and the person it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct NearFace {
    pub person: PersonId,
    /// Euclidean distance between the two faces' embeddings.
    pub distance: f32,
}

/// The person the face joins, or none (it starts a person of its own).
///
/// Each near face under `same_person` votes for its person, the nearer the stronger
/// (`same_person - distance`): one stray look-alike does not outvote several faces of
/// the right person a little further away. Equal votes go to the person with the nearest
/// face. Persons in `excluded` (the face was said not to be them) get no votes.
pub fn choose_person(near: &[NearFace], excluded: &[PersonId], same_person: f32) -> Option<PersonId> {
    let mut votes: BTreeMap<&PersonId, (f32, f32)> = BTreeMap::new();
    for face in near.iter().filter(|f| f.distance < same_person && !excluded.contains(&f.person)) {
        let vote = votes.entry(&face.person).or_insert((0.0, f32::INFINITY));
        vote.0 += same_person - face.distance;
        vote.1 = vote.1.min(face.distance);
    }
    votes
        .into_iter()
        .max_by(|(_, a), (_, b)| a.0.total_cmp(&b.0).then_with(|| b.1.total_cmp(&a.1)))
        .map(|(person, _)| person.clone())
}

/// Places an asset's appearances after its analysis and records them, returning what
/// was recorded. Appearances a collection recognised are recorded with their face; the
/// other usable ones go to a person: the one a reviewer pinned them to, else the one
/// their nearest faces in other assets vote for (never one they were said not to be,
/// never one another appearance of this asset already took: within an asset, separate
/// appearances are separate people), else a new person.
pub async fn place(
    catalog: &dyn PeopleCatalog,
    vectors: &dyn VectorIndex,
    asset_id: &AssetId,
    appearances: &[FaceAppearance],
    same_person: f32,
) -> Result<Vec<AppearanceRecord>, FaceError> {
    let before: HashMap<String, AppearanceRecord> =
        catalog.asset_appearances(asset_id).await?.into_iter().map(|a| (a.id.clone(), a)).collect();
    // This asset's faces of an earlier analysis must not vote for themselves.
    vectors.remove_prefix(SPACE, &crate::keys::of_asset(asset_id)).await?;
    let pinned_to = |a: &FaceAppearance| before.get(&a.id).filter(|r| r.pinned).and_then(|r| r.person_id.clone());
    // People this asset's pinned faces hold are taken before any other face is placed.
    let mut taken: Vec<PersonId> =
        appearances.iter().filter(|a| a.usable && a.matched.is_none()).filter_map(pinned_to).collect();
    let (mut rows, mut new_people) = (Vec::new(), Vec::new());
    for appearance in appearances.iter().filter(|a| a.usable) {
        let mut row = AppearanceRecord {
            id: appearance.id.clone(),
            asset_id: asset_id.clone(),
            person_id: None,
            face_id: None,
            chip_key: appearance.chip.clone(),
            pinned: false,
        };
        if let Some(found) = &appearance.matched {
            row.face_id = Some(found.face_id.clone());
            rows.push(row);
            continue;
        }
        let person = match pinned_to(appearance) {
            Some(person) => {
                row.pinned = true;
                person
            }
            None => {
                let mut excluded = catalog.exclusions(&appearance.id).await?;
                excluded.extend(taken.iter().cloned());
                let near = nearest_people(catalog, vectors, asset_id, &appearance.embedding, same_person).await?;
                choose_person(&near, &excluded, same_person).unwrap_or_else(|| {
                    let id: PersonId = crate::new_id();
                    new_people.push(id.clone());
                    id
                })
            }
        };
        vectors.upsert(SPACE, &appearance.id, &appearance.embedding).await?;
        taken.push(person.clone());
        row.person_id = Some(person);
        rows.push(row);
    }
    catalog.replace_appearances(asset_id, &new_people, &rows).await?;
    Ok(rows)
}

/// The faces near `embedding` in other assets than `asset_id`, and the people they were
/// placed in.
async fn nearest_people(
    catalog: &dyn PeopleCatalog,
    vectors: &dyn VectorIndex,
    asset_id: &AssetId,
    embedding: &[f32],
    same_person: f32,
) -> Result<Vec<NearFace>, FaceError> {
    let own = crate::keys::of_asset(asset_id);
    let mut near = vectors.nearest(SPACE, embedding, NEIGHBOURS, Some(same_person)).await?;
    // This asset's faces placed a moment ago still point at their rows of the last analysis.
    near.retain(|n| !n.id.starts_with(&own));
    let ids: Vec<String> = near.iter().map(|n| n.id.clone()).collect();
    // A face whose asset is being placed right now has a vector but no row yet: it
    // does not vote.
    let people: HashMap<String, PersonId> =
        catalog.appearances(&ids).await?.into_iter().filter_map(|a| a.person_id.map(|person| (a.id, person))).collect();
    Ok(near
        .into_iter()
        .filter_map(|n| people.get(&n.id).map(|person| NearFace { person: person.clone(), distance: n.distance }))
        .collect())
}

/// What a reviewer or a collection calls an appearance.
#[derive(Debug, Clone, PartialEq)]
pub struct Called {
    pub name: String,
    /// Named through a person rather than a collection face.
    pub person: bool,
}

/// The name an appearance goes by now: its collection face's, else its person's if a
/// reviewer named them. A face or person deleted since is nobody's name.
pub async fn called(
    faces: &dyn FaceCatalog,
    people: &dyn PeopleCatalog,
    appearance: &AppearanceRecord,
) -> Result<Option<Called>, CatalogError> {
    let found = match (&appearance.face_id, &appearance.person_id) {
        (Some(face), _) => faces.get_face(face).await.map(|f| Some(Called { name: f.name, person: false })),
        (None, Some(person)) => {
            people.get_person(person).await.map(|p| p.name.map(|name| Called { name, person: true }))
        }
        (None, None) => Ok(None),
    };
    match found {
        Err(CatalogError::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// A usable face analysis found in an asset, as its page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenFace {
    pub record: AppearanceRecord,
    /// The name it goes by now (see [`called`]), else the label analysis gave it.
    pub label: String,
    pub timecodes: Vec<Timecode>,
    pub traits: Option<mediaport_shared::FaceTraits>,
}

/// The usable faces analysis found in an asset, with the names they go by now; none
/// before its faces were analysed.
pub async fn faces_of(
    faces: &dyn FaceCatalog,
    people: &dyn PeopleCatalog,
    storage: &dyn Storage,
    proxy_bucket: &str,
    asset_id: &AssetId,
) -> Result<Vec<SeenFace>, FaceError> {
    let key = keys::faces(asset_id);
    let found: FaceAppearances = match storage.get_object(proxy_bucket, &key).await {
        Ok(body) => serde_json::from_slice(&body).map_err(|e| FaceError::Unreadable(format!("{key}: {e}")))?,
        Err(StorageError::NoSuchKey { .. }) => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    let placed: HashMap<String, AppearanceRecord> =
        people.asset_appearances(asset_id).await?.into_iter().map(|a| (a.id.clone(), a)).collect();
    let mut seen = Vec::new();
    for appearance in found.appearances.into_iter().filter(|a| a.usable) {
        let record = placed.get(&appearance.id).cloned().unwrap_or_else(|| AppearanceRecord {
            id: appearance.id.clone(),
            asset_id: asset_id.clone(),
            person_id: None,
            face_id: None,
            chip_key: appearance.chip.clone(),
            pinned: false,
        });
        let label = called(faces, people, &record).await?.map_or(appearance.label, |c| c.name);
        seen.push(SeenFace { record, label, timecodes: appearance.timecodes, traits: appearance.traits });
    }
    Ok(seen)
}

/// Reviewers' corrections to people. Each is recorded, then every asset whose timelines
/// name differently because of it gets a relabelling job.
pub struct Corrections<'a> {
    pub catalog: &'a dyn PeopleCatalog,
    pub queue: &'a dyn Queue,
}

impl Corrections<'_> {
    /// Names a person everywhere they appear, or takes the name away (`None` or blank).
    pub async fn name(&self, id: &PersonId, name: Option<&str>) -> Result<PersonRecord, FaceError> {
        let name = name.filter(|n| !n.trim().is_empty()).map(check_name).transpose()?;
        let person = self.catalog.name_person(id, name.as_deref()).await?;
        self.relabel(self.assets_of(&[id]).await?).await?;
        Ok(person)
    }

    /// `from` and `into` are one person, who keeps `into`'s id.
    pub async fn merge(&self, from: &PersonId, into: &PersonId) -> Result<PersonRecord, FaceError> {
        if from == into {
            return Err(same_person());
        }
        let assets = self.assets_of(&[from, into]).await?;
        let person = self.catalog.merge_people(from, into).await?;
        self.relabel(assets).await?;
        Ok(person)
    }

    /// "Not this person": the appearance leaves `from` for good, for `to` or a person
    /// of its own. Returns the person it went to.
    pub async fn move_out(
        &self,
        from: &PersonId,
        appearance_id: &str,
        to: Option<&PersonId>,
    ) -> Result<PersonRecord, FaceError> {
        if to == Some(from) {
            return Err(same_person());
        }
        let person = self.catalog.move_appearance(appearance_id, from, to, &crate::new_id::<PersonId>()).await?;
        let asset = self.catalog.appearances(&[appearance_id.to_owned()]).await?;
        self.relabel(asset.into_iter().map(|a| a.asset_id).collect()).await?;
        Ok(person)
    }

    /// A collection face was renamed or removed: the assets it recognised are named again.
    pub async fn face_changed(&self, face_id: &str) -> Result<(), FaceError> {
        let assets = self.catalog.assets_with_face(face_id).await?;
        self.relabel(assets.into_iter().collect()).await
    }

    async fn assets_of(&self, people: &[&PersonId]) -> Result<BTreeSet<AssetId>, FaceError> {
        let mut assets = BTreeSet::new();
        for person in people {
            self.catalog.get_person(person).await?;
            assets.extend(self.catalog.person_appearances(person).await?.into_iter().map(|a| a.asset_id));
        }
        Ok(assets)
    }

    async fn relabel(&self, assets: BTreeSet<AssetId>) -> Result<(), FaceError> {
        for asset in assets {
            self.queue.enqueue(relabel_job(&asset)).await?;
        }
        Ok(())
    }
}

fn same_person() -> FaceError {
    FaceError::Invalid { code: "same-person", message: "a person cannot be merged with or moved to themselves".into() }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use mediaport_shared::FaceMatch;

    use super::*;
    use crate::error::{ErrorKind, ServiceError};
    use crate::memory::{MemoryCatalog, MemoryQueue, MemoryStorage, MemoryVectors};
    use crate::ports::faces::FaceRecord;
    use crate::ports::queue::{JobFilter, Task};

    fn near(person: &str, distance: f32) -> NearFace {
        NearFace { person: person.into(), distance }
    }

    #[test]
    fn several_near_faces_outvote_one_nearer_look_alike() {
        let faces = [near("ana", 0.30), near("ben", 0.35), near("ben", 0.36), near("ben", 0.38)];
        assert_eq!(choose_person(&faces, &[], 0.5), Some("ben".into()));
        assert_eq!(choose_person(&faces[..1], &[], 0.5), Some("ana".into()));
    }

    #[test]
    fn far_faces_and_excluded_people_do_not_count() {
        assert_eq!(choose_person(&[near("ana", 0.55)], &[], 0.5), None, "too far: a new person");
        let faces = [near("ana", 0.2), near("ben", 0.45)];
        assert_eq!(choose_person(&faces, &["ana".into()], 0.5), Some("ben".into()));
        assert_eq!(choose_person(&faces, &["ana".into(), "ben".into()], 0.5), None);
    }

    #[test]
    fn equal_votes_go_to_the_nearest_face() {
        // ana: 0.125 + 0.25 from two faces; ben: 0.375 from one nearer face (exact in binary).
        let faces = [near("ana", 0.375), near("ana", 0.25), near("ben", 0.125)];
        assert_eq!(choose_person(&faces, &[], 0.5), Some("ben".into()));
    }

    /// Ports holding two photographs: ana alone in `a`, ana and ben in `b`.
    struct Placed {
        catalog: MemoryCatalog,
        queue: MemoryQueue,
        vectors: MemoryVectors,
        a: AssetId,
        b: AssetId,
        ana: PersonId,
        ben: PersonId,
    }

    fn face(asset: &AssetId, n: usize, embedding: [f32; 2]) -> FaceAppearance {
        FaceAppearance {
            id: format!("{asset}/{n}"),
            label: format!("Face {}", n + 1),
            chip: format!("{asset}/faces/{n}.jpg"),
            usable: true,
            confidence: 0.9,
            timecodes: vec![Timecode { begin: 1000 * n as u64, end: 1000 * n as u64 + 500 }],
            boxes: Vec::new(),
            embedding: embedding.to_vec(),
            matched: None,
            traits: None,
        }
    }

    impl Placed {
        async fn new() -> Self {
            let (catalog, vectors) = (MemoryCatalog::default(), MemoryVectors::default());
            let (a, b): (AssetId, AssetId) = ("a".into(), "b".into());
            place(&catalog, &vectors, &a, &[face(&a, 0, [1.0, 0.0])], 0.5).await.unwrap();
            let found = [face(&b, 0, [0.95, 0.05]), face(&b, 1, [0.0, 1.0])];
            let rows = place(&catalog, &vectors, &b, &found, 0.5).await.unwrap();
            let (ana, ben) = (rows[0].person_id.clone().unwrap(), rows[1].person_id.clone().unwrap());
            Self { catalog, queue: MemoryQueue::default(), vectors, a, b, ana, ben }
        }

        fn corrections(&self) -> Corrections<'_> {
            Corrections { catalog: &self.catalog, queue: &self.queue }
        }

        /// The assets relabelling jobs were queued for, in order, each once.
        async fn relabelled(&self) -> BTreeSet<AssetId> {
            let jobs = self.queue.list(&JobFilter::default(), 100).await.unwrap();
            let relabels = jobs.into_iter().filter(|j| matches!(j.task, Task::Relabel { .. }));
            relabels.map(|j| j.task.asset_id().clone()).collect()
        }
    }

    #[tokio::test]
    async fn naming_a_person_relabels_every_asset_they_are_in() {
        let ports = Placed::new().await;
        assert_eq!(ports.catalog.person_appearances(&ports.ana).await.unwrap().len(), 2, "one person in both");
        let named = ports.corrections().name(&ports.ana, Some("  Ana  ")).await.unwrap();
        assert_eq!(named.name.as_deref(), Some("Ana"));
        assert_eq!(ports.relabelled().await, BTreeSet::from([ports.a.clone(), ports.b.clone()]));
        // Blank takes the name away; a control character is refused and changes nothing.
        assert_eq!(ports.corrections().name(&ports.ana, Some(" ")).await.unwrap().name, None);
        let refused = ports.corrections().name(&ports.ana, Some("A\u{7}na")).await.unwrap_err();
        assert_eq!((refused.code(), refused.kind()), ("invalid-name", ErrorKind::Invalid));
        let unknown = ports.corrections().name(&"nobody".into(), Some("X")).await.unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn a_merge_relabels_both_peoples_assets_and_refuses_one_person_with_themselves() {
        let ports = Placed::new().await;
        let same = ports.corrections().merge(&ports.ana, &ports.ana).await.unwrap_err();
        assert_eq!(same.code(), "same-person");
        assert!(ports.relabelled().await.is_empty(), "nothing queued for a refused merge");
        let merged = ports.corrections().merge(&ports.ben, &ports.ana).await.unwrap();
        assert_eq!((merged.id, merged.appearances), (ports.ana.clone(), 3));
        assert_eq!(ports.relabelled().await, BTreeSet::from([ports.a.clone(), ports.b.clone()]));
    }

    #[tokio::test]
    async fn not_this_person_relabels_the_one_asset_and_holds_when_faces_are_placed_again() {
        let ports = Placed::new().await;
        let face_id = format!("{}/0", ports.b);
        let same = ports.corrections().move_out(&ports.ana, &face_id, Some(&ports.ana)).await.unwrap_err();
        assert_eq!(same.code(), "same-person");
        let alone = ports.corrections().move_out(&ports.ana, &face_id, None).await.unwrap();
        assert!(alone.id != ports.ana && alone.id != ports.ben);
        assert_eq!(ports.relabelled().await, BTreeSet::from([ports.b.clone()]));
        // Analysed again: the face is still not Ana, though it is nearest her.
        let found = [face(&ports.b, 0, [0.95, 0.05]), face(&ports.b, 1, [0.0, 1.0])];
        let rows = place(&ports.catalog, &ports.vectors, &ports.b, &found, 0.5).await.unwrap();
        assert!(rows[0].person_id.as_ref().is_some_and(|p| *p != ports.ana), "{rows:?}");
        let anas: Vec<String> =
            ports.catalog.person_appearances(&ports.ana).await.unwrap().into_iter().map(|a| a.id).collect();
        assert_eq!(anas, [format!("{}/0", ports.a)]);
    }

    #[tokio::test]
    async fn an_assets_faces_go_by_their_collection_face_or_their_persons_name() {
        let ports = Placed::new().await;
        let storage = MemoryStorage::default();
        storage.ensure_bucket("proxy").await.unwrap();
        assert!(faces_of(&ports.catalog, &ports.catalog, &storage, "proxy", &ports.b).await.unwrap().is_empty());

        let mut found = vec![face(&ports.b, 0, [0.95, 0.05]), face(&ports.b, 1, [0.0, 1.0])];
        found[1].matched = Some(FaceMatch {
            collection_id: "staff".into(),
            face_id: "f-ben".into(),
            name: "Ben".into(),
            distance: 0.2,
        });
        place(&ports.catalog, &ports.vectors, &ports.b, &found, 0.5).await.unwrap();
        ports.catalog.create_collection("staff", "Staff").await.unwrap();
        let ben = FaceRecord {
            id: "f-ben".into(),
            collection_id: "staff".into(),
            name: "Benedict".into(),
            source: "ben.jpg".into(),
            crop_key: "faces/ben.jpg".into(),
            created_at: String::new(),
        };
        ports.catalog.add_face(&ben).await.unwrap();
        ports.corrections().name(&ports.ana, Some("Ana")).await.unwrap();
        let stored = FaceAppearances { model: "test".into(), appearances: found };
        let body = Bytes::from(serde_json::to_vec(&stored).unwrap());
        storage.put_object("proxy", &keys::faces(&ports.b), body).await.unwrap();

        let seen = faces_of(&ports.catalog, &ports.catalog, &storage, "proxy", &ports.b).await.unwrap();
        let labels: Vec<&str> = seen.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["Ana", "Benedict"], "the collection face's name now, not the one analysis saw");
        // A collection face deleted since is nobody's name: the analysis label stays.
        ports.catalog.delete_face("f-ben").await.unwrap();
        let seen = faces_of(&ports.catalog, &ports.catalog, &storage, "proxy", &ports.b).await.unwrap();
        assert_eq!(seen[1].label, "Face 2");
    }
}
