//! The words of an asset read again after a reviewer corrected its transcript or its
//! on-screen text: key phrases, entities and sentiment, and the sentences search by
//! meaning finds it by, from what the corrected timelines now say.

use mediaport_core::CatalogError;
use mediaport_shared::{AnalysisKind, AssetId, AssetStatus, AssetType};

use super::Analyse;
use crate::job::JobError;
use crate::language::Wanted;
use crate::language::sentences;

impl Analyse {
    /// Reads an analysed asset's corrected words again and indexes it. An asset being
    /// ingested or analysed is left alone: its analysis reads the corrections as it goes.
    /// A document's sentences come from its pages, which corrections do not change: it is
    /// only indexed again.
    pub async fn reread(&self, asset_id: &AssetId) -> Result<(), JobError> {
        let asset = match self.catalog.get_asset(asset_id).await {
            Err(CatalogError::NotFound { .. }) => return Ok(()),
            other => other?,
        };
        if !matches!(asset.status, AssetStatus::Ready | AssetStatus::Failed) {
            return Ok(());
        }
        let results = self.results();
        let mut said = Vec::new();
        let mut language = None;
        if asset.asset_type != AssetType::Document {
            if let Ok(transcript) = results.timeline(&asset, AnalysisKind::Transcript).await {
                language.clone_from(&transcript.language);
                said = sentences::from_transcript(&transcript.items);
            }
            if let Ok(text) = results.timeline(&asset, AnalysisKind::Text).await {
                said.extend(sentences::from_text(&text.items));
            }
        }
        let mut summaries = asset.analysis.clone();
        if said.is_empty() {
            if asset.asset_type != AssetType::Document {
                self.forget_sentences(&asset).await;
            }
        } else {
            let has = |kind| asset.analysis.contains_key(&kind);
            let wanted = Wanted {
                keyphrases: has(AnalysisKind::Keyphrase),
                entities: has(AnalysisKind::Entity),
                sentiment: has(AnalysisKind::Sentiment),
            };
            let language = language.unwrap_or_else(|| "en".into());
            self.language(&asset, said, language, wanted, &mut summaries).await?;
        }
        let reread = mediaport_shared::Asset { analysis: summaries.clone(), ..asset.clone() };
        if let Err(err) = self.indexer().index_asset(&reread).await {
            return Err(JobError::Transient(format!("cannot update the search index: {err}")));
        }
        match self.catalog.record_analysis(asset_id, &summaries, asset.status, asset.error.as_deref()).await {
            Err(CatalogError::NotFound { .. }) => {
                return Err(JobError::Media("the asset was deleted while its words were read again".into()));
            }
            other => other?,
        };
        self.forget_timelines(&asset.analysis, &summaries).await;
        Ok(())
    }
}
