//! Which analyses run on an asset: the installation's defaults, with the options its
//! upload chose (`ai_options`) laid over them.

use mediaport_shared::{AiOptions, Asset};
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
    /// Moderation categories (nsfwjs: explicit, suggestive, drawing) on frames and images
    /// (`ai_options.moderation`).
    pub moderation: bool,
    /// Shots and black frames over the whole video (`ai_options.shots`).
    pub shots: bool,
    /// Scenes, chapters and ad-break candidates from the shots (`ai_options.scenes`).
    pub scenes: bool,
    /// The length chapters are made near, in minutes (`ai_options.chapter_minutes`).
    pub chapter_minutes: f64,
    /// Ad breaks chosen per hour, evenly spread; 0 keeps every candidate
    /// (`ai_options.ad_breaks_per_hour`).
    pub ad_breaks_per_hour: u32,
    /// Lines of text read with less confidence are dropped (`ai_options.min_confidence`).
    pub min_confidence: f32,
    /// Objects scoring less are dropped (`ai_options.label_confidence`); the detector is
    /// small, real objects score from about 0.25.
    pub label_confidence: f32,
    /// A frame is flagged with each category this likely (`ai_options.moderation_threshold`).
    pub moderation_threshold: f32,
    /// Speech to text (Whisper) on the audio of videos and audio files (`ai_options.transcript`).
    pub transcript: bool,
    /// The language spoken, e.g. "en" (`ai_options.language`); none detects it where the
    /// model can.
    pub language: Option<String>,
    /// The Whisper model: "tiny.en" (English, fastest) or "base" (multilingual, detects
    /// the language) (`ai_options.transcript_model`).
    pub transcript_model: String,
    /// Names and terms the transcript spells as given (`ai_options.hot_words`, added to these).
    pub hot_words: Vec<String>,
    /// Key phrases of the transcript and text (`ai_options.keyphrases`).
    pub keyphrases: bool,
    /// Names, places and contact details in the transcript and text (`ai_options.entities`).
    pub entities: bool,
    /// Positive, negative or neutral, per sentence (`ai_options.sentiment`; English).
    pub sentiment: bool,
    /// Faces on frames and images, grouped by person (`ai_options.faces`).
    pub faces: bool,
    /// People's apparent age and gender and the faces' expressions (`ai_options.face_traits`).
    pub face_traits: bool,
    /// Faces with fewer pixels from brow to chin are not looked for (`ai_options.min_face_size`):
    /// smaller ones cannot be recognised, and looking for them is most of the detector's time.
    pub min_face_size: u32,
    /// The face collection whose people are named on the asset (`ai_options.face_collection`,
    /// a collection id); none names nobody.
    pub face_collection: Option<String>,
}

/// The Whisper models a setting may name.
pub use mediaport_shared::options::TRANSCRIPT_MODELS;

impl Default for AnalysisDefaults {
    fn default() -> Self {
        Self {
            labels: true,
            text: true,
            moderation: true,
            shots: true,
            scenes: true,
            chapter_minutes: 5.0,
            ad_breaks_per_hour: 0,
            min_confidence: 0.5,
            label_confidence: 0.25,
            moderation_threshold: 0.8,
            transcript: true,
            language: None,
            transcript_model: "tiny.en".into(),
            hot_words: Vec::new(),
            keyphrases: true,
            entities: true,
            sentiment: true,
            faces: true,
            face_traits: false,
            min_face_size: 40,
            face_collection: None,
        }
    }
}

impl AnalysisDefaults {
    /// These defaults as options with every analysis field set (frame capture is the
    /// worker's and left out).
    pub fn as_options(&self) -> AiOptions {
        AiOptions {
            labels: Some(self.labels),
            text: Some(self.text),
            moderation: Some(self.moderation),
            shots: Some(self.shots),
            scenes: Some(self.scenes),
            chapter_minutes: Some(self.chapter_minutes),
            ad_breaks_per_hour: Some(self.ad_breaks_per_hour),
            transcript: Some(self.transcript),
            keyphrases: Some(self.keyphrases),
            entities: Some(self.entities),
            sentiment: Some(self.sentiment),
            faces: Some(self.faces),
            face_traits: Some(self.face_traits),
            min_confidence: Some(self.min_confidence),
            label_confidence: Some(self.label_confidence),
            moderation_threshold: Some(self.moderation_threshold),
            language: Some(self.language.clone().unwrap_or_else(|| "auto".into())),
            transcript_model: Some(self.transcript_model.clone()),
            hot_words: Some(self.hot_words.clone()),
            min_face_size: Some(self.min_face_size),
            face_collection: Some(self.face_collection.clone().unwrap_or_default()),
            ..AiOptions::default()
        }
    }

    /// These defaults with `options` laid over them. Values out of range (options
    /// stored before they were checked) are brought into it.
    pub fn with(&self, options: &AiOptions) -> Self {
        let level = |value: Option<f32>, default: f32| value.map_or(default, |v| v.clamp(0.0, 1.0));
        Self {
            labels: options.labels.unwrap_or(self.labels),
            text: options.text.unwrap_or(self.text),
            moderation: options.moderation.unwrap_or(self.moderation),
            shots: options.shots.unwrap_or(self.shots),
            scenes: options.scenes.unwrap_or(self.scenes),
            chapter_minutes: options
                .chapter_minutes
                .filter(|m| m.is_finite())
                .map_or(self.chapter_minutes, |m| m.clamp(0.25, 60.0)),
            ad_breaks_per_hour: options.ad_breaks_per_hour.map_or(self.ad_breaks_per_hour, |n| n.min(30)),
            min_confidence: level(options.min_confidence, self.min_confidence),
            label_confidence: level(options.label_confidence, self.label_confidence),
            moderation_threshold: level(options.moderation_threshold, self.moderation_threshold),
            transcript: options.transcript.unwrap_or(self.transcript),
            // "auto" (or nothing) lets the model detect the language.
            language: match options.language.as_deref() {
                None => self.language.clone(),
                Some("" | "auto") => None,
                Some(code) => Some(code.to_owned()),
            },
            transcript_model: options
                .transcript_model
                .as_deref()
                .filter(|m| TRANSCRIPT_MODELS.contains(m))
                .map_or_else(|| self.transcript_model.clone(), str::to_owned),
            hot_words: {
                let mut words = self.hot_words.clone();
                let more = options.hot_words.iter().flatten().map(|w| w.trim()).filter(|w| !w.is_empty());
                for word in more {
                    if !words.iter().any(|w| w == word) {
                        words.push(word.to_owned());
                    }
                }
                words.truncate(mediaport_shared::options::MAX_HOT_WORDS);
                words
            },
            keyphrases: options.keyphrases.unwrap_or(self.keyphrases),
            entities: options.entities.unwrap_or(self.entities),
            sentiment: options.sentiment.unwrap_or(self.sentiment),
            faces: options.faces.unwrap_or(self.faces),
            face_traits: options.face_traits.unwrap_or(self.face_traits),
            min_face_size: options.min_face_size.map_or(self.min_face_size, |v| v.clamp(20, 400)),
            face_collection: match options.face_collection.as_deref() {
                None => self.face_collection.clone(),
                Some("") => None,
                Some(id) => Some(id.to_owned()),
            },
        }
    }

    /// These defaults with the installation's saved defaults, then the asset's options,
    /// laid over them.
    pub fn for_asset(&self, saved: &AiOptions, asset: &Asset) -> Self {
        self.with(saved).with(&asset.ai_options.clone().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_lay_over_defaults_and_detecting_the_language_is_an_option() {
        let defaults = AnalysisDefaults { language: Some("en".into()), ..AnalysisDefaults::default() };
        let saved = AiOptions { labels: Some(false), min_confidence: Some(0.7), ..AiOptions::default() };
        let asset = AiOptions { labels: Some(true), language: Some("auto".into()), ..AiOptions::default() };
        let both = defaults.with(&saved).with(&asset);
        assert!(both.labels);
        assert_eq!(both.min_confidence, 0.7);
        assert_eq!(both.language, None);
        assert_eq!(defaults.with(&AiOptions::default()), defaults);
        assert_eq!(AnalysisDefaults::default().with(&defaults.as_options()), defaults);
    }
}
