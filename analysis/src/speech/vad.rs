//! Where people speak: Silero VAD's speech probability for every 32 ms of audio, turned
//! into padded stretches of speech. Whisper reads only those, so silence, noise and music
//! cannot come out as invented words, and long quiet parts cost nothing.

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
        let frames = samples.len().div_ceil(FRAME);
        let mut state = (vec![0f32; 128], vec![0f32; 128]);
        let mut out = Vec::with_capacity(frames);
        for first in (0..frames).step_by(BATCH) {
            let count = BATCH.min(frames - first);
            let mut input = vec![0f32; count * (CONTEXT + FRAME)];
            for (row, frame) in input.chunks_exact_mut(CONTEXT + FRAME).zip(first..) {
                let start = frame * FRAME;
                // The 64 samples before this frame (zeros before the first), then the frame.
                for (slot, at) in row.iter_mut().zip(start as isize - CONTEXT as isize..) {
                    *slot = usize::try_from(at).ok().and_then(|at| samples.get(at)).copied().unwrap_or(0.0);
                }
            }
            let outputs = self.model.run_named(vec![
                ("input", Floats { shape: vec![count, CONTEXT + FRAME], data: input }),
                ("h", Floats { shape: vec![1, 1, 128], data: state.0.clone() }),
                ("c", Floats { shape: vec![1, 1, 128], data: state.1.clone() }),
            ])?;
            let named = |name: &str| {
                outputs
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, f)| f.data.clone())
                    .ok_or_else(|| ModelError::Runtime(format!("{MODEL} gave no {name}")))
            };
            out.extend(named("speech_probs")?);
            state = (named("hn")?, named("cn")?);
        }
        Ok(out)
    }

    /// The stretches of `samples` (as sample ranges) where someone speaks. Blocking.
    pub fn speech(&self, samples: &[f32]) -> Result<Vec<Range<usize>>, ModelError> {
        Ok(stretches(&self.probabilities(samples)?, samples.len()))
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
