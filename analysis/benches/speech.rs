//! Measures transcription for bench/speech.sh: `cargo bench --bench speech -- CLIP.wav OUT.txt`
//! loads the VAD and Whisper tiny.en once, transcribes the clip (decoded by ffmpeg to 16 kHz mono,
//! not timed) and prints `mediaport speech audio_seconds=… seconds=… speed=…`; the text
//! goes to OUT.txt for the script's word error rate.
//!
//! `-- names CLIP WORDS.txt PLAIN.txt HINTED.txt` transcribes the clip with tiny.en without
//! and with the hot words of WORDS.txt (one a line) into the two files; `-- language CLIP`
//! times Whisper base naming the language of the clip's first 30 s: `mediaport language
//! code=es seconds=…`.

mod audio;

use std::path::Path;
use std::time::Instant;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::speech::{self, SAMPLE_RATE, Speech, Whisper};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let models = Models::open(&inference::default_dir(), threads)?;
    match args.as_slice() {
        [what, clip, words, plain, hinted] if what == "names" => names(&models, clip, words, [plain, hinted]),
        [what, clip] if what == "language" => language(&models, clip),
        [clip, out] => transcribe(&models, clip, out),
        _ => anyhow::bail!("usage: speech CLIP OUT.txt | names CLIP WORDS PLAIN HINTED | language CLIP"),
    }
}

fn names(models: &Models, clip: &str, words: &str, outs: [&String; 2]) -> anyhow::Result<()> {
    let speech = Speech::load(models, speech::TINY_EN)?;
    let samples = audio::decode(Path::new(clip))?;
    let words: Vec<String> = std::fs::read_to_string(words)?.lines().map(str::to_owned).collect();
    for (out, hint) in outs.into_iter().zip([&[][..], &words[..]]) {
        let heard = speech.transcribe_hinted(&samples, speech::TINY_EN, Some("en"), hint)?;
        std::fs::write(out, heard.said.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n"))?;
    }
    Ok(())
}

fn language(models: &Models, clip: &str) -> anyhow::Result<()> {
    let whisper = Whisper::load(models, speech::BASE)?;
    let samples = audio::decode(Path::new(clip))?;
    let started = Instant::now();
    let code = whisper.detect_language(&samples)?;
    println!("mediaport language code={code} seconds={:.2}", started.elapsed().as_secs_f64());
    Ok(())
}

fn transcribe(models: &Models, clip: &str, out: &str) -> anyhow::Result<()> {
    let speech = Speech::load(models, speech::TINY_EN)?;
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
