use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::media::{IngestOutputs, Technical};

/// What kind of media an asset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    Video,
    Audio,
    Image,
    Document,
    /// A file no analysis understands: stored and listed, never processed.
    Other,
}

impl AssetType {
    pub const ALL: [AssetType; 5] = [Self::Video, Self::Audio, Self::Image, Self::Document, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Image => "image",
            Self::Document => "document",
            Self::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// What a file holds, judged by its extension (then its MIME type): the same answer
    /// in the browser, the CLI and the server.
    pub fn of_file(filename: &str, content_type: Option<&str>) -> Self {
        let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let by_ext = match ext.as_str() {
            "mp4" | "m4v" | "mov" | "mkv" | "webm" | "avi" | "mxf" | "mpg" | "mpeg" | "ts" | "mts" | "m2ts" | "wmv"
            | "flv" | "3gp" | "ogv" => Some(Self::Video),
            "mp3" | "wav" | "m4a" | "aac" | "flac" | "ogg" | "oga" | "opus" | "wma" | "aif" | "aiff" => {
                Some(Self::Audio)
            }
            "jpg" | "jpeg" | "png" | "gif" | "webp" | "tif" | "tiff" | "bmp" | "heic" | "heif" | "avif" => {
                Some(Self::Image)
            }
            "pdf" => Some(Self::Document),
            _ => None,
        };
        by_ext.unwrap_or_else(|| match content_type.and_then(|c| c.split('/').next()) {
            Some("video") => Self::Video,
            Some("audio") => Self::Audio,
            Some("image") => Self::Image,
            _ if content_type == Some("application/pdf") => Self::Document,
            _ => Self::Other,
        })
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
    /// Stored, but of a type nothing can process.
    Unsupported,
}

impl AssetStatus {
    pub const ALL: [AssetStatus; 6] =
        [Self::Uploading, Self::Ingesting, Self::Analysing, Self::Ready, Self::Failed, Self::Unsupported];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploading => "uploading",
            Self::Ingesting => "ingesting",
            Self::Analysing => "analysing",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Unsupported => "unsupported",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Where an asset goes once its original is whole: to ingest, unless nothing can process it.
    pub fn once_stored(asset_type: AssetType) -> Self {
        if asset_type == AssetType::Other { Self::Unsupported } else { Self::Ingesting }
    }
}

/// One media file in the archive and what is known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Asset {
    pub id: crate::AssetId,
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
    /// Analysis options chosen at upload; the settings' defaults apply when absent.
    pub ai_options: Option<crate::AiOptions>,
    /// Why processing failed, for a `failed` asset.
    #[serde(default)]
    pub error: Option<String>,
    /// What ingest learned, once it has run.
    #[serde(default)]
    pub technical: Option<Technical>,
    /// What ingest made, keys in the proxy bucket.
    #[serde(default)]
    pub outputs: Option<IngestOutputs>,
    /// How each kind of analysis went, once analysis has run.
    #[serde(default)]
    pub analysis: crate::AnalysisSummaries,
}

/// `GET /api/assets`: one page of assets and the cursor of the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetList {
    pub items: Vec<AssetCard>,
    pub next_cursor: Option<String>,
}

/// An asset in a list or an event: the record and a link to its thumbnail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetCard {
    #[serde(flatten)]
    pub asset: Asset,
    /// Presigned GET URL of the thumbnail, once ingest has made one.
    pub thumbnail_url: Option<String>,
}

/// `GET /api/assets/{id}`: the record and presigned links to what ingest made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetDetail {
    #[serde(flatten)]
    pub asset: Asset,
    pub proxies: Proxies,
}

/// Presigned GET URLs of an asset's outputs, valid for an hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proxies {
    pub video: Option<String>,
    pub audio: Option<String>,
    pub image: Option<String>,
    pub waveform: Option<String>,
    pub thumbnails: Vec<String>,
    /// One picture per page of a document.
    pub pages: Vec<String>,
    pub text: Option<String>,
    /// The frames manifest (JSON), when frames were captured.
    pub frames: Option<String>,
    /// The tools' own reports (mediainfo, ffprobe, exiftool, pdfinfo), JSON.
    pub reports: Vec<String>,
}

/// `GET /api/assets/{id}/export`: everything known about an asset in one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetExport {
    /// RFC 3339 time the file was made.
    pub exported_at: String,
    pub asset: Asset,
    /// The tools' own reports by file name (`mediainfo.json`, `ffprobe.json`, `exif.json`...).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub reports: BTreeMap<String, serde_json::Value>,
    /// Every timeline analysis made, by kind, with reviewers' corrections applied.
    pub timelines: BTreeMap<crate::AnalysisKind, crate::Timeline>,
    /// The shots as a CMX3600 edit decision list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edl: Option<String>,
    /// Reviewers' corrections, undone ones too: the asset's audit trail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<crate::CorrectionEntry>,
    /// Reviewers' notes and replies, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<crate::Note>,
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

    #[test]
    fn file_types_come_from_extension_then_mime_type() {
        assert_eq!(AssetType::of_file("Interview.MOV", None), AssetType::Video);
        assert_eq!(AssetType::of_file("song.flac", Some("application/octet-stream")), AssetType::Audio);
        assert_eq!(AssetType::of_file("scan.PDF", None), AssetType::Document);
        assert_eq!(AssetType::of_file("noext", Some("image/png")), AssetType::Image);
        assert_eq!(AssetType::of_file("notes.txt", Some("text/plain")), AssetType::Other);
        assert_eq!(AssetType::of_file("archive.zip", None), AssetType::Other);
    }
}
