//! Audio for the speech benchmarks.

use std::path::Path;
use std::process::Command;

use mediaport_analysis::speech::{self, SAMPLE_RATE};

/// The clip as 16 kHz mono samples, decoded by ffmpeg (before any clock starts).
pub fn decode(path: &Path) -> anyhow::Result<Vec<f32>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "f32le", "-ac", "1", "-ar", &SAMPLE_RATE.to_string(), "-"])
        .output()?;
    anyhow::ensure!(out.status.success(), "ffmpeg cannot decode {}", path.display());
    Ok(speech::pcm(&out.stdout))
}
