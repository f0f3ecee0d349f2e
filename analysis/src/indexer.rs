//! Keeps the search index in step with the catalog: after each stage an asset's document
//! is made again from its record and its stored timelines, which stay the truth, so the
//! whole index can be rebuilt from them (`mediaport reindex`). The asset's sentence
//! embeddings go into the `sentences` vector space at the same time, for search by meaning.

use std::sync::Arc;

use mediaport_core::corrections;
use mediaport_core::keys;
use mediaport_core::results::in_force;
use mediaport_core::search::document::document;
use mediaport_core::search::semantic;
use mediaport_core::{
    AssetDocument, AssetFilter, BULK_DOCUMENTS, Catalog, CatalogError, DocumentBatches, IndexedSentence, SearchIndex,
    Storage, VectorIndex,
};
use mediaport_shared::{AnalysisStatus, Asset, AssetId, EmbeddedSentence, Embeddings, Timeline};
use tokio::sync::mpsc;

use crate::language::embed;

/// Assets read from the catalog per page while rebuilding.
const PAGE: u32 = 200;

#[derive(Clone)]
pub struct Indexer {
    pub catalog: Arc<dyn Catalog>,
    pub storage: Arc<dyn Storage>,
    pub proxy_bucket: String,
    pub search: Arc<dyn SearchIndex>,
    pub vectors: Arc<dyn VectorIndex>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0}")]
    Catalog(#[from] CatalogError),
    #[error("{0}")]
    Search(#[from] mediaport_core::SearchError),
    #[error("{0}")]
    Vectors(#[from] mediaport_core::VectorError),
}

impl Indexer {
    /// Indexes an asset as the catalog has it now; an asset gone from the catalog leaves
    /// the index too.
    pub async fn index(&self, asset_id: &AssetId) -> Result<(), IndexError> {
        match self.catalog.get_asset(asset_id).await {
            Ok(asset) => self.index_asset(&asset).await,
            Err(CatalogError::NotFound { .. }) => {
                self.vectors.remove_prefix(semantic::SPACE, &keys::of_asset(asset_id)).await?;
                Ok(self.search.remove(asset_id).await?)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Indexes `asset` as given (its analysis summaries say which timelines to read).
    pub async fn index_asset(&self, asset: &Asset) -> Result<(), IndexError> {
        let (document, vectors) = self.document(asset).await?;
        self.search.upsert(document).await?;
        self.store_sentences(&asset.id, &vectors).await;
        Ok(())
    }

    /// Indexes the asset's document alone, its sentences' vectors left as they are: for
    /// changes that leave what was said and shown alone (people named).
    pub async fn index_names(&self, asset: &Asset) -> Result<(), IndexError> {
        Ok(self.search.upsert(self.document(asset).await?.0).await?)
    }

    /// Replaces the asset's sentences in the vector space. A failure leaves search by
    /// words whole; the next analysis or a reindex puts the sentences back.
    async fn store_sentences(&self, asset_id: &AssetId, vectors: &[(String, Vec<f32>)]) {
        let stored = async {
            self.vectors.remove_prefix(semantic::SPACE, &keys::of_asset(asset_id)).await?;
            self.vectors.upsert_many(semantic::SPACE, vectors).await
        };
        if let Err(err) = stored.await {
            tracing::warn!(asset = %asset_id, error = %err, "cannot store the sentences for search by meaning");
        }
    }

    /// The asset's document, from its record, its stored timelines with reviewers'
    /// corrections, its notes and its sentences; and the sentences' vectors under their ids.
    async fn document(&self, asset: &Asset) -> Result<(AssetDocument, Vec<(String, Vec<f32>)>), IndexError> {
        let corrections = in_force(&self.catalog.corrections(&asset.id).await?);
        let mut timelines = Vec::new();
        for (kind, summary) in &asset.analysis {
            let Some(key) = summary.key.as_ref().filter(|_| summary.status == AnalysisStatus::Done) else { continue };
            // A timeline that cannot be read is left out, not the asset: the others still find it.
            match self.storage.get_object(&self.proxy_bucket, key).await {
                Ok(body) => match serde_json::from_slice::<Timeline>(&body) {
                    Ok(timeline) => timelines.push(corrections::apply(timeline, &corrections).timeline),
                    Err(err) => {
                        tracing::warn!(asset = %asset.id, kind = kind.as_str(), error = %err, "timeline unreadable");
                    }
                },
                Err(err) => tracing::warn!(asset = %asset.id, kind = kind.as_str(), error = %err, "timeline missing"),
            }
        }
        let notes = self.catalog.notes(&asset.id).await?;
        if !notes.is_empty() {
            timelines.push(mediaport_shared::notes::timeline(&notes));
        }
        let mut document = document(asset, timelines);
        let embeddings = self.embeddings(asset).await;
        let mut vectors = Vec::with_capacity(embeddings.len());
        for (n, sentence) in embeddings.into_iter().enumerate() {
            vectors.push((keys::sentence_vector(&asset.id, n), sentence.vector));
            document.sentences.push(IndexedSentence {
                kind: sentence.source,
                text: sentence.text,
                timecodes: sentence.timecodes,
                pages: sentence.pages,
            });
        }
        Ok((document, vectors))
    }

    /// The sentence embeddings the language stage stored, if any were made by today's model.
    async fn embeddings(&self, asset: &Asset) -> Vec<EmbeddedSentence> {
        let key = keys::embeddings(&asset.id);
        let Ok(body) = self.storage.get_object(&self.proxy_bucket, &key).await else { return Vec::new() };
        match serde_json::from_slice::<Embeddings>(&body) {
            Ok(embeddings) if embeddings.model == embed::MODEL => embeddings.sentences,
            Ok(other) => {
                tracing::warn!(asset = %asset.id, model = other.model, "sentences of another model: analyse again");
                Vec::new()
            }
            Err(err) => {
                tracing::warn!(asset = %asset.id, error = %err, "sentence embeddings unreadable");
                Vec::new()
            }
        }
    }

    /// Empties the index and indexes every asset of the catalog again; returns how many.
    pub async fn rebuild(&self) -> Result<usize, IndexError> {
        self.search.clear().await?;
        self.vectors.drop_space(semantic::SPACE).await?;
        // The index takes in each batch while the next is read and made.
        let (batches, received) = mpsc::channel(1);
        let (read, indexed) = tokio::join!(self.read_all(batches), self.search.upsert_batches(stream_of(received)));
        indexed?;
        read
    }

    /// Makes every asset's document, handing them over in batches; returns how many.
    async fn read_all(&self, batches: mpsc::Sender<Vec<AssetDocument>>) -> Result<usize, IndexError> {
        let (mut done, mut cursor) = (0, None::<AssetId>);
        let mut documents = Vec::with_capacity(BULK_DOCUMENTS);
        loop {
            let page = self.catalog.list_assets(&AssetFilter::default(), PAGE, cursor.as_ref()).await?;
            for asset in &page {
                let (document, vectors) = self.document(asset).await?;
                self.store_sentences(&asset.id, &vectors).await;
                documents.push(document);
            }
            done += page.len();
            let more = page.len() == PAGE as usize;
            // A closed channel means the index failed: rebuild reports its error.
            if (documents.len() >= BULK_DOCUMENTS || !more)
                && batches.send(std::mem::take(&mut documents)).await.is_err()
            {
                return Ok(done);
            }
            match page.last() {
                Some(last) if more => cursor = Some(last.id.clone()),
                _ => return Ok(done),
            }
        }
    }
}

/// The batches a channel receives, as an index takes them.
fn stream_of(received: mpsc::Receiver<Vec<AssetDocument>>) -> DocumentBatches {
    Box::pin(futures::stream::unfold(received, |mut received| async move {
        received.recv().await.map(|batch| (batch, received))
    }))
}
