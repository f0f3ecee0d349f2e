use async_trait::async_trait;

use crate::error::{ErrorKind, ServiceError};

/// Failures of the vector index, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("vector index is unavailable: {0}")]
    Unavailable(String),
    #[error("vector of {got} numbers where the space holds {expected}")]
    WrongDimensions { expected: usize, got: usize },
    #[error("vector index error: {0}")]
    Other(String),
}

impl ServiceError for VectorError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "vectors-unavailable",
            Self::WrongDimensions { .. } => "vector-dimensions",
            Self::Other(_) => "vectors-error",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::WrongDimensions { .. } | Self::Other(_) => ErrorKind::Internal,
        }
    }
}

/// The length every vector of a batch has (none for an empty batch), or the first that
/// differs: a batch is stored whole or not at all.
pub fn batch_length(items: &[(String, Vec<f32>)]) -> Result<Option<usize>, VectorError> {
    let Some((_, first)) = items.first() else { return Ok(None) };
    match items.iter().find(|(_, v)| v.len() != first.len()) {
        Some((_, wrong)) => Err(VectorError::WrongDimensions { expected: first.len(), got: wrong.len() }),
        None => Ok(Some(first.len())),
    }
}

/// A stored vector near the one asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub id: String,
    /// Euclidean distance to the vector asked about.
    pub distance: f32,
}

/// Embeddings (faces, sentences) kept in named spaces and searched by distance. A space
/// holds vectors of one length; ids are unique within a space. The catalog and the stored
/// results stay the truth: every space can be rebuilt from them.
#[async_trait]
pub trait VectorIndex: Send + Sync {
    /// Stores `vector` under `id` in `space`, replacing what that id held.
    async fn upsert(&self, space: &str, id: &str, vector: &[f32]) -> Result<(), VectorError>;
    /// Stores many vectors in `space` at once (an asset's sentences); none is stored if
    /// one has the wrong length.
    async fn upsert_many(&self, space: &str, items: &[(String, Vec<f32>)]) -> Result<(), VectorError> {
        batch_length(items)?;
        for (id, vector) in items {
            self.upsert(space, id, vector).await?;
        }
        Ok(())
    }
    /// Forgets `id` in `space`; forgetting what is not there succeeds.
    async fn remove(&self, space: &str, id: &str) -> Result<(), VectorError>;
    /// Forgets every id in `space` whose name starts with `prefix`; returns how many went.
    async fn remove_prefix(&self, space: &str, prefix: &str) -> Result<u64, VectorError>;
    /// Forgets a whole space.
    async fn drop_space(&self, space: &str) -> Result<(), VectorError>;
    /// Up to `k` ids nearest to `vector`, nearest first, only those within `within` when given.
    async fn nearest(
        &self,
        space: &str,
        vector: &[f32],
        k: usize,
        within: Option<f32>,
    ) -> Result<Vec<Neighbour>, VectorError>;
    /// How many vectors `space` holds.
    async fn count(&self, space: &str) -> Result<u64, VectorError>;
}

/// Why a text could not be embedded.
#[derive(Debug, thiserror::Error)]
#[error("the sentence model is unavailable: {0}")]
pub struct EncodeError(pub String);

/// Reads the meaning of a text as the analysis read the stored sentences (the worker's
/// model, lent to the server for semantic search).
#[async_trait]
pub trait SentenceEncoder: Send + Sync {
    /// The text's unit vector, comparable with the `sentences` space's.
    async fn encode(&self, text: &str) -> Result<Vec<f32>, EncodeError>;
}

/// Euclidean distance between two vectors of one length.
pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt()
}
