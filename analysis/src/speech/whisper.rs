//! Whisper on CTranslate2: long recordings read window by window, each window moving on
//! from the last complete stretch of speech so no word is cut, with Whisper's own checks
//! for silence and for text repeating itself.

use std::path::Path;

use ct2rs::sys::{self, ComputeType, Config, Device, StorageView, WhisperOptions};

use super::features::{self, MELS, MelSpectrogram, SAMPLE_RATE};
use super::windows::{self, MS_PER_FRAME};
use super::{Said, Transcript, Word};
use crate::inference::{ModelError, Models};

/// Frames in one window: the 30 seconds Whisper reads at a time.
const WINDOW: usize = 3000;
/// A window whose "no speech" probability passes this, read with little confidence, is silence.
const NO_SPEECH: f32 = 0.6;
const LOW_LOGPROB: f32 = -1.0;
/// Text that compresses better than this is Whisper repeating itself.
const MAX_COMPRESSION: f32 = 2.4;
/// Decoding is retried at these temperatures while the text looks repetitive or unsure.
const TEMPERATURES: [f32; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
/// The earlier text given as context (at most half the decoder's 448 positions).
const CONTEXT_TOKENS: usize = 223;
/// Of which hot words take at most this many, leaving room for what was just said.
const HINT_TOKENS: usize = 120;

/// Speech heard as fewer words a second than this, with hot words, skipped some (people
/// say two to three a second; the windows hold speech, not the pauses between).
const MIN_WORDS_PER_SECOND: f32 = 1.0;

/// The decoder's prompt: earlier text (the hot words, then the end of what was said
/// before), then the start of the transcript.
fn prompt(hint: &[String], context: &[String], start: &[String]) -> Vec<String> {
    let mut prompt = Vec::new();
    if !context.is_empty() || !hint.is_empty() {
        prompt.push("<|startofprev|>".to_owned());
        prompt.extend(hint.iter().cloned());
        let room = CONTEXT_TOKENS - hint.len();
        prompt.extend(context[context.len().saturating_sub(room)..].iter().cloned());
    }
    prompt.extend(start.iter().cloned());
    prompt
}

/// A loaded Whisper model and its tokenizer.
pub struct Whisper {
    model: sys::Whisper,
    tokenizer: tokenizers::Tokenizer,
    mel: MelSpectrogram,
    timestamp_begin: usize,
    end_of_text: usize,
}

impl std::fmt::Debug for Whisper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whisper").field("multilingual", &self.model.is_multilingual()).finish_non_exhaustive()
    }
}

fn failed(err: impl std::fmt::Display) -> ModelError {
    ModelError::Runtime(format!("whisper: {err}"))
}

/// One window's decoding.
struct Attempt {
    ids: Vec<usize>,
    tokens: Vec<String>,
    avg_logprob: f32,
    no_speech: f32,
    temperature: f32,
}

impl Whisper {
    /// Loads the model in `models`' folder `name`, running on `threads` threads.
    pub fn load(models: &Models, name: &str) -> Result<Self, ModelError> {
        Self::open(&models.dir().join(name), models.threads())
    }

    pub fn open(dir: &Path, threads: usize) -> Result<Self, ModelError> {
        let config = Config {
            device: Device::CPU,
            compute_type: ComputeType::INT8,
            num_threads_per_replica: threads,
            ..Default::default()
        };
        let model = sys::Whisper::new(dir, config).map_err(failed)?;
        let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).map_err(failed)?;
        let id = |token: &str| {
            tokenizer.token_to_id(token).map(|id| id as usize).ok_or_else(|| failed(format!("no {token} token")))
        };
        let timestamp_begin = id("<|notimestamps|>")? + 1;
        let end_of_text = id("<|endoftext|>")?;
        Ok(Self { model, tokenizer, mel: MelSpectrogram::default(), timestamp_begin, end_of_text })
    }

    /// Transcribes 16 kHz mono samples in `[-1, 1]`. `language` forces one (a multilingual
    /// model detects it otherwise; an English-only model takes only "en"). Blocking.
    pub fn transcribe(&self, samples: &[f32], language: Option<&str>) -> Result<Transcript, ModelError> {
        self.transcribe_hinted(samples, language, &[])
    }

    /// As [`Whisper::transcribe`], with names and terms to spell as given: they are put
    /// before every window as text said earlier, which is how Whisper learns a spelling
    /// (faster-whisper's hot words work the same way).
    pub fn transcribe_hinted(
        &self,
        samples: &[f32],
        language: Option<&str>,
        hot_words: &[String],
    ) -> Result<Transcript, ModelError> {
        let hint = self.hint(hot_words)?;
        let features = self.mel.compute(samples);
        let language = self.language(&features, language)?;
        let mut start: Vec<String> = vec!["<|startoftranscript|>".into()];
        if self.model.is_multilingual() {
            start.extend([format!("<|{language}|>"), "<|transcribe|>".into()]);
        }
        let start_ids = start
            .iter()
            .map(|t| self.tokenizer.token_to_id(t).map(|id| id as usize).ok_or_else(|| failed(format!("no {t} token"))))
            .collect::<Result<Vec<_>, _>>()?;
        let mut said = Vec::new();
        let mut context: Vec<String> = Vec::new();
        let mut seek = 0;
        while seek < features.frames {
            let size = (features.frames - seek).min(WINDOW);
            let mut window = features.window(seek, WINDOW);
            let view = StorageView::new(&[1, MELS, WINDOW], &mut window, Device::CPU).map_err(failed)?;
            let encoded = self.model.encode(&view, false).map_err(failed)?;
            let mut attempt = self.decode(&encoded, &prompt(&hint, &context, &start))?;
            let offset_ms = seek as u64 * MS_PER_FRAME;
            // Hot words can still make Whisper skip speech as said already: a window read
            // with them into far fewer words than speech holds is read again without.
            if !hint.is_empty() && attempt.no_speech <= NO_SPEECH {
                let seconds = (size as u64 * MS_PER_FRAME) as f32 / 1000.0;
                let heard_words = self.text(&attempt.ids)?.split_whitespace().count() as f32;
                if heard_words < MIN_WORDS_PER_SECOND * seconds {
                    attempt = self.decode(&encoded, &prompt(&[], &context, &start))?;
                }
            }
            if attempt.no_speech > NO_SPEECH && attempt.avg_logprob < LOW_LOGPROB {
                seek += size;
                continue;
            }
            let (stretches, advance) = windows::read(&attempt.ids, self.timestamp_begin, offset_ms, size);
            let words = self.words(&encoded, &start_ids, &stretches, offset_ms, size)?;
            let confidence = attempt.avg_logprob.exp().clamp(0.0, 1.0);
            let end_ms = (samples.len() * 1000 / SAMPLE_RATE) as u64;
            for (stretch, words) in stretches.into_iter().zip(words) {
                let text = self.text(&stretch.tokens)?;
                // The words' times where the alignment gave them, Whisper's otherwise.
                let begin_ms = words.first().map_or(stretch.begin_ms, |w| w.begin_ms).min(end_ms);
                let end = words.last().map_or(stretch.end_ms, |w| w.end_ms);
                if !text.is_empty() {
                    let end_ms = end.clamp(begin_ms + 1, end_ms.max(begin_ms + 1));
                    said.push(Said { text, begin_ms, end_ms, confidence, words });
                }
            }
            // Text from an unsure, hot decoding is a poor guide for the next window.
            if attempt.temperature > 0.5 {
                context.clear();
            } else {
                context.extend(attempt.tokens);
            }
            seek += advance;
        }
        Ok(Transcript { language, said })
    }

    /// The hot words as the tokens of a line said before ("Glossary: Siobhan Nakagawa,
    /// Kraków."), at most [`HINT_TOKENS`] of them.
    fn hint(&self, hot_words: &[String]) -> Result<Vec<String>, ModelError> {
        let words: Vec<&str> = hot_words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // As a glossary: a bare list reads as the last thing said, and Whisper then skips
        // the speech it thinks that list was (tiny.en heard only "Open the new bridge.").
        let line = format!(" Glossary: {}.", words.join(", "));
        let encoded = self.tokenizer.encode(line, false).map_err(failed)?;
        let mut tokens = encoded.get_tokens().to_vec();
        tokens.truncate(HINT_TOKENS);
        Ok(tokens)
    }

    /// The language spoken in the first window of `samples`: its code ("en", "fr"), or "en"
    /// from an English-only model. Blocking.
    pub fn detect_language(&self, samples: &[f32]) -> Result<String, ModelError> {
        let head = &samples[..samples.len().min(WINDOW * SAMPLE_RATE / 100)];
        self.language(&self.mel.compute(head), None)
    }

    fn language(&self, features: &features::Features, forced: Option<&str>) -> Result<String, ModelError> {
        if !self.model.is_multilingual() {
            return match forced {
                None | Some("en") => Ok("en".into()),
                Some(other) => Err(ModelError::Runtime(format!(
                    "the English-only Whisper model cannot transcribe {other:?}: choose the multilingual one"
                ))),
            };
        }
        if let Some(language) = forced {
            return Ok(language.to_owned());
        }
        let mut window = features.window(0, WINDOW);
        let view = StorageView::new(&[1, MELS, WINDOW], &mut window, Device::CPU).map_err(failed)?;
        let detected = self.model.detect_language(&view).map_err(failed)?;
        let best =
            detected.into_iter().next().and_then(|d| d.into_iter().next()).ok_or_else(|| failed("no language"))?;
        Ok(best.language.trim_start_matches("<|").trim_end_matches("|>").to_owned())
    }

    /// The words of each stretch with their times: the decoder's attention on the audio,
    /// aligned to the tokens by dynamic time warping, says when each token was spoken.
    /// Whisper's own timestamps only bound a stretch loosely (they often run end to end).
    fn words(
        &self,
        encoded: &StorageView,
        start_ids: &[usize],
        stretches: &[windows::Stretch],
        offset_ms: u64,
        size: usize,
    ) -> Result<Vec<Vec<Word>>, ModelError> {
        let mut tokens: Vec<usize> = stretches.iter().flat_map(|s| s.tokens.iter().copied()).collect();
        if tokens.is_empty() {
            return Ok(vec![Vec::new(); stretches.len()]);
        }
        tokens.push(self.end_of_text);
        let aligned = self.model.align(encoded, start_ids, &[tokens.clone()], &[size], 7).map_err(failed)?;
        let Some(path) = aligned.first().map(|a| &a.alignments) else {
            return Ok(vec![Vec::new(); stretches.len()]);
        };
        // Each token starts where the path first reaches it (encoder frames: 20 ms).
        let mut starts: Vec<Option<u64>> = vec![None; tokens.len()];
        for step in path {
            if let Some(slot) = usize::try_from(step.token_x).ok().and_then(|k| starts.get_mut(k))
                && slot.is_none()
            {
                *slot = Some(offset_ms + step.frame_x.max(0) as u64 * 20);
            }
        }
        let mut first = 0;
        let mut all = Vec::with_capacity(stretches.len());
        for stretch in stretches {
            let mut words: Vec<(Vec<u32>, u64, u64)> = Vec::new();
            for (k, &id) in stretch.tokens.iter().enumerate().map(|(i, id)| (first + i, id)) {
                let (Some(Some(begin)), Some(Some(end))) = (starts.get(k), starts.get(k + 1)) else { continue };
                // Byte-level BPE marks a token that starts a word with "Ġ" (a space).
                let opens = self.tokenizer.id_to_token(id as u32).is_some_and(|t| t.starts_with('\u{120}'));
                match words.last_mut() {
                    Some(word) if !opens => {
                        word.0.push(id as u32);
                        word.2 = *end;
                    }
                    _ => words.push((vec![id as u32], *begin, *end)),
                }
            }
            let mut timed = Vec::with_capacity(words.len());
            for (ids, begin_ms, end_ms) in words {
                let text = self.tokenizer.decode(&ids, true).map_err(failed)?.trim().to_owned();
                if !text.is_empty() {
                    timed.push(Word { text, begin_ms, end_ms: end_ms.max(begin_ms + 1) });
                }
            }
            trim_edges(&mut timed);
            all.push(timed);
            first += stretch.tokens.len();
        }
        Ok(all)
    }

    /// Decodes one encoded window, hotter each time the text looks repetitive or unsure,
    /// keeping the likeliest attempt if none looks right.
    fn decode(&self, encoded: &StorageView, prompt: &[String]) -> Result<Attempt, ModelError> {
        let mut best: Option<Attempt> = None;
        for temperature in TEMPERATURES {
            let options = WhisperOptions {
                beam_size: if temperature == 0.0 { 5 } else { 1 },
                sampling_topk: if temperature == 0.0 { 1 } else { 0 },
                sampling_temperature: temperature.max(1.0e-3),
                return_scores: true,
                return_no_speech_prob: true,
                ..Default::default()
            };
            let result = self.model.generate(encoded, &[prompt.to_vec()], &options).map_err(failed)?;
            let result = result.into_iter().next().ok_or_else(|| failed("no result"))?;
            let ids = result.sequences_ids.into_iter().next().unwrap_or_default();
            let tokens = result.sequences.into_iter().next().unwrap_or_default();
            // The score is the log probability per token; one more for the end of text.
            let score = result.scores.first().copied().unwrap_or(f32::MIN);
            let avg_logprob = score * ids.len() as f32 / (ids.len() + 1) as f32;
            let attempt = Attempt { ids, tokens, avg_logprob, no_speech: result.no_speech_prob, temperature };
            let text = self.text(&attempt.ids)?;
            let repetitive = compression_ratio(&text) > MAX_COMPRESSION;
            let silent = attempt.no_speech > NO_SPEECH;
            let good = !repetitive && (attempt.avg_logprob >= LOW_LOGPROB || silent);
            if good {
                return Ok(attempt);
            }
            if best.as_ref().is_none_or(|b| attempt.avg_logprob > b.avg_logprob) {
                best = Some(attempt);
            }
        }
        best.ok_or_else(|| failed("no decoding"))
    }

    /// The text of ids, without timestamps or other special tokens.
    fn text(&self, ids: &[usize]) -> Result<String, ModelError> {
        let ids: Vec<u32> = ids.iter().filter(|&&id| id < self.end_of_text).map(|&id| id as u32).collect();
        Ok(self.tokenizer.decode(&ids, true).map_err(failed)?.trim().to_owned())
    }
}

/// The alignment lets a stretch's first word soak up the silence before it, and its last
/// word the silence after: at the edges, a word longer than twice the stretch's median
/// word (within 0.5 to 1.5 s) is cut to that length on its silent side.
fn trim_edges(words: &mut [Word]) {
    let mut lengths: Vec<u64> = words.iter().map(|w| w.end_ms - w.begin_ms).collect();
    lengths.sort_unstable();
    let Some(&median) = lengths.get(lengths.len() / 2) else { return };
    let longest = (median * 2).clamp(500, 1500);
    if let Some(first) = words.first_mut()
        && first.end_ms - first.begin_ms > longest
    {
        first.begin_ms = first.end_ms - longest;
    }
    if let Some(last) = words.last_mut()
        && last.end_ms - last.begin_ms > longest
    {
        last.end_ms = last.begin_ms + longest;
    }
}

/// How much smaller zlib makes the text: high for a phrase repeated over and over.
fn compression_ratio(text: &str) -> f32 {
    use std::io::Write;
    if text.is_empty() {
        return 0.0;
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = encoder.write_all(text.as_bytes()).and_then(|()| encoder.finish()).map_or(1, |c| c.len());
    text.len() as f32 / compressed as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_words_that_soak_up_silence_are_cut_back() {
        let word = |begin_ms, end_ms| Word { text: "w".into(), begin_ms, end_ms };
        let mut words = [word(0, 2000), word(2000, 2300), word(2300, 2600), word(2600, 2900), word(2900, 6000)];
        trim_edges(&mut words);
        assert_eq!((words[0].begin_ms, words[0].end_ms), (1400, 2000));
        assert_eq!((words[4].begin_ms, words[4].end_ms), (2900, 3500));
    }

    #[test]
    fn a_repeated_phrase_compresses_far_better_than_speech() {
        let looped = "Thank you. ".repeat(20);
        assert!(compression_ratio(&looped) > 2.4);
        let speech = "The storm over Lisbon brought heavy rain to the coast this morning.";
        assert!(compression_ratio(speech) < 2.4);
    }
}
