use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What kind of media an asset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    Video,
    Audio,
    Image,
    Document,
}

impl AssetType {
    pub const ALL: [AssetType; 4] = [Self::Video, Self::Audio, Self::Image, Self::Document];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Image => "image",
            Self::Document => "document",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Where an asset is in its life: uploaded, processed, or failed with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssetStatus {
    Uploading,
    Ingesting,
    Analysing,
    Ready,
    Failed,
}

impl AssetStatus {
    pub const ALL: [AssetStatus; 5] = [Self::Uploading, Self::Ingesting, Self::Analysing, Self::Ready, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploading => "uploading",
            Self::Ingesting => "ingesting",
            Self::Analysing => "analysing",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One media file in the archive and what is known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Asset {
    pub id: String,
    #[serde(rename = "type")]
    pub asset_type: AssetType,
    pub filename: String,
    pub size: u64,
    pub md5: Option<String>,
    pub sha256: Option<String>,
    pub status: AssetStatus,
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
    /// Bucket and key of the original in storage.
    pub bucket: String,
    pub key: String,
    /// RFC 3339 time the asset was registered.
    pub created_at: String,
    pub duration_ms: Option<u64>,
}

/// `GET /api/assets`: one page of assets and the cursor of the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetList {
    pub items: Vec<Asset>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in AssetType::ALL {
            assert_eq!(AssetType::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        for s in AssetStatus::ALL {
            assert_eq!(AssetStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AssetType::parse("podcast"), None);
    }
}
