//! The catalog in memory: assets, uploads and settings with the SQL catalog's rules, for
//! tests of the use cases. It passes the same suite (`backends::testing::catalog`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use async_trait::async_trait;
use mediaport_shared::{AiOptions, AnalysisSummaries, Asset, AssetId, AssetStatus, CorrectionEntry, Note, UploadId};

use super::faces::Faces;
use super::people::People;
use crate::ports::catalog::{
    AssetFilter, Catalog, CatalogError, CatalogStats, IngestRecord, NewAsset, UploadRecord, UploadState,
};

#[derive(Debug, Default)]
pub(super) struct Records {
    assets: BTreeMap<AssetId, Asset>,
    uploads: BTreeMap<UploadId, UploadRecord>,
    /// Bytes the proxy bucket holds per asset, as last measured.
    proxy_bytes: BTreeMap<AssetId, u64>,
    /// Originals of deleted assets left in their bucket: (bucket, key).
    deleted_originals: BTreeSet<(String, String)>,
    settings: BTreeMap<String, String>,
    /// Every asset's corrections, in the order they were made.
    pub(super) corrections: Vec<CorrectionEntry>,
    /// Every asset's notes and replies, oldest first.
    pub(super) notes: Vec<Note>,
    /// Shared moments with their secrets' hashes and views.
    pub(super) shares: Vec<super::shares::Kept>,
    pub(super) people: People,
    pub(super) faces: Faces,
}

impl Records {
    pub(super) fn has_asset(&self, id: &AssetId) -> bool {
        self.assets.contains_key(id)
    }
}

#[derive(Debug)]
pub struct MemoryCatalog {
    instance: String,
    records: Mutex<Records>,
}

impl Default for MemoryCatalog {
    fn default() -> Self {
        Self { instance: uuid::Uuid::new_v4().to_string(), records: Mutex::default() }
    }
}

pub(super) fn missing(what: &'static str, id: impl std::fmt::Display) -> CatalogError {
    CatalogError::NotFound { what, id: id.to_string() }
}

impl MemoryCatalog {
    pub(super) fn with<T>(&self, f: impl FnOnce(&mut Records) -> T) -> T {
        super::locked(&self.records, f)
    }

    /// Changes one asset and returns it as it is now, or `NotFound`.
    fn change_asset(&self, id: &AssetId, change: impl FnOnce(&mut Asset)) -> Result<Asset, CatalogError> {
        self.with(|records| {
            let asset = records.assets.get_mut(id).ok_or_else(|| missing("asset", id))?;
            change(asset);
            Ok(asset.clone())
        })
    }
}

fn to_asset(new: NewAsset) -> Asset {
    Asset {
        id: new.id,
        asset_type: new.asset_type,
        filename: new.filename,
        size: new.size,
        md5: new.md5,
        sha256: None,
        status: new.status,
        group: new.group,
        attributes: new.attributes,
        bucket: new.bucket,
        key: new.key,
        created_at: crate::now_rfc3339(),
        duration_ms: None,
        ai_options: new.ai_options,
        error: None,
        technical: None,
        outputs: None,
        analysis: AnalysisSummaries::new(),
    }
}

/// Adds an asset unless its object is registered already.
fn insert_asset(records: &mut Records, new: NewAsset) -> Result<Asset, CatalogError> {
    if records.assets.values().any(|a| a.bucket == new.bucket && a.key == new.key) {
        return Err(CatalogError::Conflict(format!("an asset of {}/{}", new.bucket, new.key)));
    }
    let asset = to_asset(new);
    records.assets.insert(asset.id.clone(), asset.clone());
    Ok(asset)
}

#[async_trait]
impl Catalog for MemoryCatalog {
    async fn ping(&self) -> Result<(), CatalogError> {
        Ok(())
    }

    async fn instance_id(&self) -> Result<String, CatalogError> {
        Ok(self.instance.clone())
    }

    async fn create_asset(&self, asset: NewAsset) -> Result<Asset, CatalogError> {
        self.with(|records| insert_asset(records, asset))
    }

    async fn find_asset_by_object(&self, bucket: &str, key: &str) -> Result<Option<Asset>, CatalogError> {
        Ok(self.with(|records| records.assets.values().find(|a| a.bucket == bucket && a.key == key).cloned()))
    }

    async fn create_upload(
        &self,
        asset: NewAsset,
        upload: UploadRecord,
    ) -> Result<(Asset, UploadRecord), CatalogError> {
        self.with(|records| {
            if records.uploads.contains_key(&upload.id) {
                return Err(CatalogError::Conflict(format!("upload {}", upload.id)));
            }
            let asset = insert_asset(records, asset)?;
            records.uploads.insert(upload.id.clone(), upload.clone());
            Ok((asset, upload))
        })
    }

    async fn get_upload(&self, id: &UploadId) -> Result<UploadRecord, CatalogError> {
        self.with(|records| records.uploads.get(id).cloned().ok_or_else(|| missing("upload", id)))
    }

    async fn move_upload(&self, id: &UploadId, from: UploadState, to: UploadState) -> Result<bool, CatalogError> {
        self.with(|records| {
            let upload = records.uploads.get_mut(id).ok_or_else(|| missing("upload", id))?;
            let moved = upload.state == from;
            if moved {
                upload.state = to;
            }
            Ok(moved)
        })
    }

    async fn finish_upload(
        &self,
        id: &UploadId,
        status: AssetStatus,
        md5: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        self.with(|records| {
            let upload = records.uploads.get_mut(id).ok_or_else(|| missing("upload", id))?;
            upload.state = UploadState::Completed;
            let asset_id = upload.asset_id.clone();
            let asset = records.assets.get_mut(&asset_id).ok_or_else(|| missing("asset", &asset_id))?;
            asset.status = status;
            asset.md5 = md5.map(str::to_owned).or(asset.md5.take());
            Ok(asset.clone())
        })
    }

    async fn abort_upload(&self, id: &UploadId) -> Result<(), CatalogError> {
        self.with(|records| {
            let upload = records.uploads.get_mut(id).ok_or_else(|| missing("upload", id))?;
            upload.state = UploadState::Aborted;
            let asset_id = upload.asset_id.clone();
            if records.assets.get(&asset_id).is_some_and(|a| a.status == AssetStatus::Uploading) {
                records.assets.remove(&asset_id);
            }
            Ok(())
        })
    }

    async fn stale_uploads(&self, before: &str) -> Result<Vec<UploadRecord>, CatalogError> {
        let open = |u: &&UploadRecord| matches!(u.state, UploadState::Open | UploadState::Completing);
        Ok(self.with(|records| {
            records.uploads.values().filter(open).filter(|u| u.created_at.as_str() < before).cloned().collect()
        }))
    }

    async fn set_asset_status(
        &self,
        id: &AssetId,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        self.change_asset(id, |asset| {
            asset.status = status;
            asset.error = error.map(str::to_owned);
        })
    }

    async fn record_ingest(&self, id: &AssetId, ingest: &IngestRecord) -> Result<Asset, CatalogError> {
        self.change_asset(id, |asset| {
            asset.sha256 = Some(ingest.sha256.clone());
            asset.md5 = asset.md5.take().or_else(|| Some(ingest.md5.clone()));
            asset.duration_ms = ingest.technical.duration_ms;
            asset.technical = Some(ingest.technical.clone());
            asset.outputs = Some(ingest.outputs.clone());
            asset.status = ingest.status;
            asset.error = None;
        })
    }

    async fn record_analysis(
        &self,
        id: &AssetId,
        analysis: &AnalysisSummaries,
        status: AssetStatus,
        error: Option<&str>,
    ) -> Result<Asset, CatalogError> {
        self.change_asset(id, |asset| {
            asset.analysis = analysis.clone();
            asset.status = status;
            asset.error = error.map(str::to_owned);
        })
    }

    async fn get_asset(&self, id: &AssetId) -> Result<Asset, CatalogError> {
        self.with(|records| records.assets.get(id).cloned().ok_or_else(|| missing("asset", id)))
    }

    async fn delete_asset(&self, id: &AssetId, original_kept: bool) -> Result<(), CatalogError> {
        self.with(|records| {
            let asset = records.assets.remove(id).ok_or_else(|| missing("asset", id))?;
            records.proxy_bytes.remove(id);
            records.corrections.retain(|c| &c.asset_id != id);
            records.notes.retain(|n| &n.asset_id != id);
            records.shares.retain(|(s, _, _)| &s.asset_id != id);
            records.people.forget_asset(id);
            if original_kept {
                records.deleted_originals.insert((asset.bucket, asset.key));
            }
            Ok(())
        })
    }

    async fn original_deleted(&self, bucket: &str, key: &str) -> Result<bool, CatalogError> {
        Ok(self.with(|records| records.deleted_originals.contains(&(bucket.to_owned(), key.to_owned()))))
    }

    async fn reanalyse(&self, id: &AssetId, options: &AiOptions) -> Result<Asset, CatalogError> {
        self.with(|records| {
            let asset = records.assets.get_mut(id).ok_or_else(|| missing("asset", id))?;
            // Ingest made the frames and proxies analysis reads: without them there is
            // nothing to analyse again.
            let analysable =
                asset.outputs.is_some() && matches!(asset.status, AssetStatus::Ready | AssetStatus::Failed);
            if !analysable {
                return Err(CatalogError::Conflict(format!("asset {id} is {}", asset.status.as_str())));
            }
            asset.ai_options = Some(options.clone());
            asset.status = AssetStatus::Analysing;
            asset.error = None;
            Ok(asset.clone())
        })
    }

    async fn set_proxy_bytes(&self, id: &AssetId, bytes: u64) -> Result<(), CatalogError> {
        self.with(|records| {
            if !records.assets.contains_key(id) {
                return Err(missing("asset", id));
            }
            records.proxy_bytes.insert(id.to_owned(), bytes);
            Ok(())
        })
    }

    async fn stats(&self, since_day: &str) -> Result<CatalogStats, CatalogError> {
        Ok(self.with(|records| {
            let mut groups = BTreeMap::new();
            let mut stats = CatalogStats::default();
            for asset in records.assets.values() {
                let group = groups.entry((asset.asset_type.as_str(), asset.status.as_str())).or_insert((
                    asset.asset_type,
                    asset.status,
                    0,
                    0,
                ));
                group.2 += 1;
                group.3 += asset.size;
                if !asset.analysis.is_empty() {
                    stats.analysed_ms += asset.duration_ms.unwrap_or(0);
                }
                let day = asset.created_at.get(..10).unwrap_or_default();
                if day >= since_day {
                    *stats.added.entry(day.to_owned()).or_insert(0) += 1;
                }
            }
            stats.groups = groups.into_values().collect();
            stats.proxy_bytes = records.proxy_bytes.values().sum();
            stats
        }))
    }

    async fn setting(&self, name: &str) -> Result<Option<String>, CatalogError> {
        Ok(self.with(|records| records.settings.get(name).cloned()))
    }

    async fn save_setting(&self, name: &str, value: &str) -> Result<(), CatalogError> {
        self.with(|records| records.settings.insert(name.to_owned(), value.to_owned()));
        Ok(())
    }

    async fn list_assets(
        &self,
        filter: &AssetFilter,
        limit: u32,
        after: Option<&AssetId>,
    ) -> Result<Vec<Asset>, CatalogError> {
        let wanted = |asset: &&Asset| {
            filter.asset_type.is_none_or(|t| asset.asset_type == t)
                && filter.status.is_none_or(|s| asset.status == s)
                && after.is_none_or(|after| asset.id < *after)
        };
        // Ids are time-ordered: the newest asset has the greatest.
        Ok(self.with(|records| records.assets.values().rev().filter(wanted).take(limit as usize).cloned().collect()))
    }
}
