//! The transcript of an asset's audio proxy: Whisper over the whole recording, each
//! stretch of speech an item with its time range, in the order it was said.

use mediaport_shared::{Asset, Timeline};

use super::{Analyse, Failure};
use crate::job::JobError;
use crate::speech::{self, SAMPLE_RATE};
use crate::tools::{Tool, args};

impl Analyse {
    pub(super) async fn transcript(
        &self,
        asset: &Asset,
        model: &str,
        language: Option<String>,
    ) -> Result<Timeline, Failure> {
        let Some(audio) = asset.outputs.as_ref().and_then(|o| o.audio.clone()) else {
            return Err(Failure::Media("the asset has no audio proxy".into()));
        };
        let work = self.tools.work_dir(asset.id.as_str()).map_err(|e| JobError::Transient(e.to_string()))?;
        let (file, raw) = (work.path().join("audio.m4a"), work.path().join("audio.f32"));
        self.download(&audio, &file).await?;
        // Whisper reads 16 kHz mono floats.
        let rate = SAMPLE_RATE.to_string();
        let args = args!["-nostdin", "-v", "error", "-i", &file, "-ac", "1", "-ar", &rate, "-f", "f32le", "-y", &raw];
        let limit =
            std::time::Duration::from_millis(asset.duration_ms.unwrap_or(0)).max(std::time::Duration::from_secs(60));
        self.tools
            .run_for(Tool::Ffmpeg, args, limit)
            .await
            .map_err(|e| Failure::Media(self.tools.redact(&format!("the audio cannot be decoded: {e}"))))?;
        let transcriber = self.speech.clone();
        let model = model.to_owned();
        let heard = tokio::task::spawn_blocking(move || {
            let samples = speech::pcm(&std::fs::read(&raw)?);
            Ok::<_, std::io::Error>(transcriber.transcribe_with(&samples, &model, language.as_deref()))
        })
        .await
        .map_err(|e| Failure::Media(format!("transcription stopped: {e}")))?
        .map_err(|e| JobError::Transient(e.to_string()))?
        .map_err(|e| Failure::Media(format!("transcript: {e}")))?;
        Ok(heard.timeline())
    }
}
