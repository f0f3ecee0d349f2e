//! The analysis stage of one asset: shots over the proxy, then objects, on-screen text and
//! moderation over the frames ingest kept (or the picture of an image, or a document's
//! pages), the transcript of its sound, and last key phrases, entities and sentiment over
//! all the sentences found, each turned into a timeline stored under `<asset>/analysis/`.
//! One kind failing (a corrupt frame, a model error) fails that kind with its reason; the
//! others and the asset go on.

mod clip;
mod document;
mod faces;
mod frames;
mod language;
mod reread;
mod scenes;
mod speech;

use std::sync::Arc;

use mediaport_core::analysis::AnalysisDefaults;
use mediaport_core::corrections;
use mediaport_core::keys;
use mediaport_core::results::{Results, in_force};
use mediaport_core::settings::saved_ai_options;
use mediaport_core::{
    Catalog, CatalogError, FaceCatalog, PeopleCatalog, SearchIndex, Storage, StorageError, VectorIndex,
};
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, Asset, AssetId, AssetStatus, AssetType, Timeline,
    TimelineItem,
};

use crate::indexer::Indexer;
use crate::inference::{ModelError, Models};
use crate::ingest::SHOTS_REPORT;
use crate::job::{JobError, Progress};
use crate::language::sentences::{self, Sentence};
use crate::language::{Language, Wanted};
use crate::on_demand::{self, OnDemand, Releasable};
use crate::speech::Speech;
use crate::tools::Tools;
use crate::vision::faces::Faces;
use crate::vision::faces::traits::Describer;
use crate::vision::labels::Labels;
use crate::vision::moderation::Moderation;
use crate::vision::ocr::Ocr;
use crate::vision::{cues, shots};

/// The vision models, loaded once per worker.
#[derive(Debug)]
pub struct Vision {
    pub labels: Labels,
    pub ocr: Ocr,
    pub moderation: Moderation,
    /// Shared with the server, which indexes collection faces with it.
    pub faces: Arc<Faces>,
    /// Faces' apparent age, gender and expression, when asked for.
    pub traits: Describer,
}

impl Vision {
    pub fn load(models: &Models) -> Result<Self, ModelError> {
        Ok(Self {
            labels: Labels::new(models)?,
            ocr: Ocr::new(models)?,
            moderation: Moderation::new(models)?,
            faces: Arc::new(Faces::new(models)?),
            traits: Describer::new(models)?,
        })
    }
}

/// What the stage needs.
#[derive(Clone)]
pub struct Analyse {
    pub catalog: Arc<dyn Catalog>,
    pub storage: Arc<dyn Storage>,
    pub tools: Tools,
    pub proxy_bucket: String,
    pub vision: Arc<OnDemand<Vision>>,
    pub speech: Arc<OnDemand<Speech>>,
    pub language: Arc<OnDemand<Language>>,
    pub search: Arc<dyn SearchIndex>,
    /// Face collections' embeddings, searched to recognise people.
    pub vectors: Arc<dyn VectorIndex>,
    /// Face collections' names.
    pub faces: Arc<dyn FaceCatalog>,
    /// Where faces nobody named are grouped into people across assets.
    pub people: Arc<dyn PeopleCatalog>,
    pub defaults: AnalysisDefaults,
}

/// Why one kind of analysis failed: the file's fault (kept as its reason), or the
/// machine's (the whole job is tried again).
enum Failure {
    Media(String),
    Transient(JobError),
}

impl From<JobError> for Failure {
    fn from(err: JobError) -> Self {
        match err {
            JobError::Media(reason) => Self::Media(reason),
            transient => Self::Transient(transient),
        }
    }
}

/// A model set, loaded first if it is not in memory (on a blocking thread: it takes seconds).
async fn loaded<T: Send + Sync + 'static>(set: &Arc<OnDemand<T>>) -> Result<Arc<T>, JobError> {
    let set = set.clone();
    tokio::task::spawn_blocking(move || set.get())
        .await
        .map_err(|e| JobError::Transient(e.to_string()))?
        .map_err(|e| JobError::Transient(format!("cannot load the models: {e}")))
}

impl Analyse {
    /// The search indexer over the same catalog and storage.
    /// Stored results as people read them, reviewers' corrections laid over.
    pub fn results(&self) -> Results<'_> {
        Results { storage: self.storage.as_ref(), proxy_bucket: &self.proxy_bucket, catalog: self.catalog.as_ref() }
    }

    pub fn indexer(&self) -> Indexer {
        Indexer {
            catalog: self.catalog.clone(),
            storage: self.storage.clone(),
            proxy_bucket: self.proxy_bucket.clone(),
            search: self.search.clone(),
            vectors: self.vectors.clone(),
        }
    }

    /// Analyses one asset and returns it as recorded, `ready`.
    pub async fn run(&self, asset_id: &AssetId, progress: &dyn Progress) -> Result<Asset, JobError> {
        let asset = match self.catalog.get_asset(asset_id).await {
            Err(CatalogError::NotFound { .. }) => return Err(JobError::Media("the asset no longer exists".into())),
            other => other?,
        };
        let saved = saved_ai_options(self.catalog.as_ref()).await?;
        let options = self.defaults.for_asset(&saved, &asset);
        let mut summaries = AnalysisSummaries::new();
        // What was said and written, for the language kinds, as reviewers corrected it.
        let corrected = in_force(&self.catalog.corrections(&asset.id).await?);
        let mut sentences: Vec<Sentence> = Vec::new();
        let mut language = options.language.clone();
        let mut faces_found = None;
        let mut cuts = None;
        // The shot timeline is stored once the on-screen text is known: its slate and credits need it.
        let mut shot_items = None;
        let mut text_lines = Vec::new();
        if options.shots && asset.asset_type == AssetType::Video {
            progress.step("shots").await;
            shot_items = Some(self.shots(&asset).await.map(|(items, measured)| {
                cuts = Some(measured);
                items
            }));
        }
        if options.text && asset.asset_type == AssetType::Document {
            progress.step("pages").await;
            let result = self.document_text(&asset, options.min_confidence).await;
            let result = result.map(|(items, pages)| {
                sentences.extend(sentences::from_pages(&pages));
                Timeline::new(AnalysisKind::Text, items)
            });
            self.settle(&asset, AnalysisKind::Text, result, &mut summaries).await?;
        } else if options.labels || options.text || options.moderation || options.faces {
            progress.step("frames").await;
            let looked = match self.pictures(&asset).await {
                Ok(pictures) => self.look(&pictures, &options).await,
                Err(err) => Err(Failure::from(err)),
            };
            let wanted = [
                (options.labels, AnalysisKind::Label),
                (options.text, AnalysisKind::Text),
                (options.moderation, AnalysisKind::Moderation),
            ];
            for kind in wanted.into_iter().filter_map(|(on, kind)| on.then_some(kind)) {
                let result = match &looked {
                    Ok(found) => found.timeline(kind).map(|items| Timeline::new(kind, items)),
                    Err(Failure::Media(reason)) => Err(Failure::Media(reason.clone())),
                    Err(Failure::Transient(err)) => return Err(JobError::Transient(err.to_string())),
                };
                if let (Ok(timeline), AnalysisKind::Text) = (&result, kind) {
                    // Read as reviewers corrected it: a caption they rejected says nothing.
                    sentences
                        .extend(sentences::from_text(&corrections::apply(timeline.clone(), &corrected).timeline.items));
                    text_lines.clone_from(&timeline.items);
                }
                self.settle(&asset, kind, result, &mut summaries).await?;
            }
            if options.faces {
                progress.step("faces").await;
                let mut expressions = None;
                let result = match looked.and_then(|found| found.failure(AnalysisKind::Face).map(|()| found)) {
                    Ok(found) => {
                        expressions = options.face_traits.then(|| found.faces.expressions());
                        self.settle_faces(&asset, found.faces, options.face_collection.as_deref()).await
                    }
                    Err(err) => Err(err),
                };
                // Their timelines are made last, with the names people have then.
                match result {
                    Ok(found) => {
                        faces_found = Some(found);
                        if let Some(items) = expressions {
                            let timeline = Timeline::new(AnalysisKind::Emotion, items);
                            self.settle(&asset, AnalysisKind::Emotion, Ok(timeline), &mut summaries).await?;
                        }
                    }
                    Err(Failure::Media(reason)) => {
                        let failed = [AnalysisKind::Face, AnalysisKind::FaceMatch, AnalysisKind::Emotion];
                        for kind in failed.into_iter().filter(|k| options.face_traits || *k != AnalysisKind::Emotion) {
                            self.settle(&asset, kind, Err(Failure::Media(reason.clone())), &mut summaries).await?;
                        }
                    }
                    Err(Failure::Transient(err)) => return Err(err),
                }
            }
        }
        if let Some(result) = shot_items {
            let duration = asset.duration_ms.unwrap_or(0);
            let result = result.map(|mut items| {
                if let Some(cuts) = &cuts {
                    let shots = shots::spans(&items);
                    items.extend(cues::timeline(&cues::Sources::of(&shots, cuts, &text_lines, duration)));
                }
                Timeline::new(AnalysisKind::Shot, items)
            });
            self.settle(&asset, AnalysisKind::Shot, result, &mut summaries).await?;
        }
        // Audio files, and videos with a sound track (a silent film has no audio proxy).
        let has_audio = asset.outputs.as_ref().is_some_and(|o| o.audio.is_some());
        if options.transcript && has_audio && matches!(asset.asset_type, AssetType::Video | AssetType::Audio) {
            progress.step("transcript").await;
            let model = &options.transcript_model;
            let result = self.transcript(&asset, model, options.language.clone(), &options.hot_words).await;
            if let Ok(timeline) = &result {
                let said = corrections::apply(timeline.clone(), &corrected).timeline;
                sentences.splice(0..0, sentences::from_transcript(&said.items));
                language = timeline.language.clone().or(language);
            }
            self.settle(&asset, AnalysisKind::Transcript, result, &mut summaries).await?;
        }
        if sentences.is_empty() {
            self.forget_sentences(&asset).await;
        } else {
            progress.step("language").await;
            let language = language.unwrap_or_else(|| "en".into());
            let wanted =
                Wanted { keyphrases: options.keyphrases, entities: options.entities, sentiment: options.sentiment };
            self.language(&asset, sentences, language, wanted, &mut summaries).await?;
        }
        // A reviewer may have named someone while the stages above ran: a relabelling job
        // that came meanwhile left this asset to its analysis.
        if let Some(found) = &faces_found {
            self.name_faces(&asset, found, &mut summaries).await?;
        }
        // Last: scenes read what every other kind found.
        if options.scenes && asset.asset_type == AssetType::Video {
            progress.step("scenes").await;
            self.scenes(&asset, cuts.as_ref(), &options, &mut summaries).await?;
        }
        // Indexed before it shows as ready: a reviewer told it is ready finds it at once.
        let analysed = Asset { analysis: summaries.clone(), ..asset.clone() };
        if let Err(err) = self.indexer().index_asset(&analysed).await {
            tracing::warn!(asset = %asset.id, error = %err, "cannot update the search index");
        }
        let recorded = match self.catalog.record_analysis(&asset.id, &summaries, AssetStatus::Ready, None).await {
            Err(CatalogError::NotFound { .. }) => {
                return Err(JobError::Media("the asset was deleted during analysis".into()));
            }
            other => other?,
        };
        self.forget_timelines(&asset.analysis, &summaries).await;
        Ok(recorded)
    }

    /// Lets go of the models nobody used for their idle time; returns how many sets.
    pub fn release_idle_models(&self) -> usize {
        let sets: [Arc<dyn Releasable>; 3] = [self.vision.clone(), self.speech.clone(), self.language.clone()];
        on_demand::release_idle_models(&sets)
    }

    /// Deletes the timelines an earlier analysis stored that `now` no longer points at.
    /// Each analysis stores its own (see [`Self::settle`]), so readers see the old ones
    /// until the catalog switches to the new, never a mix.
    async fn forget_timelines(&self, before: &AnalysisSummaries, now: &AnalysisSummaries) {
        let kept: Vec<&String> = now.values().filter_map(|s| s.key.as_ref()).collect();
        let stale: Vec<String> =
            before.values().filter_map(|s| s.key.clone()).filter(|key| !kept.contains(&key)).collect();
        if stale.is_empty() {
            return;
        }
        if let Err(err) = self.storage.delete_objects(&self.proxy_bucket, &stale).await {
            tracing::warn!(error = %err, stale = stale.len(), "cannot delete replaced timelines");
        }
    }

    /// Stores a kind's timeline and notes how it went; a transient failure stops the job.
    async fn settle(
        &self,
        asset: &Asset,
        kind: AnalysisKind,
        result: Result<Timeline, Failure>,
        summaries: &mut AnalysisSummaries,
    ) -> Result<(), JobError> {
        let summary = match result {
            Ok(timeline) => {
                let key = keys::timeline(&asset.id, kind, &mediaport_core::new_id::<String>());
                let body = serde_json::to_vec(&timeline).map_err(|e| JobError::Transient(e.to_string()))?;
                self.storage.put_object(&self.proxy_bucket, &key, body.into()).await?;
                let count = timeline.items.len() as u32;
                AnalysisSummary {
                    status: AnalysisStatus::Done,
                    count,
                    error: None,
                    key: Some(key),
                    language: timeline.language,
                }
            }
            Err(Failure::Media(reason)) => {
                tracing::info!(asset = %asset.id, kind = kind.as_str(), reason, "analysis failed");
                AnalysisSummary {
                    status: AnalysisStatus::Failed,
                    count: 0,
                    error: Some(reason),
                    key: None,
                    language: None,
                }
            }
            Err(Failure::Transient(err)) => return Err(err),
        };
        summaries.insert(kind, summary);
        Ok(())
    }

    /// Streams an object of the proxy bucket to a file: a proxy of hours does not fit in memory.
    async fn download(&self, key: &str, dest: &std::path::Path) -> Result<(), JobError> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let io = |e: std::io::Error| JobError::Transient(e.to_string());
        let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut stream = self.storage.read_from(&self.proxy_bucket, key, 0).await?;
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk?).await.map_err(io)?;
        }
        file.flush().await.map_err(io)
    }

    /// The shot timeline, and the cuts and cues it was made from.
    async fn shots(&self, asset: &Asset) -> Result<(Vec<TimelineItem>, shots::Cuts), Failure> {
        let duration = asset.duration_ms.unwrap_or(0);
        let cuts = match self.measured_cuts(asset).await? {
            Some(cuts) => cuts,
            None => self.measure_cuts(asset).await?,
        };
        let items = shots::timeline(&cuts.boundaries, &cuts.black, duration);
        let fps = asset.technical.as_ref().and_then(|t| t.video.as_ref()).map_or(25.0, |v| v.fps);
        let edl = shots::edl(&asset.filename, &items, fps, &[]);
        let key = keys::shot_list(&asset.id);
        self.storage.put_object(&self.proxy_bucket, &key, edl.into_bytes().into()).await.map_err(JobError::from)?;
        Ok((items, cuts))
    }

    /// The cuts ingest measured while it made the proxies (none for assets ingested before
    /// it did; an unreadable report is measured again).
    async fn measured_cuts(&self, asset: &Asset) -> Result<Option<shots::Cuts>, JobError> {
        let reports = asset.outputs.as_ref().map(|o| o.reports.as_slice()).unwrap_or_default();
        let Some(key) = reports.iter().find(|key| key.ends_with(SHOTS_REPORT)) else { return Ok(None) };
        let body = match self.storage.get_object(&self.proxy_bucket, key).await {
            Err(StorageError::NoSuchKey { .. }) => return Ok(None),
            other => other?,
        };
        Ok(serde_json::from_slice(&body).ok())
    }

    /// Measures the cuts on the proxy, for assets ingest did not measure.
    async fn measure_cuts(&self, asset: &Asset) -> Result<shots::Cuts, Failure> {
        let outputs = asset.outputs.as_ref();
        let Some(proxy) = outputs.and_then(|o| o.video.as_ref()) else {
            return Err(Failure::Media("the asset has no video proxy".into()));
        };
        let work = self.tools.work_dir(asset.id.as_str()).map_err(|e| JobError::Transient(e.to_string()))?;
        let video = work.path().join("proxy.mp4");
        self.download(proxy, &video).await?;
        let duration = asset.duration_ms.unwrap_or(0);
        let with_sound = outputs.is_some_and(|o| o.audio.is_some());
        let report = shots::measure(&self.tools, &video, with_sound, duration, work.path())
            .await
            .map_err(|e| Failure::Media(self.tools.redact(&format!("shots: {e}"))))?;
        Ok(shots::Cuts::of(&report, duration))
    }
}
