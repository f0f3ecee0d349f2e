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
        seen.push(SeenFace { record, label, timecodes: appearance.timecodes });
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
    use super::*;

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
}
