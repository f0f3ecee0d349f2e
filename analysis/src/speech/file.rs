//! A recording of any length transcribed in bounded memory: ffmpeg decodes it to 16 kHz
//! mono floats twice, streamed, never stored. The first pass finds where people speak;
//! the second, only when someone does, hands Whisper those stretches a batch at a time.
//! Decoding again costs far less than keeping hours of samples (230 MB an hour) in
//! memory or on disk.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::{SAMPLE_RATE, Speech, Transcript};
use crate::inference::ModelError;
use crate::tools::{Tool, ToolError, Tools, args};

/// Why an audio file gave no transcript.
#[derive(Debug, thiserror::Error)]
pub enum HearError {
    #[error("the audio cannot be decoded: {0}")]
    Decode(#[from] ToolError),
    #[error("transcript: {0}")]
    Model(#[from] ModelError),
}

/// Transcribes the audio of `file` (any format ffmpeg reads). The pass that finds speech
/// is given `limit`, the one Whisper reads along with ten times that (Whisper, unlike the
/// voice detector, can be slower than real time on a small machine). `model` and
/// `language` as [`Speech::transcribe_with`] takes them.
pub async fn transcribe(
    tools: &Tools,
    speech: &Arc<Speech>,
    file: &Path,
    model: &str,
    language: Option<&str>,
    hot_words: &[String],
    limit: Duration,
) -> Result<Transcript, HearError> {
    let rate = SAMPLE_RATE.to_string();
    let decode = || {
        args!["-nostdin", "-v", "error", "-i", file, "-map", "0:a:0", "-ac", "1", "-ar", &rate, "-f", "f32le", "pipe:1"]
    };
    let finder = speech.clone();
    let (found, ended) = tools.stream(Tool::Ffmpeg, decode(), limit, move |audio| finder.find_speech(audio)).await?;
    let (stretches, _) = found?;
    ended?;
    if stretches.is_empty() {
        return Ok(Transcript { language: language.unwrap_or("en").to_owned(), said: Vec::new() });
    }
    let (transcriber, model, language) = (speech.clone(), model.to_owned(), language.map(str::to_owned));
    let hot_words = hot_words.to_vec();
    let (heard, ended) = tools
        .stream(Tool::Ffmpeg, decode(), limit * 10, move |audio| {
            transcriber.transcribe_speech(audio, &stretches, &model, language.as_deref(), &hot_words)
        })
        .await?;
    let heard = heard?;
    ended?;
    Ok(heard)
}
