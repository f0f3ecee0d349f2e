//! Shared moments and their views in memory, with the SQL catalog's rules.

use async_trait::async_trait;
use mediaport_shared::{Share, ShareId, ShareView};

use super::catalog::{MemoryCatalog, missing};
use crate::ports::catalog::CatalogError;
use crate::ports::shares::ShareLog;

/// A share as kept: the share, its secret's hash and its views, oldest first.
pub(super) type Kept = (Share, String, Vec<ShareView>);

fn counted((share, _, views): &Kept) -> Share {
    Share { views: views.len() as u64, ..share.clone() }
}

#[async_trait]
impl ShareLog for MemoryCatalog {
    async fn add_share(&self, share: &Share, secret_hash: &str) -> Result<Share, CatalogError> {
        self.with(|records| {
            if !records.has_asset(&share.asset_id) {
                return Err(missing("asset", &share.asset_id));
            }
            records.shares.push((share.clone(), secret_hash.to_owned(), Vec::new()));
            Ok(share.clone())
        })
    }

    async fn share(&self, id: &ShareId) -> Result<(Share, String), CatalogError> {
        self.with(|records| {
            let kept = records.shares.iter().find(|(s, _, _)| &s.id == id).ok_or_else(|| missing("share", id))?;
            Ok((counted(kept), kept.1.clone()))
        })
    }

    async fn shares(&self, created_by: Option<&str>) -> Result<Vec<Share>, CatalogError> {
        self.with(|records| {
            let mut found: Vec<Share> = records
                .shares
                .iter()
                .filter(|(s, _, _)| created_by.is_none_or(|by| s.created_by == by))
                .map(counted)
                .collect();
            found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
            Ok(found)
        })
    }

    async fn revoke_share(&self, id: &ShareId, by: &str, at: &str) -> Result<Share, CatalogError> {
        self.with(|records| {
            let kept = records.shares.iter_mut().find(|(s, _, _)| &s.id == id).ok_or_else(|| missing("share", id))?;
            if kept.0.revoked_at.is_some() {
                return Err(CatalogError::Conflict(format!("share {id} was revoked already")));
            }
            kept.0.revoked_at = Some(at.to_owned());
            kept.0.revoked_by = Some(by.to_owned());
            Ok(counted(kept))
        })
    }

    async fn record_view(&self, id: &ShareId, view: &ShareView) -> Result<(), CatalogError> {
        self.with(|records| {
            let kept = records.shares.iter_mut().find(|(s, _, _)| &s.id == id).ok_or_else(|| missing("share", id))?;
            kept.2.push(view.clone());
            Ok(())
        })
    }

    async fn share_views(&self, id: &ShareId) -> Result<Vec<ShareView>, CatalogError> {
        self.with(|records| {
            let kept = records.shares.iter().find(|(s, _, _)| &s.id == id).ok_or_else(|| missing("share", id))?;
            Ok(kept.2.iter().rev().cloned().collect())
        })
    }
}
