use async_trait::async_trait;
use mediaport_shared::{AssetId, PersonId};

use super::catalog::CatalogError;

/// A person as the catalog keeps them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: PersonId,
    pub name: Option<String>,
    pub appearances: u64,
    /// Chip keys of a few appearances, pinned ones first.
    pub chips: Vec<String>,
    /// RFC 3339.
    pub updated_at: String,
}

/// One person's appearance in one asset: who it was placed in, or which collection face
/// recognised it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppearanceRecord {
    /// `<asset id>/<n>`, as in the asset's `faces.json`.
    pub id: String,
    pub asset_id: AssetId,
    pub person_id: Option<PersonId>,
    pub face_id: Option<String>,
    /// Key of the chip in the proxy bucket.
    pub chip_key: String,
    /// Confirmed by a reviewer (the person was named, merged, or the face moved there):
    /// clustering keeps it where it is.
    pub pinned: bool,
}

/// Which people a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Named {
    #[default]
    All,
    Named,
    Unnamed,
}

/// The people found in assets and the corrections reviewers made to them. Each change
/// that touches several rows is one transaction, and a person left without appearances
/// is removed in it.
#[async_trait]
pub trait PeopleCatalog: Send + Sync {
    /// People by number of appearances, most first, then by id.
    async fn list_people(&self, named: Named, limit: u32, offset: u64) -> Result<Vec<PersonRecord>, CatalogError>;
    /// One person, or `NotFound`.
    async fn get_person(&self, id: &PersonId) -> Result<PersonRecord, CatalogError>;
    /// Names a person, or takes the name away; `NotFound` for an unknown id. Naming
    /// confirms the person's faces: their appearances are pinned.
    async fn name_person(&self, id: &PersonId, name: Option<&str>) -> Result<PersonRecord, CatalogError>;
    /// A person's appearances, oldest asset first.
    async fn person_appearances(&self, person_id: &PersonId) -> Result<Vec<AppearanceRecord>, CatalogError>;
    /// An asset's appearances, in the order of its `faces.json`.
    async fn asset_appearances(&self, asset_id: &AssetId) -> Result<Vec<AppearanceRecord>, CatalogError>;
    /// The appearances among `ids` that exist.
    async fn appearances(&self, ids: &[String]) -> Result<Vec<AppearanceRecord>, CatalogError>;
    /// Ids of the assets where the collection face recognised someone.
    async fn assets_with_face(&self, face_id: &str) -> Result<Vec<AssetId>, CatalogError>;
    /// The people an appearance was said not to be.
    async fn exclusions(&self, appearance_id: &str) -> Result<Vec<PersonId>, CatalogError>;
    /// Replaces an asset's appearances after its analysis, creating `new_people` first.
    async fn replace_appearances(
        &self,
        asset_id: &AssetId,
        new_people: &[PersonId],
        rows: &[AppearanceRecord],
    ) -> Result<(), CatalogError>;
    /// `from` is the same person as `into`: its appearances and exclusions move there,
    /// every appearance of both is pinned, `into` keeps its name (or takes `from`'s) and
    /// `from` is removed. `NotFound` when either is unknown.
    async fn merge_people(&self, from: &PersonId, into: &PersonId) -> Result<PersonRecord, CatalogError>;
    /// The appearance is not `from`: it is excluded from `from` for good and moves to
    /// `to` (pinned), or to a new person `new_id` (left for clustering to place again);
    /// `from`'s other appearances are pinned, as a reviewer has seen them.
    /// `NotFound` when the appearance is not `from`'s or `to` is unknown.
    async fn move_appearance(
        &self,
        appearance_id: &str,
        from: &PersonId,
        to: Option<&PersonId>,
        new_id: &PersonId,
    ) -> Result<PersonRecord, CatalogError>;
}
