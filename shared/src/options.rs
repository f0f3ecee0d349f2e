//! Analysis options (`ai_options`): which analyses run on an asset and how. One typed
//! object on uploads, registrations, re-analysis and the installation's defaults; every
//! field is optional, and a field left out takes the value of the layer below (the
//! asset's options over the admin's defaults over the settings file).

use serde::{Deserialize, Serialize};

use crate::AnalysisKind;

/// Hot words an option may list, and their length at most: Whisper reads them as about
/// 120 tokens of earlier text.
pub const MAX_HOT_WORDS: usize = 50;
pub const MAX_HOT_WORD_CHARS: usize = 60;

/// The Whisper models an option may name.
pub const TRANSCRIPT_MODELS: [&str; 2] = ["tiny.en", "base"];

/// Analysis options. Unknown keys are refused when read from a request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct AiOptions {
    /// COCO objects (NanoDet) on frames and images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<bool>,
    /// On-screen text (PP-OCRv4) on frames, images and scanned pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<bool>,
    /// Moderation categories (explicit, suggestive, drawing) on frames and images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation: Option<bool>,
    /// Shots and black frames over the whole video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shots: Option<bool>,
    /// Scenes, chapters and ad-break candidates, from the shots and what they show and say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenes: Option<bool>,
    /// Speech to text (Whisper).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyphrases: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<bool>,
    /// Faces grouped by person, and recognised against `face_collection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<bool>,
    /// Each person's apparent age and gender, and the faces' expressions over time (with
    /// `faces`). Off unless chosen: some archives must not infer these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_traits: Option<bool>,
    /// Lines of on-screen text read with less confidence are dropped, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<f32>,
    /// Objects scoring less are dropped, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_confidence: Option<f32>,
    /// A frame is flagged with each moderation category this likely, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_threshold: Option<f32>,
    /// The language spoken ("en", "es"); "auto" detects it where the model can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// `tiny.en` (English, fastest) or `base` (multilingual).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript_model: Option<String>,
    /// Names and terms the transcript spells as given ("Siobhan Nakagawa", "Kraków"); an
    /// asset's are added to the defaults'. At most 50, each at most 60 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hot_words: Option<Vec<String>>,
    /// Faces with fewer pixels from brow to chin are not looked for, 20 to 400.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_face_size: Option<u32>,
    /// The face collection (id) whose people are named on the asset; "" names nobody.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_collection: Option<String>,
    /// Frames captured per second of video, 1/60 to 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// Keep only frames that differ from the last kept one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_frames: Option<bool>,
    /// Bits of the 64-bit perceptual hash that must differ for a dynamic frame to be kept, 0 to 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_min_distance: Option<u32>,
    /// The length chapters are made near, in minutes, 0.25 to 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chapter_minutes: Option<f64>,
    /// Ad breaks to choose per hour, evenly spread, 1 to 30; 0 lists every candidate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_breaks_per_hour: Option<u32>,
}

/// `POST /api/assets/{id}/analysis`: analyse again, with these options laid over the asset's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Reanalyse {
    pub ai_options: Option<AiOptions>,
}

/// An option out of its range: the key and why, for a 400 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub key: &'static str,
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ai_options.{}: {}", self.key, self.message)
    }
}

/// The analyses an option switches, and the kinds each makes.
pub const SWITCHES: [(&str, &[AnalysisKind]); 11] = [
    ("labels", &[AnalysisKind::Label]),
    ("text", &[AnalysisKind::Text]),
    ("moderation", &[AnalysisKind::Moderation]),
    ("shots", &[AnalysisKind::Shot]),
    ("scenes", &[AnalysisKind::Scene, AnalysisKind::Chapter, AnalysisKind::AdBreak]),
    ("transcript", &[AnalysisKind::Transcript]),
    ("keyphrases", &[AnalysisKind::Keyphrase]),
    ("entities", &[AnalysisKind::Entity]),
    ("sentiment", &[AnalysisKind::Sentiment]),
    ("faces", &[AnalysisKind::Face, AnalysisKind::FaceMatch]),
    ("face_traits", &[AnalysisKind::Emotion]),
];

impl AiOptions {
    /// These options with `base`'s filling the fields these leave out.
    #[must_use]
    pub fn over(&self, base: &AiOptions) -> AiOptions {
        macro_rules! pick {
            ($($field:ident),*) => { AiOptions { $($field: self.$field.as_ref().or(base.$field.as_ref()).cloned()),* } };
        }
        pick!(
            labels,
            text,
            moderation,
            shots,
            scenes,
            transcript,
            keyphrases,
            entities,
            sentiment,
            faces,
            face_traits,
            min_confidence,
            label_confidence,
            moderation_threshold,
            language,
            transcript_model,
            hot_words,
            min_face_size,
            face_collection,
            frame_rate,
            dynamic_frames,
            frame_min_distance,
            chapter_minutes,
            ad_breaks_per_hour
        )
    }

    /// The switch named `name` (see [`SWITCHES`]).
    pub fn switch(&self, name: &str) -> Option<bool> {
        match name {
            "labels" => self.labels,
            "text" => self.text,
            "moderation" => self.moderation,
            "shots" => self.shots,
            "scenes" => self.scenes,
            "transcript" => self.transcript,
            "keyphrases" => self.keyphrases,
            "entities" => self.entities,
            "sentiment" => self.sentiment,
            "faces" => self.faces,
            "face_traits" => self.face_traits,
            _ => None,
        }
    }

    /// Sets the switch named `name`; `false` for a name that is not a switch.
    pub fn set_switch(&mut self, name: &str, on: bool) -> bool {
        let slot = match name {
            "labels" => &mut self.labels,
            "text" => &mut self.text,
            "moderation" => &mut self.moderation,
            "shots" => &mut self.shots,
            "scenes" => &mut self.scenes,
            "transcript" => &mut self.transcript,
            "keyphrases" => &mut self.keyphrases,
            "entities" => &mut self.entities,
            "sentiment" => &mut self.sentiment,
            "faces" => &mut self.faces,
            "face_traits" => &mut self.face_traits,
            _ => return false,
        };
        *slot = Some(on);
        true
    }

    /// Options that run exactly the analyses named (switch names or kinds: `label`,
    /// `labels`, `face`, `transcript`...) and no other; `Err` names the unknown one.
    pub fn only(names: &[&str]) -> Result<AiOptions, String> {
        let mut options = AiOptions::default();
        for (switch, _) in SWITCHES {
            options.set_switch(switch, false);
        }
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let switch = SWITCHES
                .iter()
                .find(|(switch, kinds)| *switch == name || kinds.iter().any(|k| k.as_str() == name))
                .map(|(switch, _)| *switch)
                .ok_or_else(|| {
                    let known: Vec<&str> = SWITCHES.iter().map(|(s, _)| *s).collect();
                    format!("no analysis is called {name:?}; known: {}", known.join(", "))
                })?;
            options.set_switch(switch, true);
        }
        Ok(options)
    }

    /// Every value within its range; the first one that is not, named.
    pub fn check(&self) -> Result<(), OptionError> {
        let out = |key: &'static str, message: String| Err(OptionError { key, message });
        for (key, level) in [
            ("min_confidence", self.min_confidence),
            ("label_confidence", self.label_confidence),
            ("moderation_threshold", self.moderation_threshold),
        ] {
            if let Some(level) = level
                && !(0.0..=1.0).contains(&level)
            {
                return out(key, format!("must be between 0 and 1, not {level}"));
            }
        }
        if let Some(model) = &self.transcript_model
            && !TRANSCRIPT_MODELS.contains(&model.as_str())
        {
            return out("transcript_model", format!("must be one of {}, not {model:?}", TRANSCRIPT_MODELS.join(", ")));
        }
        if let Some(language) = &self.language {
            let code = language.len() >= 2 && language.len() <= 3 && language.chars().all(|c| c.is_ascii_lowercase());
            if !(code || language.is_empty() || language == "auto") {
                return out(
                    "language",
                    format!("must be a language code such as \"en\", or \"auto\", not {language:?}"),
                );
            }
        }
        if let Some(words) = &self.hot_words {
            if words.len() > MAX_HOT_WORDS {
                return out("hot_words", format!("at most {MAX_HOT_WORDS} names or terms, not {}", words.len()));
            }
            if let Some(long) = words.iter().find(|w| w.chars().count() > MAX_HOT_WORD_CHARS) {
                return out("hot_words", format!("each at most {MAX_HOT_WORD_CHARS} characters: {long:?}"));
            }
        }
        if let Some(size) = self.min_face_size
            && !(20..=400).contains(&size)
        {
            return out("min_face_size", format!("must be 20 to 400 pixels, not {size}"));
        }
        if let Some(rate) = self.frame_rate
            && !(rate.is_finite() && (1.0 / 60.0..=30.0).contains(&rate))
        {
            return out("frame_rate", format!("must be 1/60 to 30 frames a second, not {rate}"));
        }
        if let Some(minutes) = self.chapter_minutes
            && !(minutes.is_finite() && (0.25..=60.0).contains(&minutes))
        {
            return out("chapter_minutes", format!("must be 0.25 to 60 minutes, not {minutes}"));
        }
        if let Some(count) = self.ad_breaks_per_hour
            && count > 30
        {
            return out("ad_breaks_per_hour", format!("must be 0 (every candidate) to 30, not {count}"));
        }
        if let Some(distance) = self.frame_min_distance
            && distance > 64
        {
            return out("frame_min_distance", format!("must be 0 to 64 bits, not {distance}"));
        }
        if let Some(collection) = &self.face_collection
            && collection.len() > 200
        {
            return out("face_collection", "must be a collection id".into());
        }
        Ok(())
    }

    /// Options as stored by an earlier version, read forgivingly: keys it no longer knows
    /// and values of the wrong type are dropped rather than failing the asset's record.
    pub fn from_stored(text: &str) -> AiOptions {
        if let Ok(options) = serde_json::from_str(text) {
            return options;
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
            return AiOptions::default();
        };
        map.into_iter()
            .filter_map(|(key, value)| {
                let one = serde_json::Value::Object(std::iter::once((key, value)).collect());
                serde_json::from_value::<AiOptions>(one).ok()
            })
            .fold(AiOptions::default(), |kept, one| one.over(&kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let err = serde_json::from_str::<AiOptions>(r#"{"labelz": true}"#).unwrap_err().to_string();
        assert!(err.contains("labelz"), "{err}");
        let ok: AiOptions = serde_json::from_str(r#"{"labels": false, "frame_rate": 0.5}"#).unwrap();
        assert_eq!((ok.labels, ok.frame_rate), (Some(false), Some(0.5)));
    }

    #[test]
    fn out_of_range_values_name_their_key() {
        let bad = [
            (AiOptions { min_confidence: Some(1.5), ..Default::default() }, "min_confidence"),
            (AiOptions { frame_rate: Some(60.0), ..Default::default() }, "frame_rate"),
            (AiOptions { transcript_model: Some("large".into()), ..Default::default() }, "transcript_model"),
            (AiOptions { min_face_size: Some(4), ..Default::default() }, "min_face_size"),
            (AiOptions { language: Some("English".into()), ..Default::default() }, "language"),
            (AiOptions { frame_min_distance: Some(65), ..Default::default() }, "frame_min_distance"),
        ];
        for (options, key) in bad {
            assert_eq!(options.check().unwrap_err().key, key);
        }
        let good = AiOptions { language: Some("auto".into()), frame_rate: Some(1.0 / 60.0), ..Default::default() };
        assert_eq!(good.check(), Ok(()));
    }

    #[test]
    fn the_upper_layer_wins_and_the_lower_fills_in() {
        let asset = AiOptions { labels: Some(false), ..Default::default() };
        let defaults = AiOptions { labels: Some(true), text: Some(true), ..Default::default() };
        let both = asset.over(&defaults);
        assert_eq!((both.labels, both.text, both.faces), (Some(false), Some(true), None));
    }

    #[test]
    fn only_switches_on_the_named_analyses() {
        let options = AiOptions::only(&["label", "transcript", "faces"]).unwrap();
        assert_eq!((options.labels, options.transcript, options.faces), (Some(true), Some(true), Some(true)));
        assert_eq!((options.text, options.shots), (Some(false), Some(false)));
        assert!(AiOptions::only(&["colour"]).unwrap_err().contains("colour"));
    }

    #[test]
    fn stored_options_of_an_older_version_are_read_without_what_is_unknown() {
        let options =
            AiOptions::from_stored(r#"{"labels": false, "colour": true, "frame_rate": "fast", "text": true}"#);
        assert_eq!(options, AiOptions { labels: Some(false), text: Some(true), ..Default::default() });
        assert_eq!(AiOptions::from_stored("[1]"), AiOptions::default());
    }
}
