//! People, appearances and "not this person" notes in memory, with the SQL catalog's
//! rules: a person left without appearances goes, notes outlive an asset's analysis but
//! not the asset. It passes the same suite (`backends::testing::people`).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use mediaport_shared::{AssetId, PersonId};

use super::catalog::{MemoryCatalog, missing};
use crate::ports::catalog::CatalogError;
use crate::ports::people::{AppearanceRecord, Named, PeopleCatalog, PersonRecord};

/// Chips shown per person in a listing.
const CHIPS: usize = 4;

#[derive(Debug)]
struct Person {
    name: Option<String>,
    updated_at: String,
}

#[derive(Debug)]
struct Placed {
    record: AppearanceRecord,
    /// When it was recorded, as a count: the SQL catalog's `created_at`.
    recorded: u64,
}

#[derive(Debug, Default)]
pub(in crate::memory) struct People {
    people: BTreeMap<PersonId, Person>,
    appearances: BTreeMap<String, Placed>,
    /// (appearance, the person it is not).
    exclusions: BTreeSet<(String, PersonId)>,
    recorded: u64,
}

impl People {
    fn record(&self, id: &PersonId) -> Result<PersonRecord, CatalogError> {
        let person = self.people.get(id).ok_or_else(|| missing("person", id))?;
        let mut placed: Vec<&Placed> = self.of_person(id).collect();
        // Pinned first, then the oldest.
        placed.sort_by(|a, b| {
            (b.record.pinned, a.recorded, &a.record.id).cmp(&(a.record.pinned, b.recorded, &b.record.id))
        });
        Ok(PersonRecord {
            id: id.clone(),
            name: person.name.clone(),
            appearances: placed.len() as u64,
            chips: placed.iter().take(CHIPS).map(|p| p.record.chip_key.clone()).collect(),
            updated_at: person.updated_at.clone(),
        })
    }

    fn of_person<'a>(&'a self, id: &'a PersonId) -> impl Iterator<Item = &'a Placed> + 'a {
        self.appearances.values().filter(move |p| p.record.person_id.as_ref() == Some(id))
    }

    fn pin_all(&mut self, id: &PersonId) {
        for placed in self.appearances.values_mut().filter(|p| p.record.person_id.as_ref() == Some(id)) {
            placed.record.pinned = true;
        }
    }

    fn add_person(&mut self, id: &PersonId) {
        self.people.insert(id.clone(), Person { name: None, updated_at: crate::now_rfc3339() });
    }

    fn remove_person(&mut self, id: &PersonId) {
        self.people.remove(id);
        self.exclusions.retain(|(_, person)| person != id);
    }

    /// Removes the people no appearance belongs to any more.
    fn forget_empty(&mut self) {
        let held: BTreeSet<PersonId> = self.appearances.values().filter_map(|p| p.record.person_id.clone()).collect();
        let empty: Vec<PersonId> = self.people.keys().filter(|id| !held.contains(*id)).cloned().collect();
        for id in empty {
            self.remove_person(&id);
        }
    }

    /// An asset was deleted: its appearances and their notes go, and so do the people
    /// seen only there.
    pub(in crate::memory) fn forget_asset(&mut self, asset_id: &AssetId) {
        let prefix = crate::keys::of_asset(asset_id);
        self.appearances.retain(|_, p| p.record.asset_id != *asset_id);
        self.exclusions.retain(|(appearance, _)| !appearance.starts_with(&prefix));
        self.forget_empty();
    }

    fn sorted(mut found: Vec<&Placed>, by_recorded: bool) -> Vec<AppearanceRecord> {
        if by_recorded {
            found.sort_by(|a, b| (a.recorded, &a.record.id).cmp(&(b.recorded, &b.record.id)));
        }
        found.into_iter().map(|p| p.record.clone()).collect()
    }
}

#[async_trait]
impl PeopleCatalog for MemoryCatalog {
    async fn list_people(&self, named: Named, limit: u32, offset: u64) -> Result<Vec<PersonRecord>, CatalogError> {
        self.with(|records| {
            let people = &records.people;
            let mut listed = people
                .people
                .iter()
                .filter(|(_, p)| match named {
                    Named::All => true,
                    Named::Named => p.name.is_some(),
                    Named::Unnamed => p.name.is_none(),
                })
                .map(|(id, _)| people.record(id))
                .collect::<Result<Vec<_>, _>>()?;
            listed.sort_by(|a, b| b.appearances.cmp(&a.appearances).then_with(|| a.id.cmp(&b.id)));
            Ok(listed.into_iter().skip(offset as usize).take(limit as usize).collect())
        })
    }

    async fn get_person(&self, id: &PersonId) -> Result<PersonRecord, CatalogError> {
        self.with(|records| records.people.record(id))
    }

    async fn name_person(&self, id: &PersonId, name: Option<&str>) -> Result<PersonRecord, CatalogError> {
        self.with(|records| {
            let people = &mut records.people;
            let person = people.people.get_mut(id).ok_or_else(|| missing("person", id))?;
            person.name = name.map(str::to_owned);
            person.updated_at = crate::now_rfc3339();
            if name.is_some() {
                people.pin_all(id);
            }
            people.record(id)
        })
    }

    async fn person_appearances(&self, person_id: &PersonId) -> Result<Vec<AppearanceRecord>, CatalogError> {
        Ok(self.with(|records| People::sorted(records.people.of_person(person_id).collect(), true)))
    }

    async fn asset_appearances(&self, asset_id: &AssetId) -> Result<Vec<AppearanceRecord>, CatalogError> {
        Ok(self.with(|records| {
            let found = records.people.appearances.values().filter(|p| p.record.asset_id == *asset_id);
            People::sorted(found.collect(), false)
        }))
    }

    async fn appearances(&self, ids: &[String]) -> Result<Vec<AppearanceRecord>, CatalogError> {
        Ok(self.with(|records| {
            let found = ids.iter().collect::<BTreeSet<_>>().into_iter();
            People::sorted(found.filter_map(|id| records.people.appearances.get(id)).collect(), false)
        }))
    }

    async fn assets_with_face(&self, face_id: &str) -> Result<Vec<AssetId>, CatalogError> {
        Ok(self.with(|records| {
            let placed = records.people.appearances.values();
            let found = placed.filter(|p| p.record.face_id.as_deref() == Some(face_id));
            found.map(|p| p.record.asset_id.clone()).collect::<BTreeSet<_>>().into_iter().collect()
        }))
    }

    async fn exclusions(&self, appearance_id: &str) -> Result<Vec<PersonId>, CatalogError> {
        Ok(self.with(|records| {
            let notes = records.people.exclusions.iter().filter(|(a, _)| a == appearance_id);
            notes.map(|(_, person)| person.clone()).collect()
        }))
    }

    async fn replace_appearances(
        &self,
        asset_id: &AssetId,
        new_people: &[PersonId],
        rows: &[AppearanceRecord],
    ) -> Result<(), CatalogError> {
        self.with(|records| {
            let people = &mut records.people;
            people.appearances.retain(|_, p| p.record.asset_id != *asset_id);
            new_people.iter().for_each(|id| people.add_person(id));
            people.recorded += 1;
            for row in rows {
                let record = AppearanceRecord { asset_id: asset_id.clone(), ..row.clone() };
                people.appearances.insert(row.id.clone(), Placed { record, recorded: people.recorded });
            }
            people.forget_empty();
        });
        Ok(())
    }

    async fn merge_people(&self, from: &PersonId, into: &PersonId) -> Result<PersonRecord, CatalogError> {
        self.with(|records| {
            let people = &mut records.people;
            let kept = people.record(into)?;
            let gone = people.record(from)?;
            let from_faces: BTreeSet<String> = people.of_person(from).map(|p| p.record.id.clone()).collect();
            let both_faces: BTreeSet<String> =
                from_faces.iter().cloned().chain(people.of_person(into).map(|p| p.record.id.clone())).collect();
            // Saying they are one person takes back "not `into`" for `from`'s faces, and
            // "not `from`" becomes "not `into`" for faces elsewhere.
            people.exclusions.retain(|(a, person)| !(person == into && from_faces.contains(a)));
            let carried: Vec<(String, PersonId)> = people
                .exclusions
                .iter()
                .filter(|(a, person)| person == from && !both_faces.contains(a))
                .map(|(a, _)| (a.clone(), into.clone()))
                .collect();
            people.exclusions.extend(carried);
            for placed in people.appearances.values_mut().filter(|p| both_faces.contains(&p.record.id)) {
                placed.record.person_id = Some(into.clone());
                placed.record.pinned = true;
            }
            let person = people.people.get_mut(into).ok_or_else(|| missing("person", into))?;
            person.name = kept.name.or(gone.name);
            person.updated_at = crate::now_rfc3339();
            people.remove_person(from);
            people.record(into)
        })
    }

    async fn move_appearance(
        &self,
        appearance_id: &str,
        from: &PersonId,
        to: Option<&PersonId>,
        new_id: &PersonId,
    ) -> Result<PersonRecord, CatalogError> {
        self.with(|records| {
            let people = &mut records.people;
            let current = people.appearances.get(appearance_id).and_then(|p| p.record.person_id.as_ref());
            if current != Some(from) {
                return Err(missing("appearance of this person", appearance_id));
            }
            match to {
                Some(to) if !people.people.contains_key(to) => return Err(missing("person", to)),
                Some(_) => {}
                None => people.add_person(new_id),
            }
            let target = to.unwrap_or(new_id);
            if let Some(placed) = people.appearances.get_mut(appearance_id) {
                placed.record.person_id = Some(target.clone());
                // Pinned where a reviewer chose the person; a person of its own is only
                // a place to wait in, which clustering may change.
                placed.record.pinned = to.is_some();
            }
            people.exclusions.insert((appearance_id.to_owned(), from.clone()));
            // The faces left with `from` were seen by the reviewer: they stay.
            people.pin_all(from);
            people.exclusions.remove(&(appearance_id.to_owned(), target.clone()));
            let at = crate::now_rfc3339();
            for id in [from, target] {
                if let Some(person) = people.people.get_mut(id) {
                    person.updated_at.clone_from(&at);
                }
            }
            people.forget_empty();
            people.record(target)
        })
    }
}
