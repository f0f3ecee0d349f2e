//! Face collections and their named faces in memory, with the SQL catalog's rules: a
//! collection's name is unique, its faces go with it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use mediaport_shared::FaceCollection;

use super::catalog::{MemoryCatalog, missing};
use crate::ports::catalog::CatalogError;
use crate::ports::faces::{FaceCatalog, FaceRecord};

#[derive(Debug, Default)]
pub(in crate::memory) struct Faces {
    /// Collections with no faces counted yet.
    collections: BTreeMap<String, FaceCollection>,
    faces: BTreeMap<String, FaceRecord>,
}

impl Faces {
    fn collection(&self, id: &str) -> Result<FaceCollection, CatalogError> {
        let collection = self.collections.get(id).ok_or_else(|| missing("face collection", id))?;
        let face_count = self.faces.values().filter(|f| f.collection_id == id).count() as u64;
        Ok(FaceCollection { face_count, ..collection.clone() })
    }

    fn face(&self, id: &str) -> Result<FaceRecord, CatalogError> {
        self.faces.get(id).cloned().ok_or_else(|| missing("face", id))
    }
}

#[async_trait]
impl FaceCatalog for MemoryCatalog {
    async fn create_collection(&self, id: &str, name: &str) -> Result<FaceCollection, CatalogError> {
        self.with(|records| {
            let faces = &mut records.faces;
            if faces.collections.contains_key(id) || faces.collections.values().any(|c| c.name == name) {
                return Err(CatalogError::Conflict(format!("a face collection named {name}")));
            }
            let collection =
                FaceCollection { id: id.into(), name: name.into(), face_count: 0, created_at: crate::now_rfc3339() };
            faces.collections.insert(id.into(), collection.clone());
            Ok(collection)
        })
    }

    async fn list_collections(&self) -> Result<Vec<FaceCollection>, CatalogError> {
        self.with(|records| {
            let faces = &records.faces;
            let mut listed = faces.collections.keys().map(|id| faces.collection(id)).collect::<Result<Vec<_>, _>>()?;
            listed.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            Ok(listed)
        })
    }

    async fn get_collection(&self, id: &str) -> Result<FaceCollection, CatalogError> {
        self.with(|records| records.faces.collection(id))
    }

    async fn delete_collection(&self, id: &str) -> Result<(), CatalogError> {
        self.with(|records| {
            let faces = &mut records.faces;
            faces.collections.remove(id).ok_or_else(|| missing("face collection", id))?;
            faces.faces.retain(|_, f| f.collection_id != id);
            Ok(())
        })
    }

    async fn add_face(&self, face: &FaceRecord) -> Result<FaceRecord, CatalogError> {
        self.with(|records| {
            let faces = &mut records.faces;
            if !faces.collections.contains_key(&face.collection_id) {
                return Err(missing("face collection", &face.collection_id));
            }
            if faces.faces.contains_key(&face.id) {
                return Err(CatalogError::Conflict(format!("a face with id {}", face.id)));
            }
            let added = FaceRecord { created_at: crate::now_rfc3339(), ..face.clone() };
            faces.faces.insert(face.id.clone(), added.clone());
            Ok(added)
        })
    }

    async fn list_faces(&self, collection_id: &str) -> Result<Vec<FaceRecord>, CatalogError> {
        Ok(self.with(|records| {
            let mut listed: Vec<FaceRecord> =
                records.faces.faces.values().filter(|f| f.collection_id == collection_id).cloned().collect();
            listed.sort_by(|a, b| (&a.name, &a.created_at, &a.id).cmp(&(&b.name, &b.created_at, &b.id)));
            listed
        }))
    }

    async fn get_face(&self, id: &str) -> Result<FaceRecord, CatalogError> {
        self.with(|records| records.faces.face(id))
    }

    async fn rename_face(&self, id: &str, name: &str) -> Result<FaceRecord, CatalogError> {
        self.with(|records| {
            let face = records.faces.faces.get_mut(id).ok_or_else(|| missing("face", id))?;
            face.name = name.into();
            Ok(face.clone())
        })
    }

    async fn delete_face(&self, id: &str) -> Result<(), CatalogError> {
        self.with(|records| records.faces.faces.remove(id).map(drop).ok_or_else(|| missing("face", id)))
    }
}
