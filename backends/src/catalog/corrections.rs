//! Reviewers' corrections, the assets' audit trail, in the catalog's database.

use async_trait::async_trait;
use mediaport_core::{CatalogError, CorrectionLog};
use mediaport_shared::{AssetId, CorrectionEntry, CorrectionId};

use super::sql::{SqlCatalog, db_err};
use crate::db::{Cells, on_db};

fn entry(row: &impl Cells) -> Result<CorrectionEntry, CatalogError> {
    let cell = |err: sqlx::Error| CatalogError::Other(err.to_string());
    let body = row.text("body").map_err(cell)?;
    Ok(CorrectionEntry {
        id: row.id("id").map_err(cell)?,
        asset_id: row.id("asset_id").map_err(cell)?,
        correction: serde_json::from_str(&body).map_err(|e| CatalogError::Other(format!("a correction: {e}")))?,
        author: row.text("author").map_err(cell)?,
        created_at: row.text("created_at").map_err(cell)?,
        undone_by: row.maybe_text("undone_by").map_err(cell)?,
        undone_at: row.maybe_text("undone_at").map_err(cell)?,
        unplaced: false,
    })
}

impl SqlCatalog {
    async fn correction(&self, asset_id: &AssetId, id: &CorrectionId) -> Result<CorrectionEntry, CatalogError> {
        let sql = "SELECT * FROM corrections WHERE id = $1 AND asset_id = $2";
        let found = on_db!(&self.db, |pool| async {
            let row = sqlx::query(sql).bind(id.as_str()).bind(asset_id.as_str()).fetch_optional(pool).await;
            row.map_err(db_err)?.as_ref().map(entry).transpose()
        }
        .await)?;
        found.ok_or_else(|| CatalogError::NotFound { what: "correction", id: id.to_string() })
    }
}

#[async_trait]
impl CorrectionLog for SqlCatalog {
    async fn add_correction(&self, e: &CorrectionEntry) -> Result<CorrectionEntry, CatalogError> {
        let body = serde_json::to_string(&e.correction).map_err(|err| CatalogError::Other(err.to_string()))?;
        let sql = "INSERT INTO corrections (id, asset_id, kind, body, author, created_at) \
                   SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM assets WHERE id = $2)";
        let kind = e.correction.kind().as_str();
        let added = on_db!(&self.db, |pool| {
            sqlx::query(sql)
                .bind(e.id.as_str())
                .bind(e.asset_id.as_str())
                .bind(kind)
                .bind(&body)
                .bind(&e.author)
                .bind(&e.created_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        if added == 0 {
            return Err(CatalogError::NotFound { what: "asset", id: e.asset_id.to_string() });
        }
        self.correction(&e.asset_id, &e.id).await
    }

    async fn corrections(&self, asset_id: &AssetId) -> Result<Vec<CorrectionEntry>, CatalogError> {
        let sql = "SELECT * FROM corrections WHERE asset_id = $1 ORDER BY created_at, id";
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(sql).bind(asset_id.as_str()).fetch_all(pool).await.map_err(db_err)?;
            rows.iter().map(entry).collect()
        }
        .await)
    }

    async fn undo_correction(
        &self,
        asset_id: &AssetId,
        id: &CorrectionId,
        by: &str,
        at: &str,
    ) -> Result<CorrectionEntry, CatalogError> {
        let sql = "UPDATE corrections SET undone_by = $1, undone_at = $2 \
                   WHERE id = $3 AND asset_id = $4 AND undone_at IS NULL";
        let changed = on_db!(&self.db, |pool| {
            sqlx::query(sql)
                .bind(by)
                .bind(at)
                .bind(id.as_str())
                .bind(asset_id.as_str())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        let found = self.correction(asset_id, id).await?;
        if changed == 0 {
            return Err(CatalogError::Conflict(format!("correction {id} was undone already")));
        }
        Ok(found)
    }
}
