//! Reviewers' notes in memory, with the SQL catalog's rules: a reply answers a note of
//! the same asset, and goes with it.

use async_trait::async_trait;
use mediaport_shared::{AssetId, Note, NoteId};

use super::catalog::{MemoryCatalog, missing};
use crate::ports::catalog::CatalogError;
use crate::ports::notes::NoteLog;

#[async_trait]
impl NoteLog for MemoryCatalog {
    async fn add_note(&self, note: &Note) -> Result<Note, CatalogError> {
        self.with(|records| {
            if !records.has_asset(&note.asset_id) {
                return Err(missing("asset", &note.asset_id));
            }
            if let Some(answered) = &note.reply_to
                && !records.notes.iter().any(|n| &n.id == answered && n.asset_id == note.asset_id)
            {
                return Err(missing("note", answered));
            }
            if records.notes.iter().any(|n| n.id == note.id) {
                return Err(CatalogError::Conflict(format!("note {}", note.id)));
            }
            records.notes.push(note.clone());
            Ok(note.clone())
        })
    }

    async fn notes(&self, asset_id: &AssetId) -> Result<Vec<Note>, CatalogError> {
        Ok(self.with(|records| records.notes.iter().filter(|n| &n.asset_id == asset_id).cloned().collect()))
    }

    async fn delete_note(&self, asset_id: &AssetId, id: &NoteId) -> Result<(), CatalogError> {
        self.with(|records| {
            if !records.notes.iter().any(|n| &n.id == id && &n.asset_id == asset_id) {
                return Err(missing("note", id));
            }
            records.notes.retain(|n| &n.id != id && n.reply_to.as_ref() != Some(id));
            Ok(())
        })
    }
}
