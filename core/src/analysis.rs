//! Which analyses run on an asset: the installation's defaults, with the options its
//! upload chose (`ai_options`) laid over them.

use mediaport_shared::Asset;
use serde::{Deserialize, Serialize};

/// Which analyses run and how sure they must be, unless an asset's options say otherwise.
/// The `[analysis]` section of the settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisDefaults {
    /// COCO objects (NanoDet) on frames and images (`ai_options.labels`).
    pub labels: bool,
    /// On-screen text (PP-OCRv4) on frames, images and scanned pages (`ai_options.text`).
    pub text: bool,
    /// Unsafe-content scores (Open NSFW) on frames and images (`ai_options.moderation`).
    pub moderation: bool,
    /// Shots and black frames over the whole video (`ai_options.shots`).
    pub shots: bool,
    /// Lines of text read with less confidence are dropped (`ai_options.min_confidence`).
    pub min_confidence: f32,
    /// Objects scoring less are dropped (`ai_options.label_confidence`); the detector is
    /// small, real objects score from about 0.25.
    pub label_confidence: f32,
    /// Frames whose unsafe score reaches this are flagged (`ai_options.moderation_threshold`).
    pub moderation_threshold: f32,
    /// Speech to text (Whisper) on the audio of videos and audio files (`ai_options.transcript`).
    pub transcript: bool,
    /// The language spoken, e.g. "en" (`ai_options.language`); none detects it where the
    /// model can.
    pub language: Option<String>,
    /// The Whisper model: "tiny.en" (English, fastest) or "base" (multilingual, detects
    /// the language) (`ai_options.transcript_model`).
    pub transcript_model: String,
    /// Key phrases of the transcript and text (`ai_options.keyphrases`).
    pub keyphrases: bool,
    /// Names, places and contact details in the transcript and text (`ai_options.entities`).
    pub entities: bool,
    /// Positive, negative or neutral, per sentence (`ai_options.sentiment`; English).
    pub sentiment: bool,
    /// Faces on frames and images, grouped by person (`ai_options.faces`).
    pub faces: bool,
    /// Faces with fewer pixels from brow to chin are not looked for (`ai_options.min_face_size`):
    /// smaller ones cannot be recognised, and looking for them is most of the detector's time.
    pub min_face_size: u32,
    /// The face collection whose people are named on the asset (`ai_options.face_collection`,
    /// a collection id); none names nobody.
    pub face_collection: Option<String>,
}

/// The face sizes a setting may ask for, in pixels: below 20 a face is a few blurred
/// pixels, above 400 the face fills a 720p frame.
pub const MIN_FACE_SIZES: std::ops::RangeInclusive<u32> = 20..=400;

/// The Whisper models a setting may name.
pub const TRANSCRIPT_MODELS: [&str; 2] = ["tiny.en", "base"];

impl Default for AnalysisDefaults {
    fn default() -> Self {
        Self {
            labels: true,
            text: true,
            moderation: true,
            shots: true,
            min_confidence: 0.5,
            label_confidence: 0.25,
            moderation_threshold: 0.8,
            transcript: true,
            language: None,
            transcript_model: "tiny.en".into(),
            keyphrases: true,
            entities: true,
            sentiment: true,
            faces: true,
            min_face_size: 40,
            face_collection: None,
        }
    }
}

impl AnalysisDefaults {
    /// Every level between 0 and 1, and a Whisper model that exists.
    pub fn is_valid(&self) -> bool {
        [self.min_confidence, self.label_confidence, self.moderation_threshold].iter().all(|l| (0.0..=1.0).contains(l))
            && TRANSCRIPT_MODELS.contains(&self.transcript_model.as_str())
            && MIN_FACE_SIZES.contains(&self.min_face_size)
    }

    /// These defaults with the asset's `ai_options` laid over them.
    pub fn for_asset(&self, asset: &Asset) -> Self {
        let options = asset.ai_options.as_ref();
        let flag = |name: &str, default: bool| options.and_then(|o| o.get(name)?.as_bool()).unwrap_or(default);
        let level = |name: &str, default: f32| {
            options.and_then(|o| o.get(name)?.as_f64()).map_or(default, |v| v.clamp(0.0, 1.0) as f32)
        };
        Self {
            labels: flag("labels", self.labels),
            text: flag("text", self.text),
            moderation: flag("moderation", self.moderation),
            shots: flag("shots", self.shots),
            min_confidence: level("min_confidence", self.min_confidence),
            label_confidence: level("label_confidence", self.label_confidence),
            moderation_threshold: level("moderation_threshold", self.moderation_threshold),
            transcript: flag("transcript", self.transcript),
            language: options
                .and_then(|o| o.get("language")?.as_str().map(str::to_owned))
                .filter(|l| !l.is_empty() && l != "auto")
                .or_else(|| self.language.clone()),
            transcript_model: options
                .and_then(|o| o.get("transcript_model")?.as_str())
                .filter(|m| TRANSCRIPT_MODELS.contains(m))
                .map_or_else(|| self.transcript_model.clone(), str::to_owned),
            keyphrases: flag("keyphrases", self.keyphrases),
            entities: flag("entities", self.entities),
            sentiment: flag("sentiment", self.sentiment),
            faces: flag("faces", self.faces),
            min_face_size: options.and_then(|o| o.get("min_face_size")?.as_u64()).map_or(self.min_face_size, |v| {
                v.clamp(u64::from(*MIN_FACE_SIZES.start()), u64::from(*MIN_FACE_SIZES.end())) as u32
            }),
            face_collection: options
                .and_then(|o| o.get("face_collection")?.as_str().map(str::to_owned))
                .filter(|c| !c.is_empty())
                .or_else(|| self.face_collection.clone()),
        }
    }
}
