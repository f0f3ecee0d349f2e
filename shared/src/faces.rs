//! Faces: the appearances of people in an asset, the named faces of collections, and the
//! wire types of the faces API.

use serde::{Deserialize, Serialize};

use crate::analysis::{FrameBox, Timecode};

/// The category of a `face` timeline item nobody has named ("Face 1"): shown on the
/// asset, but not a name anyone searches for.
pub const UNNAMED_FACE: &str = "unnamed";

/// The category of a `face_match` item named through the people a reviewer named (not
/// through a face collection).
pub const PERSON: &str = "person";

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
    /// Age and gender as the faces look, when the analysis was asked for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traits: Option<FaceTraits>,
}

/// How old a person looks and their apparent gender, from their faces (the middle one of
/// each estimate). An impression from pixels, not a fact about anyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceTraits {
    /// Years: the best guess and a range.
    pub age: u32,
    pub age_low: u32,
    pub age_high: u32,
    /// `female` or `male`, and how likely, 0.5 to 1.
    pub gender: String,
    pub gender_confidence: f32,
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

/// `GET /api/people`: a person is the faces seen in assets that the indexer found to be
/// one person, named by a reviewer or not yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: crate::PersonId,
    /// None until a reviewer names them.
    #[serde(default)]
    pub name: Option<String>,
    /// Appearances (one per asset the person is in, at most).
    pub appearance_count: u64,
    /// Links to a few chips of their face (presigned, short-lived), pinned ones first.
    pub chips: Vec<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonList {
    pub items: Vec<Person>,
    /// Pass as `offset` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

/// `PATCH /api/people/{id}`: a name, or null to take it away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamePerson {
    pub name: Option<String>,
}

/// `POST /api/people/{id}/merge`: the person `{id}` is the same as `into`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergePeople {
    pub into: crate::PersonId,
}

/// `POST /api/people/{id}/move`: "not this person". The appearance leaves `{id}` for
/// good (later clustering never puts it back) and goes to `to`, or to a person of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveAppearance {
    pub appearance_id: String,
    #[serde(default)]
    pub to: Option<crate::PersonId>,
}

/// One person's appearance in one asset, or one face of an asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetFace {
    /// `<asset id>/<n>`.
    pub id: String,
    pub asset_id: crate::AssetId,
    /// What the asset's timelines call them: a person's or a collection face's name, or
    /// "Face 1"…
    pub label: String,
    /// The person they were placed in (faces recognised from a collection have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<crate::PersonId>,
    /// The collection face they were recognised as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_id: Option<String>,
    /// Whether a reviewer put them there (merge, move): clustering leaves them alone.
    pub pinned: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_url: Option<String>,
    /// Empty where only the person's listing is asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timecodes: Vec<Timecode>,
    /// Apparent age and gender, where the asset's analysis was asked for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traits: Option<FaceTraits>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetFaceList {
    pub items: Vec<AssetFace>,
}

/// Who a photograph of a bulk import shows, from its path inside the import (`/`
/// separated): the folder it is in ("Jane Doe/beach.jpg"), else its file name with
/// separators made spaces and a trailing number dropped ("Jane_Doe_2.jpg").
pub fn person_of_photo(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let file = parts.pop()?;
    let name = match parts.last() {
        Some(folder) => (*folder).to_owned(),
        None => {
            let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
            let spaced = stem.replace(['_', '-', '.'], " ");
            spaced.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ').to_owned()
        }
    };
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

/// Whom a photograph of a bulk import is indexed as, or why it is refused (code, reason):
/// not a picture, or no name in its path. The server, the web app and the CLI all ask this.
pub fn import_name(path: &str) -> Result<String, (&'static str, &'static str)> {
    if crate::AssetType::of_file(path, None) != crate::AssetType::Image {
        return Err(("not-a-picture", "not a picture (JPEG, PNG, WebP...)"));
    }
    person_of_photo(path).ok_or(("no-name", "neither its folder nor its file name names anyone"))
}

/// `POST /api/face-collections/{id}/import`: what a bulk import indexed and refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceImport {
    pub indexed: Vec<ImportedFace>,
    pub refused: Vec<RefusedPhoto>,
}

/// A photograph indexed as a person's face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportedFace {
    /// The photograph's path inside the import.
    pub file: String,
    pub name: String,
    pub face_id: String,
}

/// A photograph that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedPhoto {
    pub file: String,
    /// A stable code (`no-face`, `several-faces`, `face-unusable`, `unreadable-image`...).
    pub code: String,
    pub reason: String,
}

#[cfg(test)]
mod import_tests {
    use super::person_of_photo;

    #[test]
    fn a_photo_is_named_by_its_folder_or_else_its_file() {
        assert_eq!(person_of_photo("Jane Doe/beach.jpg").as_deref(), Some("Jane Doe"));
        assert_eq!(person_of_photo("people/Jane Doe/beach.jpg").as_deref(), Some("Jane Doe"));
        assert_eq!(person_of_photo("Jane_Doe_02.jpg").as_deref(), Some("Jane Doe"));
        assert_eq!(person_of_photo("barack-obama.png").as_deref(), Some("barack obama"));
        assert_eq!(person_of_photo("007.jpg"), None);
    }
}
