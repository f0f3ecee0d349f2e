//! Whisper's input: the log-mel spectrogram of 16 kHz mono audio, 80 bands every 10 ms,
//! computed as OpenAI's reference does (centred STFT with reflected edges, periodic Hann
//! window, Slaney mel filters, log10, floored 8 below the loudest value, scaled).

use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

pub const SAMPLE_RATE: usize = 16_000;
pub const MELS: usize = 80;
const FFT_SIZE: usize = 400;
pub const HOP: usize = 160;

/// Log-mel features of a whole recording, band by band: `bands[m * frames + t]`.
#[derive(Debug, Clone)]
pub struct Features {
    pub frames: usize,
    bands: Vec<f32>,
}

impl Features {
    /// The window `[start, start + width)` in frames, zero past the end (as Whisper pads),
    /// laid out `[MELS, width]` for the model.
    pub fn window(&self, start: usize, width: usize) -> Vec<f32> {
        let mut out = vec![0f32; MELS * width];
        let available = self.frames.saturating_sub(start).min(width);
        for m in 0..MELS {
            let row = &self.bands[m * self.frames + start..][..available];
            out[m * width..][..available].copy_from_slice(row);
        }
        out
    }
}

pub struct MelSpectrogram {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// `[MELS, FFT_SIZE / 2 + 1]`.
    filters: Vec<f32>,
}

impl Default for MelSpectrogram {
    fn default() -> Self {
        let fft = FftPlanner::new().plan_fft_forward(FFT_SIZE);
        let window = (0..FFT_SIZE)
            .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / FFT_SIZE as f64).cos()) as f32)
            .collect();
        let filters = mel_spec::mel::mel(SAMPLE_RATE as f64, FFT_SIZE, MELS, None, None, false, true);
        Self { fft, window, filters: filters.iter().map(|&w| w as f32).collect() }
    }
}

impl MelSpectrogram {
    pub fn compute(&self, samples: &[f32]) -> Features {
        let bins = FFT_SIZE / 2 + 1;
        let frames = samples.len() / HOP;
        let padded = reflect_pad(samples, FFT_SIZE / 2);
        let mut bands = vec![0f32; MELS * frames];
        let mut buffer = vec![Complex::new(0f32, 0f32); FFT_SIZE];
        let mut scratch = vec![Complex::new(0f32, 0f32); self.fft.get_inplace_scratch_len()];
        let mut power = vec![0f32; bins];
        for t in 0..frames {
            let frame = &padded[t * HOP..t * HOP + FFT_SIZE];
            for ((slot, &x), &w) in buffer.iter_mut().zip(frame).zip(&self.window) {
                *slot = Complex::new(x * w, 0.0);
            }
            self.fft.process_with_scratch(&mut buffer, &mut scratch);
            for (p, c) in power.iter_mut().zip(&buffer) {
                *p = c.norm_sqr();
            }
            for m in 0..MELS {
                let filter = &self.filters[m * bins..(m + 1) * bins];
                let energy: f32 = filter.iter().zip(&power).map(|(f, p)| f * p).sum();
                bands[m * frames + t] = energy.max(1e-10).log10();
            }
        }
        let loudest = bands.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for value in &mut bands {
            *value = (value.max(loudest - 8.0) + 4.0) / 4.0;
        }
        Features { frames, bands }
    }
}

/// `samples` with `by` mirrored samples each side (numpy's "reflect"); zeros when the
/// recording is too short to mirror.
fn reflect_pad(samples: &[f32], by: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(samples.len() + 2 * by);
    if samples.len() <= by {
        out.resize(by, 0.0);
        out.extend_from_slice(samples);
        out.resize(samples.len() + 2 * by, 0.0);
        return out;
    }
    out.extend(samples[1..=by].iter().rev());
    out.extend_from_slice(samples);
    out.extend(samples[samples.len() - 1 - by..samples.len() - 1].iter().rev());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_mirrors_without_repeating_the_edge() {
        assert_eq!(reflect_pad(&[1.0, 2.0, 3.0, 4.0], 2), [3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]);
    }

    #[test]
    fn a_tone_lights_its_own_band_and_a_second_makes_100_frames() {
        // 1 kHz for one second.
        let samples: Vec<f32> = (0..SAMPLE_RATE)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / SAMPLE_RATE as f32).sin())
            .collect();
        let features = MelSpectrogram::default().compute(&samples);
        assert_eq!(features.frames, 100);
        let middle = features.window(50, 1);
        let loudest = (0..MELS).max_by(|&a, &b| middle[a].total_cmp(&middle[b])).unwrap();
        // 1 kHz is mel 15 of the Slaney scale's 45.2 at 8 kHz: the peak of band 26 of 80.
        assert_eq!(loudest, 26);
        // Past the end the window is zero.
        assert!(features.window(99, 4)[1..4].iter().all(|&v| v == 0.0));
    }
}
