//! The sentence model the server reads search queries with: the worker's when it runs in
//! the server, else loaded on the first search by meaning (most searches are by words).

use std::path::PathBuf;
use std::sync::Arc;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::language::embed::Embedder;
use mediaport_api::Settings;
use mediaport_core::{EncodeError, SentenceEncoder};

pub fn sentence_encoder(settings: &Settings, language: Option<Arc<Language>>) -> Arc<dyn SentenceEncoder> {
    let dir = settings.worker.models_dir.clone().unwrap_or_else(inference::default_dir);
    let loaded = tokio::sync::OnceCell::new_with(language.map(|l| Ok(Arc::new(Model::Worker(l)))));
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
    loaded: tokio::sync::OnceCell<Result<Arc<Model>, String>>,
}

impl LazyEncoder {
    async fn model(&self) -> Result<Arc<Model>, EncodeError> {
        let load = || async {
            let dir = self.dir.clone();
            let loaded = tokio::task::spawn_blocking(move || Embedder::new(&Models::open(&dir, 1)?)).await;
            match loaded {
                Ok(Ok(embedder)) => Ok(Arc::new(Model::Own(Box::new(embedder)))),
                Ok(Err(err)) => Err(err.to_string()),
                Err(err) => Err(err.to_string()),
            }
        };
        self.loaded.get_or_init(load).await.clone().map_err(EncodeError)
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
