//! Face collections and their named faces in the catalog's database.

use async_trait::async_trait;
use mediaport_core::{CatalogError, FaceCatalog, FaceRecord};
use mediaport_shared::FaceCollection;

use super::sql::{SqlCatalog, db_err, now};
use crate::db::{Cells, on_db};

const COLLECTIONS: &str = "SELECT c.id, c.name, c.created_at, \
     (SELECT COUNT(*) FROM faces f WHERE f.collection_id = c.id) AS face_count FROM face_collections c";

fn collection(row: &impl Cells) -> Result<FaceCollection, sqlx::Error> {
    Ok(FaceCollection {
        id: row.text("id")?,
        name: row.text("name")?,
        face_count: row.int("face_count")? as u64,
        created_at: row.text("created_at")?,
    })
}

fn face(row: &impl Cells) -> Result<FaceRecord, sqlx::Error> {
    Ok(FaceRecord {
        id: row.text("id")?,
        collection_id: row.text("collection_id")?,
        name: row.text("name")?,
        source: row.text("source")?,
        crop_key: row.text("crop_key")?,
        created_at: row.text("created_at")?,
    })
}

fn missing(what: &'static str, id: &str) -> CatalogError {
    CatalogError::NotFound { what, id: id.to_owned() }
}

impl SqlCatalog {
    /// Runs a statement that changes one row by id; `NotFound` when it changed none.
    async fn change_one(&self, sql: &str, args: &[&str], what: &'static str, id: &str) -> Result<(), CatalogError> {
        let changed = on_db!(&self.db, |pool| async {
            let mut query = sqlx::query(sql);
            for arg in args {
                query = query.bind(*arg);
            }
            query.execute(pool).await.map(|done| done.rows_affected())
        }
        .await)
        .map_err(db_err)?;
        if changed == 0 { Err(missing(what, id)) } else { Ok(()) }
    }
}

#[async_trait]
impl FaceCatalog for SqlCatalog {
    async fn create_collection(&self, id: &str, name: &str) -> Result<FaceCollection, CatalogError> {
        let sql = "INSERT INTO face_collections (id, name, created_at) VALUES ($1, $2, $3)";
        let at = now();
        on_db!(&self.db, |pool| sqlx::query(sql).bind(id).bind(name).bind(&at).execute(pool).await.map(drop))
            .map_err(db_err)?;
        self.get_collection(id).await
    }

    async fn list_collections(&self) -> Result<Vec<FaceCollection>, CatalogError> {
        let sql = format!("{COLLECTIONS} ORDER BY c.name, c.id");
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter().map(collection).collect::<Result<Vec<_>, _>>()
        }
        .await)
        .map_err(db_err)
    }

    async fn get_collection(&self, id: &str) -> Result<FaceCollection, CatalogError> {
        let sql = format!("{COLLECTIONS} WHERE c.id = $1");
        let found = on_db!(&self.db, |pool| async {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            row.as_ref().map(collection).transpose()
        }
        .await)
        .map_err(db_err)?;
        found.ok_or_else(|| missing("face collection", id))
    }

    async fn delete_collection(&self, id: &str) -> Result<(), CatalogError> {
        // Its faces go with it (ON DELETE CASCADE).
        self.change_one("DELETE FROM face_collections WHERE id = $1", &[id], "face collection", id).await
    }

    async fn add_face(&self, record: &FaceRecord) -> Result<FaceRecord, CatalogError> {
        let sql = "INSERT INTO faces (id, collection_id, name, source, crop_key, created_at) \
                   SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM face_collections WHERE id = $2)";
        let at = now();
        let args = [&*record.id, &record.collection_id, &record.name, &record.source, &record.crop_key, &at];
        self.change_one(sql, &args, "face collection", &record.collection_id).await?;
        self.get_face(&record.id).await
    }

    async fn list_faces(&self, collection_id: &str) -> Result<Vec<FaceRecord>, CatalogError> {
        let sql = "SELECT * FROM faces WHERE collection_id = $1 ORDER BY name, created_at, id";
        on_db!(&self.db, |pool| async {
            let rows = sqlx::query(sql).bind(collection_id).fetch_all(pool).await?;
            rows.iter().map(face).collect::<Result<Vec<_>, _>>()
        }
        .await)
        .map_err(db_err)
    }

    async fn get_face(&self, id: &str) -> Result<FaceRecord, CatalogError> {
        let found = on_db!(&self.db, |pool| async {
            let row = sqlx::query("SELECT * FROM faces WHERE id = $1").bind(id).fetch_optional(pool).await?;
            row.as_ref().map(face).transpose()
        }
        .await)
        .map_err(db_err)?;
        found.ok_or_else(|| missing("face", id))
    }

    async fn rename_face(&self, id: &str, name: &str) -> Result<FaceRecord, CatalogError> {
        self.change_one("UPDATE faces SET name = $1 WHERE id = $2", &[name, id], "face", id).await?;
        self.get_face(id).await
    }

    async fn delete_face(&self, id: &str) -> Result<(), CatalogError> {
        self.change_one("DELETE FROM faces WHERE id = $1", &[id], "face", id).await
    }
}
