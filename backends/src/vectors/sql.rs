use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use mediaport_core::{Neighbour, VectorError, VectorIndex};

use super::memory::Space;
use crate::db::{Cells, Db, on_db};

/// Vectors stored in the catalog's database and searched in memory. Every process (the
/// server, each worker) keeps its own copy of a space and reloads it when the space's
/// generation in the database has moved past it: one cheap read per search.
#[derive(Debug)]
pub struct SqlVectors {
    db: Db,
    spaces: Mutex<HashMap<String, Arc<Space>>>,
}

fn db_err(err: sqlx::Error) -> VectorError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            VectorError::Unavailable(err.to_string())
        }
        other => VectorError::Other(other.to_string()),
    }
}

fn to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Takes a space's generation one step on; a space with no vectors (dimensions 0) takes
/// the length of the first vector stored in it.
const BUMP: &str = "INSERT INTO vector_spaces (space, dimensions, generation) VALUES ($1, $2, 1) \
     ON CONFLICT (space) DO UPDATE SET generation = vector_spaces.generation + 1, \
     dimensions = CASE WHEN vector_spaces.dimensions = 0 THEN excluded.dimensions ELSE vector_spaces.dimensions END \
     RETURNING dimensions, generation";

impl SqlVectors {
    pub fn new(db: Db) -> Self {
        Self { db, spaces: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, space: &str) -> Option<Arc<Space>> {
        self.spaces.lock().unwrap_or_else(|e| e.into_inner()).get(space).cloned()
    }

    /// Applies a change this process made to its copy, if the copy was current just
    /// before it; otherwise the copy is dropped and the next search reloads.
    fn apply(&self, space: &str, generation: i64, change: impl FnOnce(&mut Space)) {
        let mut spaces = self.spaces.lock().unwrap_or_else(|e| e.into_inner());
        match spaces.get_mut(space) {
            Some(copy) if copy.generation == generation - 1 => {
                let copy = Arc::make_mut(copy);
                change(copy);
                copy.generation = generation;
            }
            _ => {
                spaces.remove(space);
            }
        }
    }

    /// The space's generation and vector length, none if it was never written.
    async fn state(&self, space: &str) -> Result<Option<(i64, usize)>, VectorError> {
        let sql = "SELECT generation, dimensions FROM vector_spaces WHERE space = $1";
        let row = on_db!(&self.db, |pool| async {
            let row = sqlx::query(sql).bind(space).fetch_optional(pool).await?;
            row.map(|r| Ok::<_, sqlx::Error>((r.int("generation")?, r.int("dimensions")?))).transpose()
        }
        .await)
        .map_err(db_err)?;
        Ok(row.map(|(generation, dimensions)| (generation, dimensions as usize)))
    }

    /// The space as of `generation` or later, from memory or the database.
    async fn load(&self, space: &str, generation: i64, dimensions: usize) -> Result<Arc<Space>, VectorError> {
        if let Some(copy) = self.cached(space).filter(|c| c.generation == generation) {
            return Ok(copy);
        }
        let sql = "SELECT id, vector FROM vectors WHERE space = $1";
        let rows = on_db!(&self.db, |pool| async {
            let rows = sqlx::query(sql).bind(space).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((r.text("id")?, r.bytes("vector")?))).collect::<Result<Vec<_>, sqlx::Error>>()
        }
        .await)
        .map_err(db_err)?;
        let mut copy = Space::new(generation, dimensions);
        for (id, bytes) in rows {
            copy.put(&id, &from_bytes(&bytes));
        }
        let copy = Arc::new(copy);
        let mut spaces = self.spaces.lock().unwrap_or_else(|e| e.into_inner());
        if spaces.get(space).is_none_or(|c| c.generation < generation) {
            spaces.insert(space.to_owned(), copy.clone());
        }
        Ok(copy)
    }

    /// Runs `sql` (a delete) and moves the generation on if it deleted anything; returns
    /// how many went and the new generation.
    async fn delete(&self, space: &str, sql: &str, arg: &str) -> Result<(u64, Option<i64>), VectorError> {
        let bump = "UPDATE vector_spaces SET generation = generation + 1 WHERE space = $1 RETURNING generation";
        on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            let gone = sqlx::query(sql).bind(space).bind(arg).execute(&mut *tx).await?.rows_affected();
            let generation = if gone > 0 {
                let row = sqlx::query(bump).bind(space).fetch_one(&mut *tx).await?;
                Some(row.int("generation")?)
            } else {
                None
            };
            tx.commit().await?;
            Ok::<_, sqlx::Error>((gone, generation))
        }
        .await)
        .map_err(db_err)
    }

    /// Drops this process's copy: the next search reloads it.
    fn forget(&self, space: &str) {
        self.spaces.lock().unwrap_or_else(|e| e.into_inner()).remove(space);
    }
}

#[async_trait]
impl VectorIndex for SqlVectors {
    async fn upsert(&self, space: &str, id: &str, vector: &[f32]) -> Result<(), VectorError> {
        self.upsert_many(space, &[(id.to_owned(), vector.to_vec())]).await
    }

    /// One transaction, one generation step.
    async fn upsert_many(&self, space: &str, items: &[(String, Vec<f32>)]) -> Result<(), VectorError> {
        let Some(got) = items.first().map(|(_, v)| v.len()) else { return Ok(()) };
        let put = "INSERT INTO vectors (space, id, vector) VALUES ($1, $2, $3) \
                   ON CONFLICT (space, id) DO UPDATE SET vector = excluded.vector";
        let generation = on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await.map_err(db_err)?;
            let row = sqlx::query(BUMP).bind(space).bind(got as i64).fetch_one(&mut *tx).await.map_err(db_err)?;
            let expected = row.int("dimensions").map_err(db_err)? as usize;
            for (id, vector) in items {
                if vector.len() != expected {
                    return Err(VectorError::WrongDimensions { expected, got: vector.len() });
                }
                let bytes = to_bytes(vector);
                sqlx::query(put).bind(space).bind(id).bind(bytes).execute(&mut *tx).await.map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            row.int("generation").map_err(db_err)
        }
        .await)?;
        self.apply(space, generation, |copy| items.iter().for_each(|(id, vector)| copy.put(id, vector)));
        Ok(())
    }

    async fn remove(&self, space: &str, id: &str) -> Result<(), VectorError> {
        let sql = "DELETE FROM vectors WHERE space = $1 AND id = $2";
        if let (_, Some(generation)) = self.delete(space, sql, id).await? {
            self.apply(space, generation, |copy| copy.take(id));
        }
        Ok(())
    }

    async fn remove_prefix(&self, space: &str, prefix: &str) -> Result<u64, VectorError> {
        // substr rather than LIKE: ids may hold % and _.
        let sql = "DELETE FROM vectors WHERE space = $1 AND substr(id, 1, length($2)) = $2";
        let (gone, generation) = self.delete(space, sql, prefix).await?;
        if generation.is_some() {
            // Cheaper to reload once than to find each id here.
            self.forget(space);
        }
        Ok(gone)
    }

    async fn drop_space(&self, space: &str) -> Result<(), VectorError> {
        // The space's row stays, emptied, so that its generation never goes back: a
        // process holding an old copy must not take a new space of the same name for it.
        on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query("DELETE FROM vectors WHERE space = $1").bind(space).execute(&mut *tx).await?;
            sqlx::query("UPDATE vector_spaces SET dimensions = 0, generation = generation + 1 WHERE space = $1")
                .bind(space)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await)
        .map_err(db_err)?;
        self.forget(space);
        Ok(())
    }

    async fn nearest(
        &self,
        space: &str,
        vector: &[f32],
        k: usize,
        within: Option<f32>,
    ) -> Result<Vec<Neighbour>, VectorError> {
        let Some((generation, dimensions)) = self.state(space).await? else { return Ok(Vec::new()) };
        if dimensions == 0 || k == 0 {
            return Ok(Vec::new());
        }
        if vector.len() != dimensions {
            return Err(VectorError::WrongDimensions { expected: dimensions, got: vector.len() });
        }
        let copy = self.load(space, generation, dimensions).await?;
        let vector = vector.to_vec();
        tokio::task::spawn_blocking(move || copy.nearest(&vector, k, within))
            .await
            .map_err(|e| VectorError::Other(format!("search stopped: {e}")))
    }

    async fn count(&self, space: &str) -> Result<u64, VectorError> {
        let sql = "SELECT COUNT(*) AS n FROM vectors WHERE space = $1";
        let n = on_db!(&self.db, |pool| async { sqlx::query(sql).bind(space).fetch_one(pool).await?.int("n") }.await)
            .map_err(db_err)?;
        Ok(n as u64)
    }
}
