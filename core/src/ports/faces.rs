use async_trait::async_trait;
use bytes::Bytes;
use mediaport_shared::FaceCollection;

use super::catalog::CatalogError;
use crate::error::{ErrorKind, ServiceError};

/// A face indexed in a collection, as the catalog keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRecord {
    pub id: String,
    pub collection_id: String,
    pub name: String,
    /// The photograph's file name.
    pub source: String,
    /// Key of the aligned crop in the proxy bucket.
    pub crop_key: String,
    /// RFC 3339.
    pub created_at: String,
}

/// The named faces people are recognised by, grouped in collections.
#[async_trait]
pub trait FaceCatalog: Send + Sync {
    /// Creates a collection; `Conflict` when one has that name.
    async fn create_collection(&self, id: &str, name: &str) -> Result<FaceCollection, CatalogError>;
    /// Every collection with its number of faces, by name.
    async fn list_collections(&self) -> Result<Vec<FaceCollection>, CatalogError>;
    /// One collection, or `NotFound`.
    async fn get_collection(&self, id: &str) -> Result<FaceCollection, CatalogError>;
    /// Removes a collection and its faces; `NotFound` for an unknown id.
    async fn delete_collection(&self, id: &str) -> Result<(), CatalogError>;
    /// Records a face; `NotFound` when its collection does not exist.
    async fn add_face(&self, face: &FaceRecord) -> Result<FaceRecord, CatalogError>;
    /// A collection's faces by name, then age.
    async fn list_faces(&self, collection_id: &str) -> Result<Vec<FaceRecord>, CatalogError>;
    /// One face, or `NotFound`.
    async fn get_face(&self, id: &str) -> Result<FaceRecord, CatalogError>;
    /// Gives a face another name; `NotFound` for an unknown id.
    async fn rename_face(&self, id: &str, name: &str) -> Result<FaceRecord, CatalogError>;
    /// Removes a face; `NotFound` for an unknown id.
    async fn delete_face(&self, id: &str) -> Result<(), CatalogError>;
}

/// A face found on a photograph by the face models.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadFace {
    /// Why the face cannot be used to recognise anyone (too small, blurred, turned away).
    pub unusable: Option<String>,
    /// The face's height in pixels of the photograph.
    pub side: f32,
    pub embedding: Vec<f32>,
    /// The aligned crop, as JPEG.
    pub crop: Bytes,
}

/// Why a photograph could not be read for faces.
#[derive(Debug, thiserror::Error)]
pub enum FaceReadError {
    #[error("{0}")]
    Unreadable(String),
    #[error("face models failed: {0}")]
    Model(String),
    #[error("face models are not available: {0}")]
    Unavailable(String),
}

impl ServiceError for FaceReadError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "unreadable-image",
            Self::Model(_) => "face-model-error",
            Self::Unavailable(_) => "faces-unavailable",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unreadable(_) => ErrorKind::Invalid,
            Self::Model(_) => ErrorKind::Internal,
            Self::Unavailable(_) => ErrorKind::Unavailable,
        }
    }
}

/// Finds and embeds the faces on one photograph (the worker's models, lent to the server).
#[async_trait]
pub trait FaceReader: Send + Sync {
    /// Every face on the picture in `image` (any common format), best first.
    async fn read(&self, image: Bytes) -> Result<Vec<ReadFace>, FaceReadError>;
}
