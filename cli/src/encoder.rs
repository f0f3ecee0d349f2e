//! The sentence model the server reads search queries with: the worker's when it runs in
//! the server, else loaded on the first search by meaning (most searches are by words).

use std::path::PathBuf;
use std::sync::Arc;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::language::embed::Embedder;
use mediaport_core::{EncodeError, SentenceEncoder};
use mediaport_wiring::Settings;

pub fn sentence_encoder(settings: &Settings, language: Option<Arc<Language>>) -> Arc<dyn SentenceEncoder> {
    let dir = settings.worker.models_dir.clone().unwrap_or_else(inference::default_dir);
    let loaded = tokio::sync::OnceCell::new_with(language.map(|l| Arc::new(Model::Worker(l))));
    Arc::new(LazyEncoder { dir, loaded })
}

enum Model {
    Worker(Arc<Language>),
    Own(Box<Embedder>),
}

impl Model {
    fn embedder(&self) -> &Embedder {
        match self {
            Self::Worker(language) => &language.embedder,
            Self::Own(embedder) => embedder,
        }
    }
}

struct LazyEncoder {
    dir: PathBuf,
    /// Empty until loaded: a load that failed (models still being fetched) is tried again.
    loaded: tokio::sync::OnceCell<Arc<Model>>,
}

impl LazyEncoder {
    async fn model(&self) -> Result<Arc<Model>, EncodeError> {
        let load = || async {
            let dir = self.dir.clone();
            let loaded = tokio::task::spawn_blocking(move || Embedder::new(&Models::open(&dir, 1)?)).await;
            let reason = match loaded {
                Ok(Ok(embedder)) => return Ok(Arc::new(Model::Own(Box::new(embedder)))),
                Ok(Err(err)) => err.to_string(),
                Err(err) => err.to_string(),
            };
            // The reason names folders: the log gets it, the caller does not.
            tracing::error!(reason, "cannot load the sentence model");
            Err(EncodeError("the sentence model cannot be loaded; the server log says why".into()))
        };
        self.loaded.get_or_try_init(load).await.cloned()
    }
}

#[async_trait::async_trait]
impl SentenceEncoder for LazyEncoder {
    async fn encode(&self, text: &str) -> Result<Vec<f32>, EncodeError> {
        let model = self.model().await?;
        let text = text.to_owned();
        let encoded = tokio::task::spawn_blocking(move || model.embedder().embed(&[text.as_str()])).await;
        match encoded {
            Ok(Ok(mut vectors)) if vectors.len() == 1 => Ok(vectors.remove(0)),
            Ok(Ok(_)) => Err(EncodeError("the model gave no vector".into())),
            Ok(Err(err)) => Err(EncodeError(err.to_string())),
            Err(err) => Err(EncodeError(err.to_string())),
        }
    }
}
