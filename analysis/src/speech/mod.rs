//! Speech to text: Silero VAD finds where people speak, Whisper transcribes only that,
//! and the times come back on the recording's own clock.

pub mod features;
pub mod file;
pub mod vad;
pub mod whisper;
pub mod windows;

use std::io::Read;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use mediaport_shared::{AnalysisKind, SpokenWord, Timecode, Timeline, TimelineItem};

pub use self::features::SAMPLE_RATE;
use self::vad::Vad;
pub use self::whisper::Whisper;
use crate::inference::{ModelError, Models};

/// The default Whisper model (English only), a folder of the model cache.
pub const TINY_EN: &str = "whisper-tiny.en";
/// The multilingual Whisper model, which also detects the language.
pub const BASE: &str = "whisper-base";

/// The model folder for a model named in settings, and a forced language: English-only
/// tiny.en cannot take another language, so that takes the multilingual model.
pub fn choose(model: &str, language: Option<&str>) -> &'static str {
    let multilingual = matches!(model, "base" | BASE);
    if multilingual || language.is_some_and(|l| l != "en") { BASE } else { TINY_EN }
}

/// Samples from raw little-endian 32-bit floats, as `ffmpeg -f f32le` writes them.
pub fn pcm(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// A stretch of what was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    pub text: String,
    pub begin_ms: u64,
    pub end_ms: u64,
    /// The probability of the window's tokens, geometric mean: 0 to 1.
    pub confidence: f32,
    /// Its words with their own times, where the alignment found them.
    pub words: Vec<Word>,
}

/// One word and when it was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub begin_ms: u64,
    pub end_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The language as Whisper names it ("en").
    pub language: String,
    pub said: Vec<Said>,
}

impl Transcript {
    /// The `transcript` timeline: an item per stretch, in the order it was said, with its
    /// words.
    pub fn timeline(self) -> Timeline {
        let items = self
            .said
            .into_iter()
            .map(|said| TimelineItem {
                name: said.text,
                confidence: said.confidence,
                timecodes: vec![Timecode { begin: said.begin_ms, end: said.end_ms }],
                words: said
                    .words
                    .into_iter()
                    .map(|w| SpokenWord { text: w.text, begin: w.begin_ms, end: w.end_ms })
                    .collect(),
                ..Default::default()
            })
            .collect();
        Timeline { kind: AnalysisKind::Transcript, items, language: Some(self.language) }
    }
}

/// The speech models, loaded once per worker: the default Whisper at start (a broken
/// model stops the worker there), the other on first use.
#[derive(Debug)]
pub struct Speech {
    vad: Vad,
    dir: PathBuf,
    threads: usize,
    default: &'static str,
    whispers: [(&'static str, OnceLock<Result<Whisper, String>>); 2],
}

impl Speech {
    pub fn load(models: &Models, default: &str) -> Result<Self, ModelError> {
        let default = choose(default, None);
        let speech = Self {
            vad: Vad::new(models)?,
            dir: models.dir().to_path_buf(),
            threads: models.threads(),
            default,
            whispers: [(TINY_EN, OnceLock::new()), (BASE, OnceLock::new())],
        };
        speech.whisper(default)?;
        Ok(speech)
    }

    fn whisper(&self, name: &str) -> Result<&Whisper, ModelError> {
        let (_, slot) = self.whispers.iter().find(|(n, _)| *n == name).expect("a model of the list");
        let loaded = slot.get_or_init(|| Whisper::open(&self.dir.join(name), self.threads).map_err(|e| e.to_string()));
        loaded.as_ref().map_err(|e| ModelError::Runtime(e.clone()))
    }

    /// Transcribes 16 kHz mono samples with the default model. Blocking.
    pub fn transcribe(&self, samples: &[f32], language: Option<&str>) -> Result<Transcript, ModelError> {
        self.transcribe_with(samples, self.default, language)
    }

    /// Transcribes with the model named (`TINY_EN`, `BASE`, or "tiny.en" / "base"); a
    /// language other than English forced on tiny.en takes the multilingual model. Blocking.
    pub fn transcribe_with(
        &self,
        samples: &[f32],
        model: &str,
        language: Option<&str>,
    ) -> Result<Transcript, ModelError> {
        self.transcribe_hinted(samples, model, language, &[])
    }

    /// As [`Speech::transcribe_with`], spelling `hot_words` (names, terms) as given. Blocking.
    pub fn transcribe_hinted(
        &self,
        samples: &[f32],
        model: &str,
        language: Option<&str>,
        hot_words: &[String],
    ) -> Result<Transcript, ModelError> {
        let speech = self.vad.speech(samples)?;
        let batches = batches(&speech);
        let read = |batch: &[Range<usize>]| Ok(batch.iter().flat_map(|r| samples[r.clone()].iter().copied()).collect());
        self.transcribe_batches(model, &batches, language, hot_words, read)
    }

    /// Where people speak in audio read to its end as 16 kHz mono little-endian floats,
    /// and how many samples it holds. Blocking.
    pub fn find_speech(&self, audio: &mut dyn Read) -> Result<(Vec<Range<usize>>, usize), ModelError> {
        self.vad.speech_in(audio)
    }

    /// Transcribes the stretches `speech` of audio read again from its start, as in
    /// [`Speech::find_speech`], holding at most [`BATCH_SAMPLES`] of it at a time, spelling
    /// `hot_words` as given. Blocking.
    pub fn transcribe_speech(
        &self,
        audio: &mut dyn Read,
        speech: &[Range<usize>],
        model: &str,
        language: Option<&str>,
        hot_words: &[String],
    ) -> Result<Transcript, ModelError> {
        let mut at = 0usize;
        let read = |batch: &[Range<usize>]| {
            let mut joined = Vec::with_capacity(batch.iter().map(ExactSizeIterator::len).sum());
            for range in batch {
                skip(audio, (range.start - at) * 4)?;
                let mut bytes = vec![0u8; range.len() * 4];
                let got = vad::fill(audio, &mut bytes)?;
                joined.extend(pcm(&bytes[..got]));
                at = range.start + got / 4;
            }
            Ok(joined)
        };
        let heard = self.transcribe_batches(model, &batches(speech), language, hot_words, read)?;
        // Read to the end, so the decoder finishes its output rather than fail on a closed pipe.
        skip(audio, usize::MAX).map_err(|e| ModelError::Runtime(format!("reading audio: {e}")))?;
        Ok(heard)
    }
}

/// Samples of speech Whisper reads in one go at most (20 minutes, 77 MB): speech beyond
/// it is read in further batches, so a day of talk never sits in memory whole.
pub const BATCH_SAMPLES: usize = 20 * 60 * SAMPLE_RATE;

/// The stretches in batches of at most [`BATCH_SAMPLES`], a longer stretch cut to fit.
fn batches(speech: &[Range<usize>]) -> Vec<Vec<Range<usize>>> {
    let mut all: Vec<Vec<Range<usize>>> = Vec::new();
    let mut size = 0;
    for stretch in speech {
        let mut start = stretch.start;
        while start < stretch.end {
            let end = stretch.end.min(start + BATCH_SAMPLES);
            if all.is_empty() || size + (end - start) > BATCH_SAMPLES {
                all.push(Vec::new());
                size = 0;
            }
            all.last_mut().expect("pushed").push(start..end);
            size += end - start;
            start = end;
        }
    }
    all
}

/// Reads past `bytes` of the input.
fn skip(input: &mut dyn Read, bytes: usize) -> std::io::Result<()> {
    std::io::copy(&mut input.take(bytes as u64), &mut std::io::sink()).map(drop)
}

impl Speech {
    /// Transcribes each batch of stretches (its samples from `read`) with `model` and puts
    /// the times back on the recording's clock. The language the first batch is heard in
    /// holds for the rest. With no language given, the multilingual model says which it is
    /// from the first 30 s of speech, so English-only tiny.en only ever hears English.
    fn transcribe_batches(
        &self,
        model: &str,
        batches: &[Vec<Range<usize>>],
        language: Option<&str>,
        hot_words: &[String],
        mut read: impl FnMut(&[Range<usize>]) -> std::io::Result<Vec<f32>>,
    ) -> Result<Transcript, ModelError> {
        let mut language = language.map(str::to_owned);
        let mut transcript = Transcript { language: language.clone().unwrap_or_else(|| "en".into()), said: Vec::new() };
        let mut whisper: Option<&Whisper> = None;
        for (n, batch) in batches.iter().enumerate() {
            let joined = read(batch).map_err(|e| ModelError::Runtime(format!("reading audio: {e}")))?;
            if joined.is_empty() {
                break;
            }
            let whisper = match whisper {
                Some(chosen) => chosen,
                None => {
                    if language.is_none() && choose(model, None) == TINY_EN {
                        language = Some(self.whisper(BASE)?.detect_language(&joined)?);
                    }
                    *whisper.insert(self.whisper(choose(model, language.as_deref()))?)
                }
            };
            let heard_in = if n == 0 { language.as_deref() } else { Some(transcript.language.as_str()) };
            let mut heard = whisper.transcribe_hinted(&joined, heard_in, hot_words)?;
            place(&mut heard.said, &Splice::of(batch));
            transcript.language = heard.language;
            transcript.said.extend(heard.said);
        }
        Ok(transcript)
    }
}

/// Times in the splice of a batch's stretches put back on the recording's clock.
fn place(said: &mut [Said], spliced: &Splice) {
    for said in said {
        if said.words.is_empty() {
            (said.begin_ms, said.end_ms) = spliced.original_span(said.begin_ms, said.end_ms);
            continue;
        }
        for word in &mut said.words {
            (word.begin_ms, word.end_ms) = spliced.original_word(word.begin_ms, word.end_ms);
        }
        said.begin_ms = said.words[0].begin_ms;
        said.end_ms = said.words.last().map_or(said.begin_ms + 1, |w| w.end_ms).max(said.begin_ms + 1);
    }
}

/// A stretch of speech overlapping a piece by less than this is not in it.
const MIN_TOUCH_MS: u64 = 500;

/// Pieces of a recording laid end to end: (start in the splice, start in the original), in samples.
struct Splice {
    pieces: Vec<(usize, usize, usize)>,
}

impl Splice {
    fn of(ranges: &[Range<usize>]) -> Self {
        let mut at = 0;
        let pieces = ranges
            .iter()
            .map(|r| {
                let piece = (at, r.start, r.len());
                at += r.len();
                piece
            })
            .collect();
        Self { pieces }
    }

    /// A stretch of the splice as one of the original. Whisper's stretches run end to end,
    /// so one often starts a little before the piece its words are in: pieces it barely
    /// touches (less than `MIN_TOUCH_MS`) do not count.
    fn original_span(&self, begin_ms: u64, end_ms: u64) -> (u64, u64) {
        let to_ms = |samples: usize| (samples * 1000 / SAMPLE_RATE) as u64;
        let touched: Vec<_> = self
            .pieces
            .iter()
            .filter(|&&(at, _, len)| {
                let overlap = end_ms.min(to_ms(at + len)).saturating_sub(begin_ms.max(to_ms(at)));
                overlap >= MIN_TOUCH_MS.min(end_ms.saturating_sub(begin_ms))
            })
            .collect();
        let (Some(&&(first, _, _)), Some(&&(last, _, last_len))) = (touched.first(), touched.last()) else {
            let begin = self.original_ms(begin_ms, false);
            return (begin, self.original_ms(end_ms, true).max(begin + 1));
        };
        let begin = self.original_ms(begin_ms.max(to_ms(first)), false);
        let end = self.original_ms(end_ms.min(to_ms(last + last_len)), true);
        (begin, end.max(begin + 1))
    }

    /// A word's times in the original: a word is in the piece it starts in, and ends by
    /// that piece's end (the alignment runs the last word of a sentence up to the next one).
    fn original_word(&self, begin_ms: u64, end_ms: u64) -> (u64, u64) {
        let sample = (begin_ms as usize) * SAMPLE_RATE / 1000;
        let piece_end = self
            .pieces
            .iter()
            .rev()
            .find(|(at, _, _)| *at <= sample + SAMPLE_RATE / 10)
            .map_or(u64::MAX, |&(at, _, len)| ((at + len) * 1000 / SAMPLE_RATE) as u64);
        let begin = self.original_ms(begin_ms, false);
        (begin, self.original_ms(end_ms.min(piece_end), true).max(begin + 1))
    }

    /// A time in the splice as a time in the original. An end time belongs to the piece it
    /// closes, a begin time to the piece it opens.
    fn original_ms(&self, ms: u64, is_end: bool) -> u64 {
        let sample = (ms as usize) * SAMPLE_RATE / 1000;
        // Alignment times come in 20 ms steps: a begin just short of a piece is in it.
        let slack = SAMPLE_RATE / 10;
        let piece = self
            .pieces
            .iter()
            .rev()
            .find(|(at, _, _)| if is_end { *at < sample } else { *at <= sample + slack })
            .or(self.pieces.first());
        let Some(&(at, start, len)) = piece else { return ms };
        let original = start + (sample - at.min(sample)).min(len);
        (original * 1000 / SAMPLE_RATE) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_is_read_in_batches_a_long_stretch_cut_to_fit() {
        let b = BATCH_SAMPLES;
        assert!(batches(&[]).is_empty());
        assert_eq!(batches(&[0..10, 20..30]), [vec![0..10, 20..30]], "short speech: one batch");
        let long = batches(&[0..b / 2, b..b + b / 2 + 1, 3 * b..3 * b + 2 * b + 5]);
        let starts_and_ends: Vec<Vec<(usize, usize)>> =
            long.iter().map(|batch| batch.iter().map(|r| (r.start, r.end)).collect()).collect();
        let expected = [[(0, b / 2)], [(b, b + b / 2 + 1)], [(3 * b, 4 * b)], [(4 * b, 5 * b)], [(5 * b, 5 * b + 5)]];
        assert_eq!(starts_and_ends, expected);
        assert!(long.iter().all(|batch| batch.iter().map(ExactSizeIterator::len).sum::<usize>() <= b));
    }

    #[test]
    fn times_in_the_splice_land_back_in_their_piece() {
        // Speech at 1-3 s and 10-12 s of the recording: 0-2 s and 2-4 s of the splice.
        let s = |seconds: usize| seconds * SAMPLE_RATE;
        let splice = Splice::of(&[s(1)..s(3), s(10)..s(12)]);
        assert_eq!(splice.original_ms(500, false), 1500);
        assert_eq!(splice.original_ms(2000, false), 10_000);
        assert_eq!(splice.original_ms(2000, true), 3000);
        assert_eq!(splice.original_ms(3500, true), 11_500);
        // Past the end stays at the end of the last piece.
        assert_eq!(splice.original_ms(9000, true), 12_000);
        // A stretch starting 0.3 s before the second piece belongs to the second piece.
        assert_eq!(splice.original_span(1700, 3900), (10_000, 11_900));
        assert_eq!(splice.original_span(200, 1800), (1200, 2800));
        // A word starting in the first piece ends with it, however late the next one starts.
        assert_eq!(splice.original_word(1500, 2600), (2500, 3000));
        // A word aligned 20 ms before a piece starts is in that piece.
        assert_eq!(splice.original_word(1980, 2400), (10_000, 10_400));
    }
}
