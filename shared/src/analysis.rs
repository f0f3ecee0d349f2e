//! What analysis finds in an asset, as timelines: one item per name (a label, a line of
//! text, a person) with the time ranges it appears in, its best confidence and, per frame,
//! where in the picture it is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kinds of analysis results, as named in URLs and search fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnalysisKind {
    Label,
    Face,
    FaceMatch,
    Text,
    Moderation,
    Shot,
    Transcript,
    Keyphrase,
    Entity,
    Sentiment,
}

impl AnalysisKind {
    pub const ALL: [AnalysisKind; 10] = [
        Self::Label,
        Self::Face,
        Self::FaceMatch,
        Self::Text,
        Self::Moderation,
        Self::Shot,
        Self::Transcript,
        Self::Keyphrase,
        Self::Entity,
        Self::Sentiment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Label => "label",
            Self::Face => "face",
            Self::FaceMatch => "face_match",
            Self::Text => "text",
            Self::Moderation => "moderation",
            Self::Shot => "shot",
            Self::Transcript => "transcript",
            Self::Keyphrase => "keyphrase",
            Self::Entity => "entity",
            Self::Sentiment => "sentiment",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A stretch of time, in milliseconds from the start; `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timecode {
    pub begin: u64,
    pub end: u64,
}

/// Where something is in one frame: fractions of the picture's width and height, so
/// boxes fit any size the picture is shown at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrameBox {
    pub time_ms: u64,
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
    pub confidence: f32,
    /// On-screen text: each word of the line and its own box, in the same fractions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<WordBox>,
}

/// One word of a line of on-screen text and where it is in the frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WordBox {
    pub text: String,
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
}

/// One name and everywhere it appears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineItem {
    pub name: String,
    /// The best confidence over its appearances, 0 to 1.
    pub confidence: f32,
    pub timecodes: Vec<Timecode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<FrameBox>,
    /// In documents: the pages it is on, from 1 (documents have no time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
}

/// `GET /api/assets/{id}/analysis/{kind}`: every item of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub kind: AnalysisKind,
    pub items: Vec<TimelineItem>,
}

/// How one kind of analysis went on an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnalysisStatus {
    Done,
    Failed,
}

/// One kind's outcome, kept on the asset: `analysis: {<kind>: {status, count}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalysisSummary {
    pub status: AnalysisStatus,
    /// Items in the timeline.
    pub count: u32,
    /// Why it failed, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Key of the timeline JSON in the proxy bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Every kind's outcome on an asset.
pub type AnalysisSummaries = BTreeMap<AnalysisKind, AnalysisSummary>;

/// A timeline as a WebVTT metadata track: one cue per appearance, its payload the item
/// as JSON (name, confidence), for players and other tools to read.
pub fn vtt(items: &[TimelineItem]) -> String {
    let mut cues: Vec<(Timecode, String)> = items
        .iter()
        .flat_map(|item| {
            // f32 widened to f64 prints its binary noise (0.9700000286...): keep three places.
            let confidence = (f64::from(item.confidence) * 1000.0).round() / 1000.0;
            let payload = serde_json::json!({"name": item.name, "confidence": confidence}).to_string();
            // A cue may not hold "-->" and players read `<` and `&` as markup: JSON can say
            // them as escapes that decode to the same text.
            let payload = payload.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
            item.timecodes.iter().map(move |t| (*t, payload.clone()))
        })
        .collect();
    cues.sort_by_key(|(t, _)| (t.begin, t.end));
    let mut out = String::from("WEBVTT\n\n");
    for (t, payload) in cues {
        out.push_str(&format!("{} --> {}\n{payload}\n\n", vtt_time(t.begin), vtt_time(t.end)));
    }
    out
}

fn vtt_time(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vtt_track_has_a_cue_per_appearance() {
        let item = TimelineItem {
            name: "BREAKING NEWS".into(),
            confidence: 0.97,
            timecodes: vec![Timecode { begin: 1500, end: 3_723_004 }],
            boxes: vec![],
            pages: vec![],
        };
        let vtt = vtt(&[item]);
        assert!(vtt.starts_with("WEBVTT\n\n"));
        assert!(vtt.contains("00:00:01.500 --> 01:02:03.004\n{\"confidence\":0.97"), "{vtt}");
    }

    #[test]
    fn cue_text_never_holds_an_arrow_or_markup_yet_decodes_to_the_name() {
        let name = "A --> B <i>&amp;</i>";
        let item = TimelineItem {
            name: name.into(),
            confidence: 0.5,
            timecodes: vec![Timecode { begin: 0, end: 1000 }],
            boxes: vec![],
            pages: vec![],
        };
        let vtt = vtt(&[item]);
        let payload = vtt.lines().nth(3).unwrap();
        assert!(!payload.contains("-->") && !payload.contains('<') && !payload.contains('&'), "{payload}");
        let decoded: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(decoded["name"], name);
    }
}
