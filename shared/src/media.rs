//! What ingest learns about an asset's media and where it stores what it makes.

use serde::{Deserialize, Serialize};

/// Technical metadata, summarised for the web app (the tools' full reports are stored
/// beside the outputs, see [`IngestOutputs::reports`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Technical {
    /// Container or file format, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `png`, `pdf`.
    pub format: Option<String>,
    pub duration_ms: Option<u64>,
    pub bit_rate: Option<u64>,
    pub video: Option<VideoInfo>,
    pub audio: Option<AudioInfo>,
    pub image: Option<ImageInfo>,
    pub document: Option<DocumentInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoInfo {
    pub codec: String,
    /// As displayed: rotation already applied.
    pub width: u32,
    pub height: u32,
    /// Average frames per second.
    pub fps: f64,
    /// Degrees clockwise a player turns the picture (phone video).
    pub rotation: i32,
    pub variable_frame_rate: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AudioInfo {
    pub codec: String,
    pub channels: u32,
    pub sample_rate: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageInfo {
    /// As displayed: EXIF orientation applied.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation, 1 to 8.
    pub orientation: u16,
    pub camera: Option<String>,
    pub taken_at: Option<String>,
    pub gps: Option<Gps>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
    pub altitude: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentInfo {
    pub pages: u32,
    pub title: Option<String>,
    pub author: Option<String>,
    /// Characters of text the pages hold (0 for a scan).
    pub text_chars: u64,
}

/// Keys, in the proxy bucket, of what ingest made for an asset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestOutputs {
    /// H.264/AAC MP4 for playback and analysis.
    pub video: Option<String>,
    /// AAC M4A for playback and speech.
    pub audio: Option<String>,
    /// JPEG of an image with its orientation applied.
    pub image: Option<String>,
    pub thumbnail: Option<String>,
    pub waveform: Option<String>,
    pub frames: Option<FrameSet>,
    /// One PNG per page of a document, in page order.
    pub pages: Vec<String>,
    /// A document's text, pages separated by form feeds.
    pub text: Option<String>,
    /// The tools' own reports: mediainfo, ffprobe, exiftool, pdfinfo (JSON).
    pub reports: Vec<String>,
}

/// Frames captured from a video for analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrameSet {
    /// Frames per second captured.
    pub rate: f64,
    /// Frames captured, and of those kept for analysis.
    pub captured: u32,
    pub kept: u32,
    /// JSON list of [`Frame`]s.
    pub manifest: String,
}

/// One captured frame: where it is, when, and how it looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Frame {
    /// Key of the JPEG in the proxy bucket.
    pub key: String,
    /// Milliseconds from the start.
    pub time_ms: u64,
    /// 64-bit perceptual hash (DCT), hex.
    pub phash: String,
    /// Variance of the Laplacian: low means blurred or flat.
    pub sharpness: f64,
    /// Whether dynamic frame selection kept it for analysis.
    pub kept: bool,
    /// Its colours: a 64-bin histogram (4 levels each of red, green and blue), each bin
    /// the share of pixels in it times 255, hex. Empty for frames captured before it was.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub colours: String,
}
