//! Vector spaces in memory, searched exactly. It passes the same suite
//! (`backends::testing::vectors`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::ports::vectors::{Neighbour, VectorError, VectorIndex, batch_length, distance};

#[derive(Debug)]
struct Space {
    /// The length of every vector it holds, set by the first.
    dimensions: usize,
    vectors: BTreeMap<String, Vec<f32>>,
}

impl Space {
    fn check(&self, got: usize) -> Result<(), VectorError> {
        if got == self.dimensions {
            Ok(())
        } else {
            Err(VectorError::WrongDimensions { expected: self.dimensions, got })
        }
    }
}

#[derive(Debug, Default)]
pub struct MemoryVectors {
    spaces: Mutex<HashMap<String, Space>>,
}

impl MemoryVectors {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Space>) -> T) -> T {
        super::locked(&self.spaces, f)
    }

    /// Stores the batch whole, or nothing when a vector's length is not the space's.
    fn put(&self, space: &str, items: &[(String, Vec<f32>)]) -> Result<(), VectorError> {
        let Some(dimensions) = batch_length(items)? else { return Ok(()) };
        self.with(|spaces| {
            let held = spaces.entry(space.to_owned()).or_insert_with(|| Space { dimensions, vectors: BTreeMap::new() });
            held.check(dimensions)?;
            held.vectors.extend(items.iter().cloned());
            Ok(())
        })
    }
}

#[async_trait]
impl VectorIndex for MemoryVectors {
    async fn upsert(&self, space: &str, id: &str, vector: &[f32]) -> Result<(), VectorError> {
        self.put(space, &[(id.to_owned(), vector.to_vec())])
    }

    async fn upsert_many(&self, space: &str, items: &[(String, Vec<f32>)]) -> Result<(), VectorError> {
        self.put(space, items)
    }

    async fn remove(&self, space: &str, id: &str) -> Result<(), VectorError> {
        self.with(|spaces| spaces.get_mut(space).map(|s| s.vectors.remove(id)));
        Ok(())
    }

    async fn remove_prefix(&self, space: &str, prefix: &str) -> Result<u64, VectorError> {
        Ok(self.with(|spaces| {
            let Some(held) = spaces.get_mut(space) else { return 0 };
            let before = held.vectors.len();
            held.vectors.retain(|id, _| !id.starts_with(prefix));
            (before - held.vectors.len()) as u64
        }))
    }

    async fn drop_space(&self, space: &str) -> Result<(), VectorError> {
        self.with(|spaces| spaces.remove(space));
        Ok(())
    }

    async fn nearest(
        &self,
        space: &str,
        vector: &[f32],
        k: usize,
        within: Option<f32>,
    ) -> Result<Vec<Neighbour>, VectorError> {
        self.with(|spaces| {
            let Some(held) = spaces.get(space) else { return Ok(Vec::new()) };
            held.check(vector.len())?;
            let mut found: Vec<Neighbour> = held
                .vectors
                .iter()
                .map(|(id, v)| Neighbour { id: id.clone(), distance: distance(vector, v) })
                .filter(|n| within.is_none_or(|limit| n.distance <= limit))
                .collect();
            found.sort_by(|a, b| a.distance.total_cmp(&b.distance).then_with(|| a.id.cmp(&b.id)));
            found.truncate(k);
            Ok(found)
        })
    }

    async fn count(&self, space: &str) -> Result<u64, VectorError> {
        Ok(self.with(|spaces| spaces.get(space).map_or(0, |s| s.vectors.len() as u64)))
    }
}
