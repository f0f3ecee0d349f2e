//! `GET /api/search`: assets that match a query, each with the names that matched and the
//! moments they occur, and counts per facet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AnalysisKind, AssetType, Timecode};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// Assets matching, over all pages.
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// Per facet (`type`, `label`, `face`, `group`): value -> assets matching with it.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub asset_id: crate::AssetId,
    pub filename: String,
    #[serde(rename = "type")]
    pub asset_type: AssetType,
    pub score: f32,
    /// Presigned GET URL of the asset's thumbnail.
    pub thumbnail: Option<String>,
    /// Text around what matched, the matching words in `<b>`…`</b>` and the rest escaped.
    pub highlights: Vec<String>,
    pub matches: Vec<SearchMatch>,
}

/// One name that matched and where it occurs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchMatch {
    pub kind: AnalysisKind,
    pub name: String,
    pub timecodes: Vec<Timecode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
    /// Videos with scenes: the scene (from 1) each of `timecodes` starts in, in their order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenes: Vec<u32>,
}
