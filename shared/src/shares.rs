//! Moments of an asset shared with people who have no account: a secret link to a stretch
//! of the proxy (cut out on its own, never the original) and the metadata chosen for it,
//! which expires (at most 30 days), can be revoked, and logs every view.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AnalysisKind, AssetId, ShareId, Timecode, Timeline};

/// The longest a link lives.
pub const MAX_SHARE_DAYS: u32 = 30;
/// The longest stretch a link shows.
pub const MAX_SHARE_MS: u64 = 30 * 60 * 1000;

/// `POST /api/assets/{id}/shares`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// The stretch shown, in milliseconds of the asset.
    pub at: Timecode,
    /// Days until the link stops working, 1 to 30.
    pub days: u32,
    /// The results shown beside the video, within the stretch (none: the video alone).
    #[serde(default)]
    pub kinds: Vec<AnalysisKind>,
}

/// A shared moment as its maker and admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub id: ShareId,
    pub asset_id: AssetId,
    pub at: Timecode,
    pub kinds: Vec<AnalysisKind>,
    pub created_by: String,
    /// RFC 3339, as the two below.
    pub created_at: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    /// Times the link was opened.
    #[serde(default)]
    pub views: u64,
}

/// A share just made, with its link: the link's secret is kept only as a hash, so this
/// is the one time it is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedShare {
    pub share: Share,
    /// The page's path on this server, `/share/<token>`.
    pub path: String,
    pub token: String,
}

/// `GET /api/shares`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareList {
    pub items: Vec<Share>,
}

/// One opening of a shared link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareView {
    /// RFC 3339.
    pub viewed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// `GET /api/shares/{id}/views`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareViewList {
    pub items: Vec<ShareView>,
}

/// `GET /api/public/shares/{token}`: what the link shows, to anyone holding it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedMoment {
    pub filename: String,
    /// The stretch of the asset shown; the clip starts at its `begin`.
    pub at: Timecode,
    pub expires_at: String,
    /// A short-lived link to the clip; none while it is being cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<String>,
    /// The chosen results, only their items and times within the stretch, times counted
    /// from the clip's start.
    pub timelines: BTreeMap<AnalysisKind, Timeline>,
}
