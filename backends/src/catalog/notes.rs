//! Reviewers' notes on assets and their replies, in the catalog's database.

use async_trait::async_trait;
use mediaport_core::{CatalogError, NoteLog};
use mediaport_shared::{AssetId, Note, NoteId, Timecode};

use super::sql::{SqlCatalog, db_err};
use crate::db::{Cells, on_db};

fn note(row: &impl Cells) -> Result<Note, CatalogError> {
    let cell = |err: sqlx::Error| CatalogError::Other(err.to_string());
    let region = row.maybe_text("region").map_err(cell)?;
    Ok(Note {
        id: row.id("id").map_err(cell)?,
        asset_id: row.id("asset_id").map_err(cell)?,
        reply_to: row.maybe_id("reply_to").map_err(cell)?,
        author: row.text("author").map_err(cell)?,
        text: row.text("body").map_err(cell)?,
        at: Timecode { begin: row.int("begin_ms").map_err(cell)? as u64, end: row.int("end_ms").map_err(cell)? as u64 },
        region: region
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|e| CatalogError::Other(format!("a note's region: {e}")))?,
        created_at: row.text("created_at").map_err(cell)?,
    })
}

#[async_trait]
impl NoteLog for SqlCatalog {
    async fn add_note(&self, n: &Note) -> Result<Note, CatalogError> {
        let region =
            n.region.map(|r| serde_json::to_string(&r)).transpose().map_err(|e| CatalogError::Other(e.to_string()))?;
        // A reply must answer a note of the same asset.
        let sql = "INSERT INTO notes (id, asset_id, reply_to, author, body, begin_ms, end_ms, region, created_at) \
                   SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM assets WHERE id = $2) \
                   AND ($3 IS NULL OR EXISTS (SELECT 1 FROM notes WHERE id = $3 AND asset_id = $2))";
        let added = on_db!(&self.db, |pool| {
            sqlx::query(sql)
                .bind(n.id.as_str())
                .bind(n.asset_id.as_str())
                .bind(n.reply_to.as_ref().map(NoteId::as_str))
                .bind(&n.author)
                .bind(&n.text)
                .bind(n.at.begin as i64)
                .bind(n.at.end as i64)
                .bind(&region)
                .bind(&n.created_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        if added == 0 {
            let (what, id) = match &n.reply_to {
                Some(answered) => ("asset or note", format!("{} / {answered}", n.asset_id)),
                None => ("asset", n.asset_id.to_string()),
            };
            return Err(CatalogError::NotFound { what, id });
        }
        Ok(n.clone())
    }

    async fn notes(&self, asset_id: &AssetId) -> Result<Vec<Note>, CatalogError> {
        let sql = "SELECT * FROM notes WHERE asset_id = $1 ORDER BY created_at, id";
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(sql).bind(asset_id.as_str()).fetch_all(pool).await.map_err(db_err)?;
            rows.iter().map(note).collect()
        }
        .await)
    }

    async fn delete_note(&self, asset_id: &AssetId, id: &NoteId) -> Result<(), CatalogError> {
        // Its replies go with it (ON DELETE CASCADE).
        let sql = "DELETE FROM notes WHERE id = $1 AND asset_id = $2";
        let removed = on_db!(&self.db, |pool| {
            sqlx::query(sql).bind(id.as_str()).bind(asset_id.as_str()).execute(pool).await.map(|d| d.rows_affected())
        })
        .map_err(db_err)?;
        if removed == 0 {
            return Err(CatalogError::NotFound { what: "note", id: id.to_string() });
        }
        Ok(())
    }
}
