//! The transcript of an asset's audio proxy: Whisper over the whole recording, each
//! stretch of speech an item with its time range, in the order it was said.

use std::time::Duration;

use mediaport_shared::{Asset, Timeline};

use super::{Analyse, Failure};
use crate::job::JobError;
use crate::speech;

impl Analyse {
    pub(super) async fn transcript(
        &self,
        asset: &Asset,
        model: &str,
        language: Option<String>,
        hot_words: &[String],
    ) -> Result<Timeline, Failure> {
        let Some(audio) = asset.outputs.as_ref().and_then(|o| o.audio.clone()) else {
            return Err(Failure::Media("the asset has no audio proxy".into()));
        };
        let work = self.tools.work_dir(asset.id.as_str()).map_err(|e| JobError::Transient(e.to_string()))?;
        let file = work.path().join("audio.m4a");
        self.download(&audio, &file).await?;
        // Decoding goes at hundreds of times real time; a minute for anything short.
        let limit = Duration::from_millis(asset.duration_ms.unwrap_or(0)).max(Duration::from_secs(60));
        let models = super::loaded(&self.speech).await?;
        let heard = speech::file::transcribe(&self.tools, &models, &file, model, language.as_deref(), hot_words, limit)
            .await
            .map_err(|e| Failure::Media(self.tools.redact(&e.to_string())))?;
        Ok(heard.timeline())
    }
}
