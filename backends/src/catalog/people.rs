//! People found in assets, their appearances and reviewers' corrections, in the
//! catalog's database.

use std::collections::HashMap;

use async_trait::async_trait;
use mediaport_core::{AppearanceRecord, CatalogError, Named, PeopleCatalog, PersonRecord};
use mediaport_shared::{AssetId, PersonId};

use super::sql::{SqlCatalog, db_err, now};
use crate::db::{Cells, on_db};

/// Chips shown per person in a listing.
const CHIPS: usize = 4;

const PEOPLE: &str = "SELECT p.id, p.name, p.updated_at, \
     (SELECT COUNT(*) FROM appearances a WHERE a.person_id = p.id) AS appearance_count FROM people p";

/// Removes the people no appearance belongs to any more.
const FORGET_EMPTY: &str =
    "DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM appearances a WHERE a.person_id = people.id)";

fn person(row: &impl Cells) -> Result<PersonRecord, sqlx::Error> {
    Ok(PersonRecord {
        id: row.id("id")?,
        name: row.maybe_text("name")?,
        appearances: row.int("appearance_count")? as u64,
        chips: Vec::new(),
        updated_at: row.text("updated_at")?,
    })
}

fn appearance(row: &impl Cells) -> Result<AppearanceRecord, sqlx::Error> {
    Ok(AppearanceRecord {
        id: row.text("id")?,
        asset_id: row.id("asset_id")?,
        person_id: row.maybe_id("person_id")?,
        face_id: row.maybe_text("face_id")?,
        chip_key: row.text("chip_key")?,
        pinned: row.int("pinned")? != 0,
    })
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl SqlCatalog {
    async fn people_where(&self, filter: &str, args: &[&str], tail: &str) -> Result<Vec<PersonRecord>, CatalogError> {
        let sql = format!("{PEOPLE} {filter} {tail}");
        let mut people = on_db!(&self.db, |pool| async {
            let mut query = sqlx::query(&sql);
            for arg in args {
                query = query.bind(*arg);
            }
            query.fetch_all(pool).await?.iter().map(person).collect::<Result<Vec<_>, _>>()
        }
        .await)
        .map_err(db_err)?;
        self.add_chips(&mut people).await?;
        Ok(people)
    }

    /// A few chips of each person, pinned appearances first, then the oldest.
    async fn add_chips(&self, people: &mut [PersonRecord]) -> Result<(), CatalogError> {
        if people.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT person_id, chip_key FROM appearances WHERE person_id IN ({}) \
             ORDER BY pinned DESC, created_at, id",
            placeholders(1, people.len())
        );
        let rows = on_db!(&self.db, |pool| async {
            let mut query = sqlx::query(&sql);
            for person in people.iter() {
                query = query.bind(person.id.as_str());
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.id("person_id")?, r.text("chip_key")?))).collect::<Result<Vec<_>, sqlx::Error>>()
        }
        .await)
        .map_err(db_err)?;
        let mut chips: HashMap<PersonId, Vec<String>> = HashMap::new();
        for (person, chip) in rows {
            let of = chips.entry(person).or_default();
            if of.len() < CHIPS {
                of.push(chip);
            }
        }
        for person in people.iter_mut() {
            person.chips = chips.remove(&person.id).unwrap_or_default();
        }
        Ok(())
    }

    async fn appearances_where(&self, filter: &str, args: &[&str]) -> Result<Vec<AppearanceRecord>, CatalogError> {
        let sql = format!("SELECT * FROM appearances {filter}");
        on_db!(&self.db, |pool| async {
            let mut query = sqlx::query(&sql);
            for arg in args {
                query = query.bind(*arg);
            }
            query.fetch_all(pool).await?.iter().map(appearance).collect::<Result<Vec<_>, _>>()
        }
        .await)
        .map_err(db_err)
    }
}

fn missing(what: &'static str, id: impl AsRef<str>) -> CatalogError {
    CatalogError::NotFound { what, id: id.as_ref().to_owned() }
}

#[async_trait]
impl PeopleCatalog for SqlCatalog {
    async fn list_people(&self, named: Named, limit: u32, offset: u64) -> Result<Vec<PersonRecord>, CatalogError> {
        let filter = match named {
            Named::All => "",
            Named::Named => "WHERE p.name IS NOT NULL",
            Named::Unnamed => "WHERE p.name IS NULL",
        };
        // Both numbers are ours, not the caller's text.
        let tail = format!("ORDER BY appearance_count DESC, p.id LIMIT {limit} OFFSET {offset}");
        self.people_where(filter, &[], &tail).await
    }

    async fn get_person(&self, id: &PersonId) -> Result<PersonRecord, CatalogError> {
        self.people_where("WHERE p.id = $1", &[id.as_str()], "").await?.pop().ok_or_else(|| missing("person", id))
    }

    async fn name_person(&self, id: &PersonId, name: Option<&str>) -> Result<PersonRecord, CatalogError> {
        let at = now();
        let changed = on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            let query = sqlx::query("UPDATE people SET name = $1, updated_at = $2 WHERE id = $3");
            let changed = query.bind(name).bind(&at).bind(id.as_str()).execute(&mut *tx).await?.rows_affected();
            if name.is_some() {
                sqlx::query("UPDATE appearances SET pinned = 1 WHERE person_id = $1")
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await.map(|()| changed)
        }
        .await)
        .map_err(db_err)?;
        if changed == 0 {
            return Err(missing("person", id));
        }
        self.get_person(id).await
    }

    async fn person_appearances(&self, person_id: &PersonId) -> Result<Vec<AppearanceRecord>, CatalogError> {
        self.appearances_where("WHERE person_id = $1 ORDER BY created_at, id", &[person_id.as_str()]).await
    }

    async fn asset_appearances(&self, asset_id: &AssetId) -> Result<Vec<AppearanceRecord>, CatalogError> {
        self.appearances_where("WHERE asset_id = $1 ORDER BY id", &[asset_id.as_str()]).await
    }

    async fn appearances(&self, ids: &[String]) -> Result<Vec<AppearanceRecord>, CatalogError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let args: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.appearances_where(&format!("WHERE id IN ({})", placeholders(1, ids.len())), &args).await
    }

    async fn assets_with_face(&self, face_id: &str) -> Result<Vec<AssetId>, CatalogError> {
        let found = self.appearances_where("WHERE face_id = $1 ORDER BY asset_id", &[face_id]).await?;
        let mut assets: Vec<AssetId> = found.into_iter().map(|a| a.asset_id).collect();
        assets.dedup();
        Ok(assets)
    }

    async fn exclusions(&self, appearance_id: &str) -> Result<Vec<PersonId>, CatalogError> {
        let sql = "SELECT person_id FROM person_exclusions WHERE appearance_id = $1 ORDER BY person_id";
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(sql).bind(appearance_id).fetch_all(pool).await?;
            rows.iter().map(|r| r.id("person_id")).collect::<Result<Vec<_>, _>>()
        }
        .await)
        .map_err(db_err)
    }

    async fn replace_appearances(
        &self,
        asset_id: &AssetId,
        new_people: &[PersonId],
        rows: &[AppearanceRecord],
    ) -> Result<(), CatalogError> {
        let at = now();
        on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query("DELETE FROM appearances WHERE asset_id = $1")
                .bind(asset_id.as_str())
                .execute(&mut *tx)
                .await?;
            for id in new_people {
                sqlx::query("INSERT INTO people (id, name, created_at, updated_at) VALUES ($1, NULL, $2, $2)")
                    .bind(id.as_str())
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
            }
            for row in rows {
                sqlx::query(
                    "INSERT INTO appearances (id, asset_id, person_id, face_id, chip_key, pinned, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&row.id)
                .bind(asset_id.as_str())
                .bind(row.person_id.as_ref().map(PersonId::as_str))
                .bind(&row.face_id)
                .bind(&row.chip_key)
                .bind(i64::from(row.pinned))
                .bind(&at)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(FORGET_EMPTY).execute(&mut *tx).await?;
            tx.commit().await
        }
        .await)
        .map_err(db_err)
    }

    async fn merge_people(&self, from: &PersonId, into: &PersonId) -> Result<PersonRecord, CatalogError> {
        let kept = self.get_person(into).await?;
        let gone = self.get_person(from).await?;
        let name = kept.name.or(gone.name);
        let at = now();
        let merged = on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            // Saying they are one person takes back "not `into`" for `from`'s faces.
            sqlx::query(
                "DELETE FROM person_exclusions WHERE person_id = $1 \
                 AND appearance_id IN (SELECT id FROM appearances WHERE person_id = $2)",
            )
            .bind(into.as_str())
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
            // "Not `from`" becomes "not `into`" for faces elsewhere (not for faces of the
            // two, which are now `into`'s).
            sqlx::query(
                "INSERT INTO person_exclusions (appearance_id, person_id) \
                 SELECT appearance_id, $1 FROM person_exclusions WHERE person_id = $2 \
                 AND appearance_id NOT IN (SELECT id FROM appearances WHERE person_id IN ($1, $2)) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(into.as_str())
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE appearances SET person_id = $1, pinned = 1 WHERE person_id IN ($1, $2)")
                .bind(into.as_str())
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?;
            let renamed = sqlx::query("UPDATE people SET name = $1, updated_at = $2 WHERE id = $3")
                .bind(&name)
                .bind(&at)
                .bind(into.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM people WHERE id = $1").bind(from.as_str()).execute(&mut *tx).await?;
            // Either may have gone since it was read (another merge): then nothing happened.
            if renamed.rows_affected() == 0 {
                return Ok(false);
            }
            tx.commit().await.map(|()| true)
        }
        .await)
        .map_err(db_err)?;
        if !merged {
            return Err(missing("person", into));
        }
        self.get_person(into).await
    }

    async fn move_appearance(
        &self,
        appearance_id: &str,
        from: &PersonId,
        to: Option<&PersonId>,
        new_id: &PersonId,
    ) -> Result<PersonRecord, CatalogError> {
        let at = now();
        let target = to.unwrap_or(new_id);
        let outcome = on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            let current = sqlx::query("SELECT person_id FROM appearances WHERE id = $1")
                .bind(appearance_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.maybe_id::<PersonId>("person_id"))
                .transpose()?
                .flatten();
            if current.as_ref() != Some(from) {
                return Ok(Err(missing("appearance of this person", appearance_id)));
            }
            match to {
                Some(to) => {
                    let exists = sqlx::query("SELECT 1 AS found FROM people WHERE id = $1")
                        .bind(to.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        return Ok(Err(missing("person", to)));
                    }
                }
                None => {
                    sqlx::query("INSERT INTO people (id, name, created_at, updated_at) VALUES ($1, NULL, $2, $2)")
                        .bind(new_id.as_str())
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            // Pinned where a reviewer chose the person; a person of its own is only a
            // place to wait in, which clustering may change (never back to `from`).
            sqlx::query("UPDATE appearances SET person_id = $1, pinned = $2 WHERE id = $3")
                .bind(target.as_str())
                .bind(i64::from(to.is_some()))
                .bind(appearance_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO person_exclusions (appearance_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(appearance_id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
            // The reviewer looked at `from` and left the rest: they stay, so that the moved
            // face cannot draw them after it when their assets are analysed again (which
            // would empty `from` and its exclusion with it).
            sqlx::query("UPDATE appearances SET pinned = 1 WHERE person_id = $1")
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM person_exclusions WHERE appearance_id = $1 AND person_id = $2")
                .bind(appearance_id)
                .bind(target.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE people SET updated_at = $1 WHERE id IN ($2, $3)")
                .bind(&at)
                .bind(from.as_str())
                .bind(target.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(FORGET_EMPTY).execute(&mut *tx).await?;
            tx.commit().await.map(Ok)
        }
        .await)
        .map_err(db_err)?;
        outcome?;
        self.get_person(target).await
    }
}
