//! What analysis found in an asset, read back for people: one kind's timeline (or why
//! there is none), the shot list, and everything at once as an export.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use mediaport_shared::{AnalysisKind, AnalysisStatus, Asset, AssetExport, Correction, CorrectionEntry, Timeline};

use crate::corrections;
use crate::error::{ErrorKind, ServiceError};
use crate::keys;
use crate::ports::catalog::Catalog;
use crate::ports::catalog::CatalogError;
use crate::ports::storage::{Storage, StorageError};

/// Why a result cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The asset was never analysed for this kind (not asked for, or not yet).
    #[error("{filename} has no {kind} analysis", kind = kind.as_str())]
    NotAnalysed { filename: String, kind: AnalysisKind },
    /// The analysis ran and failed; the reason is the one recorded.
    #[error("{kind} analysis failed: {reason}", kind = kind.as_str())]
    Failed { kind: AnalysisKind, reason: String },
    #[error("a stored result cannot be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl ServiceError for ResultsError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAnalysed { .. } => "not-analysed",
            Self::Failed { .. } => "analysis-failed",
            Self::Unreadable(_) => "timeline-unreadable",
            Self::Storage(err) => err.code(),
            Self::Catalog(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotAnalysed { .. } => ErrorKind::NotFound,
            Self::Failed { .. } => ErrorKind::Unprocessable,
            Self::Unreadable(_) => ErrorKind::Internal,
            Self::Storage(err) => err.kind(),
            Self::Catalog(err) => err.kind(),
        }
    }
}

/// Where results are kept, and the corrections laid over them.
pub struct Results<'a> {
    pub storage: &'a dyn Storage,
    pub proxy_bucket: &'a str,
    /// Where reviewers' corrections and notes are.
    pub catalog: &'a dyn Catalog,
}

/// The corrections of a trail that are in force, in the order made.
pub fn in_force(trail: &[CorrectionEntry]) -> Vec<Correction> {
    trail.iter().filter(|e| e.in_force()).map(|e| e.correction.clone()).collect()
}

impl Results<'_> {
    /// One kind's timeline as reviewers corrected it, or why there is none.
    pub async fn timeline(&self, asset: &Asset, kind: AnalysisKind) -> Result<Timeline, ResultsError> {
        let trail = self.catalog.corrections(&asset.id).await?;
        let stored = self.stored_timeline(asset, kind).await?;
        Ok(corrections::apply(stored, &in_force(&trail)).timeline)
    }

    /// One kind's timeline as the analysis stored it, or why there is none.
    pub async fn stored_timeline(&self, asset: &Asset, kind: AnalysisKind) -> Result<Timeline, ResultsError> {
        let Some(summary) = asset.analysis.get(&kind) else {
            return Err(ResultsError::NotAnalysed { filename: asset.filename.clone(), kind });
        };
        let key = match (summary.status, &summary.key) {
            (AnalysisStatus::Done, Some(key)) => key,
            _ => {
                let reason = summary.error.as_deref().unwrap_or("no reason was recorded").to_owned();
                return Err(ResultsError::Failed { kind, reason });
            }
        };
        let bytes = self.storage.get_object(self.proxy_bucket, key).await?;
        serde_json::from_slice(&bytes).map_err(|e| ResultsError::Unreadable(format!("{key}: {e}")))
    }

    /// The shots as an edit decision list; as for their timeline when there are none.
    pub async fn shot_list(&self, asset: &Asset) -> Result<Bytes, ResultsError> {
        // The shots' timeline being there says the EDL was written beside it.
        self.stored_timeline(asset, AnalysisKind::Shot).await?;
        Ok(self.storage.get_object(self.proxy_bucket, &keys::shot_list(&asset.id)).await?)
    }

    /// Everything known about an asset: its record, the tools' technical reports, every
    /// timeline analysis made (corrected), the shots' EDL, the corrections' trail and the notes.
    pub async fn export(&self, asset: Asset) -> Result<AssetExport, ResultsError> {
        let mut reports = BTreeMap::new();
        for key in asset.outputs.iter().flat_map(|o| &o.reports) {
            let bytes = self.storage.get_object(self.proxy_bucket, key).await?;
            let name = key.rsplit('/').next().unwrap_or(key).to_owned();
            // A report a tool wrote badly is still worth having, as text.
            let report = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            reports.insert(name, report);
        }
        let trail = self.catalog.corrections(&asset.id).await?;
        let corrections = in_force(&trail);
        let mut timelines = BTreeMap::new();
        for (kind, summary) in &asset.analysis {
            if summary.status == AnalysisStatus::Done {
                let stored = self.stored_timeline(&asset, *kind).await?;
                timelines.insert(*kind, corrections::apply(stored, &corrections).timeline);
            }
        }
        let edl = match timelines.contains_key(&AnalysisKind::Shot) {
            true => {
                let bytes = self.storage.get_object(self.proxy_bucket, &keys::shot_list(&asset.id)).await;
                bytes.ok().map(|b| String::from_utf8_lossy(&b).into_owned())
            }
            false => None,
        };
        let exported_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let notes = self.catalog.notes(&asset.id).await?;
        Ok(AssetExport { exported_at, asset, reports, timelines, edl, corrections: trail, notes })
    }
}
