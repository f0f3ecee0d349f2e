//! Key phrases, entities and sentiment over the sentences the other kinds found (what was
//! said, shown on screen, or written on a document's pages), and the sentences' embeddings
//! stored for semantic search.

use mediaport_core::keys;
use mediaport_shared::{AnalysisKind, AnalysisSummaries, Asset, Timeline};

use super::{Analyse, Failure};
use crate::job::JobError;
use crate::language::Wanted;
use crate::language::sentences::Sentence;

impl Analyse {
    /// Reads the sentences and settles the language kinds that are wanted.
    pub(super) async fn language(
        &self,
        asset: &Asset,
        sentences: Vec<Sentence>,
        language: String,
        wanted: Wanted,
        summaries: &mut AnalysisSummaries,
    ) -> Result<(), JobError> {
        let models = super::loaded(&self.language).await?;
        let read = tokio::task::spawn_blocking(move || models.read(&sentences, &language, wanted))
            .await
            .map_err(|e| format!("language analysis stopped: {e}"))
            .and_then(|r| r.map_err(|e| format!("language analysis: the model failed: {e}")));
        let findings = match read {
            Ok(findings) => findings,
            Err(reason) => {
                let kinds = [
                    (wanted.keyphrases, AnalysisKind::Keyphrase),
                    (wanted.entities, AnalysisKind::Entity),
                    (wanted.sentiment, AnalysisKind::Sentiment),
                ];
                for kind in kinds.into_iter().filter_map(|(on, kind)| on.then_some(kind)) {
                    self.settle(asset, kind, Err(Failure::Media(reason.clone())), summaries).await?;
                }
                self.forget_sentences(asset).await;
                return Ok(());
            }
        };
        let key = keys::embeddings(&asset.id);
        let body = serde_json::to_vec(&findings.embeddings).map_err(|e| JobError::Transient(e.to_string()))?;
        self.storage.put_object(&self.proxy_bucket, &key, body.into()).await?;
        let kinds = [
            (findings.keyphrases, AnalysisKind::Keyphrase),
            (findings.entities, AnalysisKind::Entity),
            (findings.sentiment, AnalysisKind::Sentiment),
        ];
        for (items, kind) in kinds {
            if let Some(items) = items {
                self.settle(asset, kind, Ok(Timeline::new(kind, items)), summaries).await?;
            }
        }
        Ok(())
    }

    /// Deletes the sentences an earlier analysis stored: this one read none, so search by
    /// meaning must not find the asset by what it no longer finds by words.
    pub(super) async fn forget_sentences(&self, asset: &Asset) {
        if let Err(err) = self.storage.delete_object(&self.proxy_bucket, &keys::embeddings(&asset.id)).await {
            tracing::warn!(asset = %asset.id, error = %err, "cannot delete the old sentences");
        }
    }
}
