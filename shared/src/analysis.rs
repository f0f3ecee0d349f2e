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
    /// Shots that belong together, from what they show and say.
    Scene,
    /// Scenes joined to a target length, each titled from its key phrases.
    Chapter,
    /// Scene boundaries on black and silence where a programme can be broken.
    AdBreak,
    /// Faces' expressions (happy, sad...), where a face showed them.
    Emotion,
    /// Reviewers' notes: not an analysis, but searched (`note:`) and shown beside them.
    Note,
}

impl AnalysisKind {
    pub const ALL: [AnalysisKind; 15] = [
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
        Self::Scene,
        Self::Chapter,
        Self::AdBreak,
        Self::Emotion,
        Self::Note,
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
            Self::Scene => "scene",
            Self::Chapter => "chapter",
            Self::AdBreak => "ad_break",
            Self::Emotion => "emotion",
            Self::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A stretch of time, in milliseconds from the start; `end` is exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Entities: what the name is ("person", "location", "organization", ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Transcripts: each word of the stretch with the time it was said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<SpokenWord>,
}

/// One word of a transcript and when it was said, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpokenWord {
    pub text: String,
    pub begin: u64,
    pub end: u64,
}

/// `GET /api/assets/{id}/analysis/{kind}`: every item of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub kind: AnalysisKind,
    pub items: Vec<TimelineItem>,
    /// Transcripts: the language spoken, as Whisper names it ("en").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Timeline {
    pub fn new(kind: AnalysisKind, items: Vec<TimelineItem>) -> Self {
        Self { kind, items, language: None }
    }
}

/// Sentence embeddings of an asset's transcript and text, stored beside its timelines
/// (`<asset>/analysis/embeddings.json`) for semantic search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embeddings {
    /// The model that made the vectors: vectors of different models do not compare.
    pub model: String,
    pub dimensions: usize,
    pub sentences: Vec<EmbeddedSentence>,
}

/// One sentence, where it is, and its unit vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedSentence {
    /// `transcript` or `text`.
    pub source: AnalysisKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timecodes: Vec<Timecode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
    pub vector: Vec<f32>,
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
    /// Transcripts: the language heard, given or detected ("en", "fr").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
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

/// Characters per subtitle line, and lines per cue: the usual broadcast limits.
const LINE_CHARS: usize = 42;
const CUE_LINES: usize = 2;

/// Subtitle cues from transcript items: a long stretch of speech is shared out over cues
/// of at most two lines. A cue starts when its first word is said where the words were
/// timed, and otherwise gets time in proportion to its length.
pub fn subtitle_cues(items: &[TimelineItem]) -> Vec<(Timecode, String)> {
    let mut cues = Vec::new();
    for item in items {
        let Some(span) = item.timecodes.first() else { continue };
        let lines = wrap(&item.name, LINE_CHARS);
        let chunks: Vec<String> = lines.chunks(CUE_LINES).map(|c| c.join("\n")).collect();
        let starts = match word_starts(item, &chunks) {
            Some(starts) => starts,
            None => length_starts(*span, &chunks),
        };
        for (n, chunk) in chunks.into_iter().enumerate() {
            let begin = starts[n].clamp(span.begin, span.end);
            let end = starts.get(n + 1).copied().unwrap_or(span.end).clamp(begin, span.end);
            cues.push((Timecode { begin, end: end.max(begin + 1) }, chunk));
        }
    }
    cues
}

/// When each chunk's first word was said, if the item's words are the words of its text.
fn word_starts(item: &TimelineItem, chunks: &[String]) -> Option<Vec<u64>> {
    if item.words.is_empty() || item.words.len() != item.name.split_whitespace().count() {
        return None;
    }
    let mut starts = Vec::with_capacity(chunks.len());
    let mut first = 0;
    for chunk in chunks {
        starts.push(item.words[first].begin);
        first += chunk.split_whitespace().count();
    }
    Some(starts)
}

/// Starts that give each chunk time in proportion to its length.
fn length_starts(span: Timecode, chunks: &[String]) -> Vec<u64> {
    let total: usize = chunks.iter().map(|c| c.chars().count()).sum::<usize>().max(1);
    let length = span.end.saturating_sub(span.begin);
    let mut done = 0;
    chunks
        .iter()
        .map(|chunk| {
            let start = span.begin + length * done as u64 / total as u64;
            done += chunk.chars().count();
            start
        })
        .collect()
}

/// Words of `text` in lines of at most `width` characters (a longer word has its own line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// A transcript as WebVTT subtitles.
pub fn subtitles_vtt(items: &[TimelineItem]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (t, text) in subtitle_cues(items) {
        // Cue text is markup: these three are written as character references.
        let text = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        out.push_str(&format!("{} --> {}\n{text}\n\n", vtt_time(t.begin), vtt_time(t.end)));
    }
    out
}

/// Chapters as a WebVTT chapters track (`<track kind="chapters">`): one cue per chapter,
/// its title as the text.
pub fn chapters_vtt(items: &[TimelineItem]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    let mut cues: Vec<(Timecode, &str)> =
        items.iter().flat_map(|i| i.timecodes.iter().map(move |t| (*t, i.name.as_str()))).collect();
    cues.sort_by_key(|(t, _)| t.begin);
    for (t, title) in cues {
        // A title on one line (a line break would end the cue), as markup-safe text.
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let title = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace("-->", "->");
        out.push_str(&format!("{} --> {}\n{title}\n\n", vtt_time(t.begin), vtt_time(t.end)));
    }
    out
}

/// Ad breaks as a spreadsheet: each break's number, start and end (`HH:MM:SS.mmm`), length
/// in seconds and score.
pub fn breaks_csv(items: &[TimelineItem]) -> String {
    let mut out = String::from("break,start,end,seconds,score\n");
    for (n, item) in items.iter().enumerate() {
        for t in &item.timecodes {
            let seconds = t.end.saturating_sub(t.begin) as f64 / 1000.0;
            out.push_str(&format!(
                "{},{},{},{seconds:.3},{:.3}\n",
                n + 1,
                vtt_time(t.begin),
                vtt_time(t.end),
                item.confidence
            ));
        }
    }
    out
}

/// A transcript as SubRip subtitles.
pub fn srt(items: &[TimelineItem]) -> String {
    let mut out = String::new();
    for (n, (t, text)) in subtitle_cues(items).into_iter().enumerate() {
        // SubRip has no escapes: an arrow in the text would read as a timing line.
        let text = text.replace("-->", "->");
        let time = |ms: u64| vtt_time(ms).replace('.', ",");
        out.push_str(&format!("{}\n{} --> {}\n{text}\n\n", n + 1, time(t.begin), time(t.end)));
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
    fn chapters_are_a_cue_each_titled_on_one_line_and_breaks_a_row_each() {
        let chapter = |name: &str, begin, end| TimelineItem {
            name: name.into(),
            confidence: 0.8,
            timecodes: vec![Timecode { begin, end }],
            ..Default::default()
        };
        let items = [chapter("Chapter 2: Rain\n<Lisbon>", 60_000, 90_000), chapter("Chapter 1", 0, 60_000)];
        let vtt = chapters_vtt(&items);
        assert_eq!(
            vtt,
            "WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nChapter 1\n\n\
             00:01:00.000 --> 00:01:30.000\nChapter 2: Rain &lt;Lisbon&gt;\n\n"
        );
        let csv = breaks_csv(&[chapter("break 1", 61_500, 62_750)]);
        assert_eq!(csv, "break,start,end,seconds,score\n1,00:01:01.500,00:01:02.750,1.250,0.800\n");
    }

    #[test]
    fn the_vtt_track_has_a_cue_per_appearance() {
        let item = TimelineItem {
            name: "BREAKING NEWS".into(),
            confidence: 0.97,
            timecodes: vec![Timecode { begin: 1500, end: 3_723_004 }],
            ..Default::default()
        };
        let vtt = vtt(&[item]);
        assert!(vtt.starts_with("WEBVTT\n\n"));
        assert!(vtt.contains("00:00:01.500 --> 01:02:03.004\n{\"confidence\":0.97"), "{vtt}");
    }

    #[test]
    fn a_long_stretch_becomes_cues_of_two_short_lines_sharing_its_time() {
        let said = "The storm over Lisbon brought heavy rain to the coast this morning and \
                    firefighters rescued three families from the flooded valley <late>";
        let item = TimelineItem {
            name: said.into(),
            confidence: 0.9,
            timecodes: vec![Timecode { begin: 10_000, end: 20_000 }],
            ..Default::default()
        };
        let cues = subtitle_cues(std::slice::from_ref(&item));
        assert_eq!(cues.len(), 2, "{cues:?}");
        assert!(cues.iter().all(|(_, text)| text.lines().count() <= 2 && text.lines().all(|l| l.len() <= 42)));
        assert_eq!((cues[0].0.begin, cues[1].0.end), (10_000, 20_000));
        assert_eq!(cues[0].0.end, cues[1].0.begin);
        let vtt = subtitles_vtt(std::slice::from_ref(&item));
        assert!(vtt.contains("&lt;late&gt;") && !vtt.contains("<late>"), "{vtt}");
        let srt = srt(&[item]);
        assert!(srt.starts_with("1\n00:00:10,000 --> "), "{srt}");
    }

    #[test]
    fn with_timed_words_a_cue_starts_when_its_first_word_is_said() {
        let said = "The storm over Lisbon brought heavy rain to the coast this morning and \
                    firefighters rescued three families from the flooded valley";
        // Slow at first, then fast: shares by length would put the second cue too early.
        let words: Vec<SpokenWord> = said
            .split_whitespace()
            .enumerate()
            .map(|(n, w)| {
                let begin = if n < 14 { 10_000 + n as u64 * 600 } else { 18_400 + (n as u64 - 14) * 200 };
                SpokenWord { text: w.into(), begin, end: begin + 150 }
            })
            .collect();
        let item = TimelineItem {
            name: said.into(),
            confidence: 0.9,
            timecodes: vec![Timecode { begin: 10_000, end: 20_000 }],
            words,
            ..Default::default()
        };
        let cues = subtitle_cues(std::slice::from_ref(&item));
        assert_eq!(cues.len(), 2, "{cues:?}");
        let second_first_word = cues[1].1.split_whitespace().next().unwrap();
        let said_at = item.words.iter().find(|w| w.text == second_first_word).unwrap().begin;
        assert_eq!(cues[1].0.begin, said_at, "{cues:?}");
        assert_eq!((cues[0].0.begin, cues[0].0.end, cues[1].0.end), (10_000, said_at, 20_000));
    }

    #[test]
    fn cue_text_never_holds_an_arrow_or_markup_yet_decodes_to_the_name() {
        let name = "A --> B <i>&amp;</i>";
        let item = TimelineItem {
            name: name.into(),
            confidence: 0.5,
            timecodes: vec![Timecode { begin: 0, end: 1000 }],
            ..Default::default()
        };
        let vtt = vtt(&[item]);
        let payload = vtt.lines().nth(3).unwrap();
        assert!(!payload.contains("-->") && !payload.contains('<') && !payload.contains('&'), "{payload}");
        let decoded: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(decoded["name"], name);
    }
}
