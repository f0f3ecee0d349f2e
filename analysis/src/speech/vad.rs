//! Where people speak: Silero VAD's speech probability for every 32 ms of audio, turned
//! into padded stretches of speech. Whisper reads only those, so silence, noise and music
//! cannot come out as invented words, and long quiet parts cost nothing.

use std::io::Read;
use std::ops::Range;

use crate::inference::{Floats, Model, ModelError, Models};

pub const MODEL: &str = "silero-vad.onnx";
/// The model reads 512 samples (32 ms at 16 kHz) at a time, with the 64 before them.
const FRAME: usize = 512;
const CONTEXT: usize = 64;
/// Frames per model call; the recurrent state carries over between calls.
const BATCH: usize = 8192;
/// Speech starts where the probability reaches this...
const START: f32 = 0.5;
/// ...and ends where it falls below this and stays below for `MIN_SILENCE_MS`.
const END: f32 = 0.35;
const MIN_SILENCE_MS: usize = 1000;
/// Shorter bursts (a cough, a click) are not speech.
const MIN_SPEECH_MS: usize = 250;
/// Kept each side of a stretch: the VAD is quick to call a word's soft edges silence.
const PAD_MS: usize = 300;

#[derive(Debug)]
pub struct Vad {
    model: Model,
}

impl Vad {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { model: models.load(MODEL)? })
    }

    /// The speech probability of each 32 ms frame of 16 kHz samples. Blocking.
    pub fn probabilities(&self, samples: &[f32]) -> Result<Vec<f32>, ModelError> {
        let mut reading = Reading::new(self);
        for chunk in samples.chunks(BATCH * FRAME) {
            reading.push(chunk)?;
        }
        Ok(reading.probabilities)
    }

    /// The stretches of `samples` (as sample ranges) where someone speaks. Blocking.
    pub fn speech(&self, samples: &[f32]) -> Result<Vec<Range<usize>>, ModelError> {
        Ok(stretches(&self.probabilities(samples)?, samples.len()))
    }

    /// The stretches where someone speaks in 16 kHz mono samples read from `audio` as
    /// little-endian floats (`ffmpeg -f f32le`), to its end, a batch at a time: an hour
    /// costs 900 KB of probabilities, not 230 MB of samples. Returns them with the number
    /// of samples read. Blocking.
    pub fn speech_in(&self, audio: &mut dyn Read) -> Result<(Vec<Range<usize>>, usize), ModelError> {
        let mut reading = Reading::new(self);
        let mut bytes = vec![0u8; BATCH * FRAME * 4];
        loop {
            let filled = fill(audio, &mut bytes).map_err(|e| ModelError::Runtime(format!("reading audio: {e}")))?;
            if filled == 0 {
                break;
            }
            reading.push(&super::pcm(&bytes[..filled]))?;
        }
        let total = reading.samples;
        Ok((stretches(&reading.probabilities, total), total))
    }
}

/// Reads until `buffer` is full or the input ends; returns how much was read, in whole
/// samples (a torn sample at the very end is dropped).
pub fn fill(input: &mut dyn Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled - filled % 4)
}

/// The model run over audio a batch at a time, its recurrent state and the samples
/// before each batch carried over.
struct Reading<'a> {
    vad: &'a Vad,
    state: (Vec<f32>, Vec<f32>),
    /// The last `CONTEXT` samples before the next batch (zeros before the first).
    context: Vec<f32>,
    probabilities: Vec<f32>,
    samples: usize,
}

impl<'a> Reading<'a> {
    fn new(vad: &'a Vad) -> Self {
        Self {
            vad,
            state: (vec![0f32; 128], vec![0f32; 128]),
            context: vec![0f32; CONTEXT],
            probabilities: Vec::new(),
            samples: 0,
        }
    }

    /// Reads the next samples: whole frames, but for the last batch (padded with zeros).
    fn push(&mut self, chunk: &[f32]) -> Result<(), ModelError> {
        let count = chunk.len().div_ceil(FRAME);
        if count == 0 {
            return Ok(());
        }
        let mut before_and_chunk = Vec::with_capacity(CONTEXT + chunk.len());
        before_and_chunk.extend_from_slice(&self.context);
        before_and_chunk.extend_from_slice(chunk);
        let mut input = vec![0f32; count * (CONTEXT + FRAME)];
        for (frame, row) in input.chunks_exact_mut(CONTEXT + FRAME).enumerate() {
            // The 64 samples before this frame, then the frame; zeros past the end.
            let from = frame * FRAME;
            let have = before_and_chunk.len().min(from + CONTEXT + FRAME) - from;
            row[..have].copy_from_slice(&before_and_chunk[from..from + have]);
        }
        let outputs = self.vad.model.run_named(vec![
            ("input", Floats { shape: vec![count, CONTEXT + FRAME], data: input }),
            ("h", Floats { shape: vec![1, 1, 128], data: self.state.0.clone() }),
            ("c", Floats { shape: vec![1, 1, 128], data: self.state.1.clone() }),
        ])?;
        let named = |name: &str| {
            outputs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, f)| f.data.clone())
                .ok_or_else(|| ModelError::Runtime(format!("{MODEL} gave no {name}")))
        };
        self.probabilities.extend(named("speech_probs")?);
        self.state = (named("hn")?, named("cn")?);
        self.context = before_and_chunk[before_and_chunk.len() - CONTEXT..].to_vec();
        self.samples += chunk.len();
        Ok(())
    }
}

/// Speech stretches from per-frame probabilities, padded, within `total` samples.
pub fn stretches(probabilities: &[f32], total: usize) -> Vec<Range<usize>> {
    let frames = |ms: usize| (ms * 16).div_ceil(FRAME);
    let mut found: Vec<Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut quiet_since: Option<usize> = None;
    for (i, &p) in probabilities.iter().enumerate() {
        match open {
            None if p >= START => open = Some(i),
            None => {}
            Some(start) => {
                if p >= START {
                    quiet_since = None;
                } else if p < END && quiet_since.is_none() {
                    quiet_since = Some(i);
                }
                if let Some(quiet) = quiet_since.filter(|&q| i - q >= frames(MIN_SILENCE_MS)) {
                    found.push(start..quiet);
                    (open, quiet_since) = (None, None);
                }
            }
        }
    }
    if let Some(start) = open {
        found.push(start..quiet_since.unwrap_or(probabilities.len()));
    }
    let pad = PAD_MS * 16;
    let mut padded: Vec<Range<usize>> = Vec::new();
    for frames_range in found.into_iter().filter(|r| r.len() >= frames(MIN_SPEECH_MS)) {
        let start = (frames_range.start * FRAME).saturating_sub(pad);
        let end = (frames_range.end * FRAME + pad).min(total);
        match padded.last_mut() {
            // Padding made them touch: one stretch.
            Some(last) if start <= last.end => last.end = end,
            _ => padded.push(start..end),
        }
    }
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probabilities for `ms` of audio at `p`.
    fn run(p: f32, ms: usize) -> Vec<f32> {
        vec![p; ms * 16 / FRAME]
    }

    #[test]
    fn short_pauses_stay_inside_speech_and_long_ones_split_it() {
        let probabilities = [
            run(0.0, 1024),
            run(0.9, 2048),
            run(0.1, 512), // a breath: not a split
            run(0.8, 1024),
            run(0.0, 3072), // a real pause
            run(0.95, 1024),
            run(0.0, 1024),
        ]
        .concat();
        let total = probabilities.len() * FRAME;
        let found = stretches(&probabilities, total);
        assert_eq!(found.len(), 2, "{found:?}");
        let ms = |samples: usize| samples / 16;
        assert_eq!((ms(found[0].start), ms(found[0].end)), (1024 - 300, 1024 + 3584 + 300));
        assert_eq!(ms(found[1].start), 1024 + 3584 + 3072 - 300);
    }

    #[test]
    fn clicks_are_not_speech_and_speech_to_the_end_is_kept() {
        let probabilities = [run(0.0, 1024), run(0.9, 64), run(0.0, 2048), run(0.9, 1024)].concat();
        let total = probabilities.len() * FRAME;
        let found = stretches(&probabilities, total);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0], (1024 + 64 + 2048 - 300) * 16..total);
    }
}
