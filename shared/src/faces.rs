//! Faces: the appearances of people in an asset, the named faces of collections, and the
//! wire types of the faces API.

use serde::{Deserialize, Serialize};

use crate::analysis::{FrameBox, Timecode};

/// The category of a `face` timeline item nobody has named ("Face 1"): shown on the
/// asset, but not a name anyone searches for.
pub const UNNAMED_FACE: &str = "unnamed";

/// The faces of one asset grouped by person, `<asset>/analysis/faces.json`: what the
/// `face` and `face_match` timelines are made from, and what clustering reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaceAppearances {
    /// The embedding model, so that vectors of another model are never compared.
    pub model: String,
    pub appearances: Vec<FaceAppearance>,
}

/// One person's appearances in an asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceAppearance {
    /// `<asset id>/<n>`: unique across assets.
    pub id: String,
    /// "Face 1", "Face 2", … in order of first appearance.
    pub label: String,
    /// Key of the sharpest aligned chip in the proxy bucket.
    pub chip: String,
    /// Whether the best face was large, sharp and frontal enough to recognise.
    pub usable: bool,
    /// The detector's best confidence.
    pub confidence: f32,
    pub timecodes: Vec<Timecode>,
    pub boxes: Vec<FrameBox>,
    /// The mean embedding of the usable faces (of all faces when none was usable).
    pub embedding: Vec<f32>,
    /// The collection face this person was recognised as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<FaceMatch>,
}

/// A recognised person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceMatch {
    pub collection_id: String,
    pub face_id: String,
    pub name: String,
    /// Euclidean distance between the embeddings (under 0.5 for a match).
    pub distance: f32,
}

/// A named set of faces to recognise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceCollection {
    pub id: String,
    pub name: String,
    pub face_count: u64,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceCollectionList {
    pub items: Vec<FaceCollection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateFaceCollection {
    pub name: String,
}

/// A face indexed in a collection from a photograph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexedFace {
    pub id: String,
    pub collection_id: String,
    /// The person's name.
    pub name: String,
    /// A link to the aligned crop of the face (presigned, short-lived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop_url: Option<String>,
    /// The photograph's file name.
    pub source: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexedFaceList {
    pub items: Vec<IndexedFace>,
}

/// A new name for a face or a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rename {
    pub name: String,
}
