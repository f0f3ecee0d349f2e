use async_trait::async_trait;
use mediaport_shared::{AssetId, Note, NoteId};

use super::catalog::CatalogError;

/// Reviewers' notes on assets and their replies; they go with their asset.
#[async_trait]
pub trait NoteLog: Send + Sync {
    /// Records a note as given (id, author and time chosen by the caller); `NotFound` when
    /// its asset, or the note it answers in that asset, does not exist.
    async fn add_note(&self, note: &Note) -> Result<Note, CatalogError>;
    /// Every note and reply of an asset, oldest first.
    async fn notes(&self, asset_id: &AssetId) -> Result<Vec<Note>, CatalogError>;
    /// Removes a note with its replies; `NotFound` when the asset has no such note.
    async fn delete_note(&self, asset_id: &AssetId, id: &NoteId) -> Result<(), CatalogError>;
}
