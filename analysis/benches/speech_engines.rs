//! Whisper on two engines, for bench/speech_engines.sh: CTranslate2 (through ct2rs, what
//! Mediaport runs) and candle-transformers (reading the same weights, converted to float32
//! safetensors by bench/ct2_whisper_to_safetensors.py).
//!
//! `cargo bench --features candle-bench --bench speech_engines -- MODEL_DIR WEIGHTS CONFIG CLIP OUT`
//!
//! Both engines get the same input: the clip's log-mel features cut into 30-second windows
//! one after another, each decoded greedily from `<|startoftranscript|><|notimestamps|>`
//! with the model's suppressed tokens, at most `MAX_TOKENS` tokens. That isolates the
//! engines from Mediaport's pipeline (voice activity, timestamps, beam search, fallbacks).
//! Prints `engine <name> audio_seconds=… seconds=… speed=…` per engine and writes each
//! engine's text to `OUT-<name>.txt` for the script's word error rate.

mod audio;

use std::path::Path;
use std::time::Instant;

use candle_core::{Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::whisper::{Config, model::Whisper as CandleWhisper};
use ct2rs::sys::{self, ComputeType, StorageView, WhisperOptions};
use mediaport_analysis::speech::SAMPLE_RATE;
use mediaport_analysis::speech::features::{MELS, MelSpectrogram};

/// Frames in a 30-second window.
const WINDOW: usize = 3000;
/// Half the decoder's context, as Whisper's own decoding allows.
const MAX_TOKENS: usize = 224;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [model_dir, weights, config, clip, out] = args.as_slice() else {
        anyhow::bail!("usage: speech_engines MODEL_DIR WEIGHTS CONFIG CLIP OUT");
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let samples = audio::decode(Path::new(clip))?;
    let features = MelSpectrogram::default().compute(&samples);
    let windows: Vec<Vec<f32>> = (0..features.frames).step_by(WINDOW).map(|s| features.window(s, WINDOW)).collect();
    let tokenizer = tokenizers::Tokenizer::from_file(Path::new(model_dir).join("tokenizer.json"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let audio = samples.len() as f64 / SAMPLE_RATE as f64;

    for compute in [ComputeType::INT8, ComputeType::FLOAT32] {
        let name = format!("ctranslate2-{}", if compute == ComputeType::INT8 { "int8" } else { "float32" });
        let engine = Ct2::open(Path::new(model_dir), compute, threads)?;
        let (ids, seconds) = timed(&windows, |w| engine.transcribe(w))?;
        report(&name, &tokenizer, &ids, audio, seconds, out)?;
    }
    let mut candle = Candle::open(Path::new(weights), Path::new(config), &tokenizer)?;
    let (ids, seconds) = timed(&windows, |w| candle.transcribe(w))?;
    report("candle-float32", &tokenizer, &ids, audio, seconds, out)?;
    Ok(())
}

/// Each window's token ids, and the seconds all of them took.
fn timed(
    windows: &[Vec<f32>],
    mut transcribe: impl FnMut(&[f32]) -> anyhow::Result<Vec<u32>>,
) -> anyhow::Result<(Vec<Vec<u32>>, f64)> {
    let started = Instant::now();
    let ids = windows.iter().map(|w| transcribe(w)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok((ids, started.elapsed().as_secs_f64()))
}

fn report(
    name: &str,
    tokenizer: &tokenizers::Tokenizer,
    ids: &[Vec<u32>],
    audio: f64,
    seconds: f64,
    out: &str,
) -> anyhow::Result<()> {
    let text = ids
        .iter()
        .map(|ids| tokenizer.decode(ids, true).map(|t| t.trim().to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(format!("{out}-{name}.txt"), text.join("\n"))?;
    println!("engine {name} audio_seconds={audio:.1} seconds={seconds:.2} speed={:.2}", audio / seconds);
    Ok(())
}

struct Ct2 {
    model: sys::Whisper,
}

impl Ct2 {
    fn open(dir: &Path, compute_type: ComputeType, threads: usize) -> anyhow::Result<Self> {
        let config = sys::Config { compute_type, num_threads_per_replica: threads, ..Default::default() };
        Ok(Self { model: sys::Whisper::new(dir, config)? })
    }

    fn transcribe(&self, window: &[f32]) -> anyhow::Result<Vec<u32>> {
        let mut window = window.to_vec();
        let view = StorageView::new(&[1, MELS, WINDOW], &mut window, sys::Device::CPU)?;
        let encoded = self.model.encode(&view, false)?;
        let options = WhisperOptions { beam_size: 1, max_length: MAX_TOKENS, ..Default::default() };
        let prompt = vec!["<|startoftranscript|>", "<|notimestamps|>"];
        let result = self.model.generate(&encoded, &[prompt], &options)?;
        let ids = result.into_iter().next().and_then(|r| r.sequences_ids.into_iter().next()).unwrap_or_default();
        Ok(ids.into_iter().map(|id| id as u32).collect())
    }
}

struct Candle {
    model: CandleWhisper,
    start: Vec<u32>,
    /// Not the first token: the end of text and a lone space (as CTranslate2's
    /// `suppress_blank`).
    not_first: [u32; 2],
    end_of_text: u32,
    /// Tokens never chosen: the model's suppressed ones and every timestamp.
    suppressed: Vec<u32>,
}

impl Candle {
    fn open(weights: &Path, config: &Path, tokenizer: &tokenizers::Tokenizer) -> anyhow::Result<Self> {
        let config: Config = serde_json::from_str(&std::fs::read_to_string(config)?)?;
        let vars =
            VarBuilder::from_buffered_safetensors(std::fs::read(weights)?, candle_core::DType::F32, &Device::Cpu)?;
        let id = |t: &str| tokenizer.token_to_id(t).ok_or_else(|| anyhow::anyhow!("no {t} token"));
        let no_timestamps = id("<|notimestamps|>")?;
        let mut suppressed = config.suppress_tokens.clone();
        suppressed.extend(no_timestamps..config.vocab_size as u32);
        let start = vec![id("<|startoftranscript|>")?, no_timestamps];
        let end_of_text = id("<|endoftext|>")?;
        let not_first = [end_of_text, id("\u{120}")?];
        Ok(Self { model: CandleWhisper::load(&vars, config)?, start, not_first, end_of_text, suppressed })
    }

    fn transcribe(&mut self, window: &[f32]) -> anyhow::Result<Vec<u32>> {
        let mel = Tensor::from_slice(window, (1, MELS, WINDOW), &Device::Cpu)?;
        let audio = self.model.encoder.forward(&mel, true)?;
        let mut tokens = self.start.clone();
        for step in 0..MAX_TOKENS {
            let input = Tensor::new(tokens.as_slice(), &Device::Cpu)?.unsqueeze(0)?;
            // candle's decoder runs the whole sequence each step, caching only the
            // cross-attention's keys and values (kept after the first step).
            let hidden = self.model.decoder.forward(&input, &audio, step == 0)?;
            let last = hidden.i((.., tokens.len() - 1..))?;
            let mut logits: Vec<f32> = self.model.decoder.final_linear(&last)?.flatten_all()?.to_vec1()?;
            for &id in &self.suppressed {
                if let Some(logit) = logits.get_mut(id as usize) {
                    *logit = f32::NEG_INFINITY;
                }
            }
            if step == 0 {
                for id in self.not_first {
                    logits[id as usize] = f32::NEG_INFINITY;
                }
            }
            let next = logits.iter().enumerate().fold((0, f32::MIN), |a, (i, &l)| if l > a.1 { (i, l) } else { a }).0;
            if next as u32 == self.end_of_text {
                break;
            }
            tokens.push(next as u32);
        }
        Ok(tokens.split_off(self.start.len()))
    }
}
