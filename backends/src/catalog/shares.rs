//! Shared moments and each opening of their links, in the catalog's database.

use async_trait::async_trait;
use mediaport_core::{CatalogError, ShareLog};
use mediaport_shared::{Share, ShareId, ShareView, Timecode};

use super::sql::{SqlCatalog, db_err};
use crate::db::{Cells, on_db};

const SHARES: &str = "SELECT s.*, (SELECT COUNT(*) FROM share_views v WHERE v.share_id = s.id) AS view_count \
                      FROM shares s";

fn share(row: &impl Cells) -> Result<(Share, String), CatalogError> {
    let cell = |err: sqlx::Error| CatalogError::Other(err.to_string());
    let kinds = row.text("kinds").map_err(cell)?;
    let share = Share {
        id: row.id("id").map_err(cell)?,
        asset_id: row.id("asset_id").map_err(cell)?,
        at: Timecode { begin: row.int("begin_ms").map_err(cell)? as u64, end: row.int("end_ms").map_err(cell)? as u64 },
        kinds: serde_json::from_str(&kinds).map_err(|e| CatalogError::Other(format!("a share's kinds: {e}")))?,
        created_by: row.text("created_by").map_err(cell)?,
        created_at: row.text("created_at").map_err(cell)?,
        expires_at: row.text("expires_at").map_err(cell)?,
        revoked_at: row.maybe_text("revoked_at").map_err(cell)?,
        revoked_by: row.maybe_text("revoked_by").map_err(cell)?,
        views: row.int("view_count").map_err(cell)? as u64,
    };
    Ok((share, row.text("secret_hash").map_err(cell)?))
}

fn view(row: &impl Cells) -> Result<ShareView, CatalogError> {
    let cell = |err: sqlx::Error| CatalogError::Other(err.to_string());
    Ok(ShareView {
        viewed_at: row.text("viewed_at").map_err(cell)?,
        address: row.maybe_text("address").map_err(cell)?,
        agent: row.maybe_text("agent").map_err(cell)?,
    })
}

fn missing(id: &ShareId) -> CatalogError {
    CatalogError::NotFound { what: "share", id: id.to_string() }
}

#[async_trait]
impl ShareLog for SqlCatalog {
    async fn add_share(&self, s: &Share, secret_hash: &str) -> Result<Share, CatalogError> {
        let kinds = serde_json::to_string(&s.kinds).map_err(|e| CatalogError::Other(e.to_string()))?;
        let sql = "INSERT INTO shares (id, asset_id, begin_ms, end_ms, kinds, secret_hash, created_by, created_at, \
                   expires_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM assets WHERE id = $2)";
        let added = on_db!(&self.db, |pool| {
            sqlx::query(sql)
                .bind(s.id.as_str())
                .bind(s.asset_id.as_str())
                .bind(s.at.begin as i64)
                .bind(s.at.end as i64)
                .bind(&kinds)
                .bind(secret_hash)
                .bind(&s.created_by)
                .bind(&s.created_at)
                .bind(&s.expires_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        if added == 0 {
            return Err(CatalogError::NotFound { what: "asset", id: s.asset_id.to_string() });
        }
        Ok(s.clone())
    }

    async fn share(&self, id: &ShareId) -> Result<(Share, String), CatalogError> {
        let sql = format!("{SHARES} WHERE s.id = $1");
        let found = on_db!(&self.db, |pool| async {
            let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(pool).await.map_err(db_err)?;
            row.as_ref().map(share).transpose()
        }
        .await)?;
        found.ok_or_else(|| missing(id))
    }

    async fn shares(&self, created_by: Option<&str>) -> Result<Vec<Share>, CatalogError> {
        let sql = format!("{SHARES} WHERE $1 IS NULL OR s.created_by = $1 ORDER BY s.created_at DESC, s.id DESC");
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(&sql).bind(created_by).fetch_all(pool).await.map_err(db_err)?;
            rows.iter().map(|row| share(row).map(|(s, _)| s)).collect()
        }
        .await)
    }

    async fn revoke_share(&self, id: &ShareId, by: &str, at: &str) -> Result<Share, CatalogError> {
        let sql = "UPDATE shares SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL";
        let changed = on_db!(&self.db, |pool| {
            sqlx::query(sql).bind(at).bind(by).bind(id.as_str()).execute(pool).await.map(|d| d.rows_affected())
        })
        .map_err(db_err)?;
        let (found, _) = self.share(id).await?;
        if changed == 0 {
            return Err(CatalogError::Conflict(format!("share {id} was revoked already")));
        }
        Ok(found)
    }

    async fn record_view(&self, id: &ShareId, v: &ShareView) -> Result<(), CatalogError> {
        let sql = "INSERT INTO share_views (share_id, viewed_at, address, agent) VALUES ($1, $2, $3, $4)";
        on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(id.as_str()).bind(&v.viewed_at).bind(&v.address).bind(&v.agent);
            query.execute(pool).await.map(drop)
        })
        .map_err(db_err)
    }

    async fn share_views(&self, id: &ShareId) -> Result<Vec<ShareView>, CatalogError> {
        let sql = "SELECT * FROM share_views WHERE share_id = $1 ORDER BY viewed_at DESC";
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(sql).bind(id.as_str()).fetch_all(pool).await.map_err(db_err)?;
            rows.iter().map(view).collect()
        }
        .await)
    }
}
