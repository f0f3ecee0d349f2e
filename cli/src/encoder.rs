//! The sentence model the server reads search queries with: the worker's when it runs in
//! the server, else loaded on the first search by meaning (most searches are by words).

use std::sync::Arc;

use mediaport_analysis::inference::{self, ModelError, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::language::embed::Embedder;
use mediaport_analysis::on_demand::OnDemand;
use mediaport_core::{EncodeError, SentenceEncoder};
use mediaport_wiring::Settings;

pub fn sentence_encoder(settings: &Settings, language: Option<Arc<OnDemand<Language>>>) -> Arc<dyn SentenceEncoder> {
    let model = match language {
        Some(language) => Model::Worker(language),
        None => {
            let dir = settings.worker.models_dir.clone().unwrap_or_else(inference::default_dir);
            Model::Own(Arc::new(OnDemand::new("sentences", None, move || Embedder::new(&Models::open(&dir, 1)?))))
        }
    };
    Arc::new(LazyEncoder { model })
}

/// The worker's language models, or the server's own sentence model. Either is loaded on
/// the first search by meaning; a load that failed (models still being fetched) is tried
/// again on the next.
#[derive(Clone)]
enum Model {
    Worker(Arc<OnDemand<Language>>),
    Own(Arc<OnDemand<Embedder>>),
}

struct LazyEncoder {
    model: Model,
}

impl LazyEncoder {
    /// Loads the model if needed and embeds `text` (blocking: runs on a blocking thread).
    fn embed(model: &Model, text: &str) -> Result<Vec<Vec<f32>>, EncodeError> {
        let failed = |err: ModelError| {
            // The reason names folders: the log gets it, the caller does not.
            tracing::error!(reason = %err, "cannot load the sentence model");
            EncodeError("the sentence model cannot be loaded; the server log says why".into())
        };
        let embedded = match model {
            Model::Worker(language) => language.get().map_err(failed)?.embedder.embed(&[text]),
            Model::Own(embedder) => embedder.get().map_err(failed)?.embed(&[text]),
        };
        embedded.map_err(|err| EncodeError(err.to_string()))
    }
}

#[async_trait::async_trait]
impl SentenceEncoder for LazyEncoder {
    async fn encode(&self, text: &str) -> Result<Vec<f32>, EncodeError> {
        let model = self.model.clone();
        let text = text.to_owned();
        let encoded = tokio::task::spawn_blocking(move || Self::embed(&model, &text)).await;
        match encoded {
            Ok(Ok(mut vectors)) if vectors.len() == 1 => Ok(vectors.remove(0)),
            Ok(Ok(_)) => Err(EncodeError("the model gave no vector".into())),
            Ok(Err(err)) => Err(err),
            Err(err) => Err(EncodeError(err.to_string())),
        }
    }
}
