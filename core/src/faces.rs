//! Face collections: named faces indexed from photographs, which the analysis recognises
//! on frames. A collection's faces live in three places kept in step: the catalog (name,
//! source), the proxy bucket (the aligned crop) and the vector space `faces/<collection>`.

use bytes::Bytes;
use mediaport_shared::{FaceCollection, ImportedFace, RefusedPhoto, import_name};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::CatalogError;
use crate::ports::faces::{FaceCatalog, FaceReadError, FaceReader, FaceRecord, ReadFace};
use crate::ports::queue::QueueError;
use crate::ports::storage::{Storage, StorageError};
use crate::ports::vectors::{VectorError, VectorIndex};

/// Names of people and collections: what a person types, within reason.
const MAX_NAME: usize = 200;

/// Why a faces request failed, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// A collection of that name exists.
    #[error("{0}")]
    Exists(String),
    /// The photograph is fine but its faces cannot be indexed (none, several, unusable).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("face reading is not available here: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("face models failed: {0}")]
    Model(String),
    /// What analysis stored of an asset's faces cannot be read.
    #[error("stored faces cannot be read: {0}")]
    Unreadable(String),
}

impl ServiceError for FaceError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid { code, .. } | Self::Unprocessable { code, .. } => code,
            Self::Exists(_) => "collection-exists",
            Self::Unavailable(_) => "faces-unavailable",
            Self::Catalog(err) => err.code(),
            Self::Storage(err) => err.code(),
            Self::Vectors(err) => err.code(),
            Self::Queue(err) => err.code(),
            Self::Model(_) => "face-model-error",
            Self::Unreadable(_) => "faces-unreadable",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid { .. } => ErrorKind::Invalid,
            Self::Exists(_) => ErrorKind::Conflict,
            Self::Unprocessable { .. } => ErrorKind::Unprocessable,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Catalog(err) => err.kind(),
            Self::Storage(err) => err.kind(),
            Self::Vectors(err) => err.kind(),
            Self::Queue(err) => err.kind(),
            Self::Model(_) | Self::Unreadable(_) => ErrorKind::Internal,
        }
    }
}

/// The vector space of a collection's faces.
pub fn space(collection_id: &str) -> String {
    format!("faces/{collection_id}")
}

/// A person's or a collection's name, trimmed; `invalid-name` when empty, too long or
/// holding control characters.
pub fn check_name(name: &str) -> Result<String, FaceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(FaceError::Invalid {
            code: "invalid-name",
            message: format!("a name has 1 to {MAX_NAME} characters and no control characters"),
        });
    }
    Ok(name.to_owned())
}

/// What a collection needs to be managed.
pub struct Collections<'a> {
    pub catalog: &'a dyn FaceCatalog,
    pub vectors: &'a dyn VectorIndex,
    pub storage: &'a dyn Storage,
    pub bucket: &'a str,
}

impl Collections<'_> {
    pub async fn create(&self, name: &str) -> Result<FaceCollection, FaceError> {
        let name = check_name(name)?;
        match self.catalog.create_collection(&crate::new_id::<String>(), &name).await {
            Err(CatalogError::Conflict(_)) => Err(FaceError::Exists(format!("a collection is already named {name:?}"))),
            other => Ok(other?),
        }
    }

    /// Removes a collection, its crops and its vectors.
    pub async fn delete(&self, id: &str) -> Result<(), FaceError> {
        let faces = self.catalog.list_faces(id).await?;
        self.catalog.get_collection(id).await?;
        self.vectors.drop_space(&space(id)).await?;
        let crops: Vec<String> = faces.into_iter().map(|f| f.crop_key).collect();
        self.storage.delete_objects(self.bucket, &crops).await?;
        Ok(self.catalog.delete_collection(id).await?)
    }

    /// Indexes the one face on a photograph under `name`. The photograph must show exactly
    /// one face fit to recognise someone by: a group photo or a blurred face would teach
    /// the collection the wrong person.
    pub async fn add_face(
        &self,
        reader: Option<&dyn FaceReader>,
        collection_id: &str,
        name: &str,
        source: &str,
        image: Bytes,
    ) -> Result<FaceRecord, FaceError> {
        let name = check_name(name)?;
        self.catalog.get_collection(collection_id).await?;
        let reader = reader.ok_or_else(|| FaceError::Unavailable("this server has no face models".into()))?;
        let faces = reader.read(image).await.map_err(|err| match err {
            FaceReadError::Unreadable(reason) => {
                FaceError::Invalid { code: "unreadable-image", message: format!("the image cannot be read: {reason}") }
            }
            FaceReadError::Model(reason) => FaceError::Model(reason),
            FaceReadError::Unavailable(reason) => FaceError::Unavailable(reason),
        })?;
        let face = the_one_face(faces)?;
        let id: String = crate::new_id();
        let record = FaceRecord {
            crop_key: crate::keys::collection_face(collection_id, &id),
            id,
            collection_id: collection_id.to_owned(),
            name,
            source: source.to_owned(),
            created_at: String::new(),
        };
        self.storage.put_object(self.bucket, &record.crop_key, face.crop).await?;
        self.vectors.upsert(&space(collection_id), &record.id, &face.embedding).await?;
        Ok(self.catalog.add_face(&record).await?)
    }

    /// Indexes one photograph of a bulk import (a folder or an archive of them) under
    /// the person its path names (see [`import_name`]). A photograph that cannot be
    /// indexed comes back refused with its reason, for the import to go on; a failure of
    /// the server's own (storage, catalog, models) is an error that stops it.
    pub async fn import_photo(
        &self,
        reader: Option<&dyn FaceReader>,
        collection_id: &str,
        file: &str,
        image: Bytes,
    ) -> Result<Result<ImportedFace, RefusedPhoto>, FaceError> {
        let refused =
            |code: &str, reason: String| RefusedPhoto { file: file.to_owned(), code: code.to_owned(), reason };
        let name = match import_name(file) {
            Ok(name) => name,
            Err((code, reason)) => return Ok(Err(refused(code, reason.into()))),
        };
        let source = file.rsplit('/').next().unwrap_or(file);
        match self.add_face(reader, collection_id, &name, source, image).await {
            Ok(face) => Ok(Ok(ImportedFace { file: file.to_owned(), name, face_id: face.id })),
            Err(err @ (FaceError::Invalid { .. } | FaceError::Unprocessable { .. })) => {
                Ok(Err(refused(err.code(), err.to_string())))
            }
            Err(err) => Err(err),
        }
    }

    pub async fn delete_face(&self, id: &str) -> Result<(), FaceError> {
        let face = self.catalog.get_face(id).await?;
        self.vectors.remove(&space(&face.collection_id), id).await?;
        self.storage.delete_object(self.bucket, &face.crop_key).await?;
        Ok(self.catalog.delete_face(id).await?)
    }
}

/// The face a photograph was sent for: its one usable face, or a usable face at least
/// twice the size of any other (a portrait with passers-by behind). A group photo or a
/// blurred face would teach the collection the wrong person: those are refused, saying why.
fn the_one_face(faces: Vec<ReadFace>) -> Result<ReadFace, FaceError> {
    let (mut usable, unusable): (Vec<_>, Vec<_>) = faces.into_iter().partition(|f| f.unusable.is_none());
    usable.sort_by(|a, b| b.side.total_cmp(&a.side));
    match (usable.len(), unusable.first()) {
        (0, None) => Err(unprocessable("no-face", "no face was found on the image".into())),
        (0, Some(face)) => {
            let why = face.unusable.clone().unwrap_or_default();
            Err(unprocessable("face-unusable", format!("the face cannot be used to recognise anyone: {why}")))
        }
        (1, _) => Ok(usable.remove(0)),
        (n, _) if usable[0].side >= 2.0 * usable[1].side => {
            tracing::debug!(faces = n, "indexing the largest face of a photograph");
            Ok(usable.remove(0))
        }
        (n, _) => Err(unprocessable(
            "several-faces",
            format!("the image shows {n} faces of similar size; index one person from a photograph of them alone"),
        )),
    }
}

fn unprocessable(code: &'static str, message: String) -> FaceError {
    FaceError::Unprocessable { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(side: f32, unusable: Option<&str>) -> ReadFace {
        ReadFace { unusable: unusable.map(str::to_owned), side, embedding: vec![side], crop: Bytes::new() }
    }

    #[test]
    fn a_photograph_gives_its_one_clear_face_or_says_why_not() {
        let code = |faces| the_one_face(faces).map(|f| f.side).map_err(|e| e.code());
        assert_eq!(code(vec![]), Err("no-face"));
        assert_eq!(code(vec![face(30.0, Some("small"))]), Err("face-unusable"));
        assert_eq!(code(vec![face(30.0, Some("small")), face(120.0, None)]), Ok(120.0));
        assert_eq!(code(vec![face(50.0, None), face(120.0, None)]), Ok(120.0), "a passer-by behind");
        assert_eq!(code(vec![face(100.0, None), face(120.0, None)]), Err("several-faces"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        for bad in ["", "   ", "tab\there", &"x".repeat(201)] {
            assert_eq!(check_name(bad).unwrap_err().code(), "invalid-name", "{bad:?}");
        }
    }
}
