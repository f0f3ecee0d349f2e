//! Measures transcription for bench/speech.sh: `cargo bench --bench speech -- CLIP.wav OUT.txt`
//! loads the VAD and Whisper tiny.en once, transcribes the clip (decoded by ffmpeg to 16 kHz mono,
//! not timed) and prints `mediaport speech audio_seconds=… seconds=… speed=…`; the text
//! goes to OUT.txt for the script's word error rate.

mod audio;

use std::path::Path;
use std::time::Instant;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::speech::{self, SAMPLE_RATE, Speech};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [clip, out] = args.as_slice() else {
        anyhow::bail!("usage: speech CLIP OUT.txt");
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let models = Models::open(&inference::default_dir(), threads)?;
    let speech = Speech::load(&models, speech::TINY_EN)?;
    let samples = audio::decode(Path::new(clip))?;
    let started = Instant::now();
    let transcript = speech.transcribe(&samples, Some("en"))?;
    let seconds = started.elapsed().as_secs_f64();
    let audio = samples.len() as f64 / SAMPLE_RATE as f64;
    let text: Vec<&str> = transcript.said.iter().map(|s| s.text.as_str()).collect();
    std::fs::write(out, text.join("\n"))?;
    println!(
        "mediaport speech audio_seconds={audio:.1} seconds={seconds:.2} speed={:.2} segments={}",
        audio / seconds,
        text.len()
    );
    Ok(())
}
