//! Reviewers' corrections in memory, with the SQL catalog's rules: kept in the order
//! made, only marked undone, gone with their asset.

use async_trait::async_trait;
use mediaport_shared::{AssetId, CorrectionEntry, CorrectionId};

use super::catalog::{MemoryCatalog, missing};
use crate::ports::catalog::CatalogError;
use crate::ports::corrections::CorrectionLog;

#[async_trait]
impl CorrectionLog for MemoryCatalog {
    async fn add_correction(&self, entry: &CorrectionEntry) -> Result<CorrectionEntry, CatalogError> {
        self.with(|records| {
            if !records.has_asset(&entry.asset_id) {
                return Err(missing("asset", &entry.asset_id));
            }
            if records.corrections.iter().any(|c| c.id == entry.id) {
                return Err(CatalogError::Conflict(format!("correction {}", entry.id)));
            }
            records.corrections.push(entry.clone());
            Ok(entry.clone())
        })
    }

    async fn corrections(&self, asset_id: &AssetId) -> Result<Vec<CorrectionEntry>, CatalogError> {
        Ok(self.with(|records| records.corrections.iter().filter(|c| &c.asset_id == asset_id).cloned().collect()))
    }

    async fn undo_correction(
        &self,
        asset_id: &AssetId,
        id: &CorrectionId,
        by: &str,
        at: &str,
    ) -> Result<CorrectionEntry, CatalogError> {
        self.with(|records| {
            let entry = records
                .corrections
                .iter_mut()
                .find(|c| &c.id == id && &c.asset_id == asset_id)
                .ok_or_else(|| missing("correction", id))?;
            if !entry.in_force() {
                return Err(CatalogError::Conflict(format!("correction {id} was undone already")));
            }
            entry.undone_by = Some(by.to_owned());
            entry.undone_at = Some(at.to_owned());
            Ok(entry.clone())
        })
    }
}
