//! The analysis stage of one asset: shots over the proxy, then on-screen text and
//! moderation over the frames ingest kept (or the picture of an image), each turned into a
//! timeline stored under `<asset>/analysis/`. One kind failing (a corrupt frame, a model
//! error) fails that kind with its reason; the others and the asset go on.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use image::DynamicImage;
use mediaport_core::{Catalog, CatalogError, Storage};
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, Asset, AssetStatus, AssetType, Frame, Timecode,
    TimelineItem,
};

use crate::inference::{ModelError, Models};
use crate::ingest::{IngestError, Progress};
use crate::timeline::{self, Detection, FrameResult};
use crate::tools::Tools;
use crate::vision::moderation::Moderation;
use crate::vision::ocr::Ocr;
use crate::vision::shots;

/// Frames fetched, decoded and analysed together: bounds memory on long videos.
const CHUNK: usize = 16;
const PARALLEL_GETS: usize = 8;

/// The vision models, loaded once per worker.
#[derive(Debug)]
pub struct Vision {
    pub ocr: Ocr,
    pub moderation: Moderation,
}

impl Vision {
    pub fn load(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { ocr: Ocr::new(models)?, moderation: Moderation::new(models)? })
    }
}

/// Which analyses run and how sure they must be, unless an asset's options say otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisDefaults {
    pub text: bool,
    pub moderation: bool,
    pub shots: bool,
    /// Detections below this confidence are dropped.
    pub min_confidence: f32,
    /// Frames whose unsafe score reaches this are flagged.
    pub moderation_threshold: f32,
}

impl AnalysisDefaults {
    /// The defaults with the asset's `ai_options` laid over them.
    fn of(&self, asset: &Asset) -> Self {
        let options = asset.ai_options.as_ref();
        let flag = |name: &str, default: bool| options.and_then(|o| o.get(name)?.as_bool()).unwrap_or(default);
        let level = |name: &str, default: f32| {
            options.and_then(|o| o.get(name)?.as_f64()).map_or(default, |v| v.clamp(0.0, 1.0) as f32)
        };
        Self {
            text: flag("text", self.text),
            moderation: flag("moderation", self.moderation),
            shots: flag("shots", self.shots),
            min_confidence: level("min_confidence", self.min_confidence),
            moderation_threshold: level("moderation_threshold", self.moderation_threshold),
        }
    }
}

/// What the stage needs.
#[derive(Clone)]
pub struct Analyse {
    pub catalog: Arc<dyn Catalog>,
    pub storage: Arc<dyn Storage>,
    pub tools: Tools,
    pub proxy_bucket: String,
    pub vision: Arc<Vision>,
    pub defaults: AnalysisDefaults,
}

/// Why one kind of analysis failed: the file's fault (kept as its reason), or the
/// machine's (the whole job is tried again).
enum Failure {
    Media(String),
    Transient(IngestError),
}

impl From<IngestError> for Failure {
    fn from(err: IngestError) -> Self {
        match err {
            IngestError::Media(reason) => Self::Media(reason),
            transient => Self::Transient(transient),
        }
    }
}

/// A picture to analyse and the time it stands for.
struct Picture {
    key: String,
    span: Timecode,
}

impl Analyse {
    /// Analyses one asset and returns it as recorded, `ready`.
    pub async fn run(&self, asset_id: &str, progress: &dyn Progress) -> Result<Asset, IngestError> {
        let asset = match self.catalog.get_asset(asset_id).await {
            Err(CatalogError::NotFound { .. }) => return Err(IngestError::Media("the asset no longer exists".into())),
            other => other?,
        };
        let options = self.defaults.of(&asset);
        let mut summaries = AnalysisSummaries::new();
        if options.shots && asset.asset_type == AssetType::Video {
            progress.step("shots").await;
            let result = self.shots(&asset).await;
            self.settle(&asset, AnalysisKind::Shot, result, &mut summaries).await?;
        }
        if options.text && asset.asset_type == AssetType::Document {
            progress.step("pages").await;
            let result = self.document_text(&asset, options.min_confidence).await;
            self.settle(&asset, AnalysisKind::Text, result, &mut summaries).await?;
        } else if options.text || options.moderation {
            progress.step("frames").await;
            let (text, moderation) = match self.pictures(&asset).await {
                Ok(pictures) => self.look(&pictures, &options).await,
                Err(err) => {
                    let failure = || match &err {
                        IngestError::Media(reason) => Err(Failure::Media(reason.clone())),
                        IngestError::Transient(reason) => {
                            Err(Failure::Transient(IngestError::Transient(reason.clone())))
                        }
                    };
                    (failure(), failure())
                }
            };
            if options.text {
                self.settle(&asset, AnalysisKind::Text, text, &mut summaries).await?;
            }
            if options.moderation {
                self.settle(&asset, AnalysisKind::Moderation, moderation, &mut summaries).await?;
            }
        }
        match self.catalog.record_analysis(&asset.id, &summaries, AssetStatus::Ready, None).await {
            Err(CatalogError::NotFound { .. }) => {
                Err(IngestError::Media("the asset was deleted during analysis".into()))
            }
            other => Ok(other?),
        }
    }

    /// Stores a kind's timeline and notes how it went; a transient failure stops the job.
    async fn settle(
        &self,
        asset: &Asset,
        kind: AnalysisKind,
        result: Result<Vec<TimelineItem>, Failure>,
        summaries: &mut AnalysisSummaries,
    ) -> Result<(), IngestError> {
        let summary = match result {
            Ok(items) => {
                let key = format!("{}/analysis/{}.json", asset.id, kind.as_str());
                let body = serde_json::to_vec(&mediaport_shared::Timeline { kind, items: items.clone() })
                    .map_err(|e| IngestError::Transient(e.to_string()))?;
                self.storage.put_object(&self.proxy_bucket, &key, body.into()).await?;
                let count = items.len() as u32;
                AnalysisSummary { status: AnalysisStatus::Done, count, error: None, key: Some(key) }
            }
            Err(Failure::Media(reason)) => {
                tracing::info!(asset = asset.id, kind = kind.as_str(), reason, "analysis failed");
                AnalysisSummary { status: AnalysisStatus::Failed, count: 0, error: Some(reason), key: None }
            }
            Err(Failure::Transient(err)) => return Err(err),
        };
        summaries.insert(kind, summary);
        Ok(())
    }

    async fn shots(&self, asset: &Asset) -> Result<Vec<TimelineItem>, Failure> {
        let outputs = asset.outputs.as_ref();
        let Some(proxy) = outputs.and_then(|o| o.video.as_ref()) else {
            return Err(Failure::Media("the asset has no video proxy".into()));
        };
        let work = self.tools.work_dir(&asset.id).map_err(|e| IngestError::Transient(e.to_string()))?;
        let video = work.path().join("proxy.mp4");
        let bytes = self.storage.get_object(&self.proxy_bucket, proxy).await.map_err(IngestError::from)?;
        tokio::fs::write(&video, bytes).await.map_err(|e| IngestError::Transient(e.to_string()))?;
        let duration = asset.duration_ms.unwrap_or(0);
        let report = shots::measure(&self.tools, &video, duration, work.path())
            .await
            .map_err(|e| Failure::Media(self.tools.redact(&format!("shots: {e}"))))?;
        let items = shots::timeline(&shots::boundaries(&report.scores), &report.black, duration);
        let fps = asset.technical.as_ref().and_then(|t| t.video.as_ref()).map_or(25.0, |v| v.fps);
        let edl = shots::edl(&asset.filename, &items, fps);
        let key = format!("{}/analysis/shot.edl", asset.id);
        self.storage.put_object(&self.proxy_bucket, &key, edl.into_bytes().into()).await.map_err(IngestError::from)?;
        Ok(items)
    }

    /// A document's lines with the pages they are on: the text ingest extracted, and for a
    /// page without any (a scan) what the recogniser reads on its picture.
    async fn document_text(&self, asset: &Asset, min_confidence: f32) -> Result<Vec<TimelineItem>, Failure> {
        let outputs = asset.outputs.clone().unwrap_or_default();
        let text = match &outputs.text {
            Some(key) => self.storage.get_object(&self.proxy_bucket, key).await.map_err(IngestError::from)?,
            None => Default::default(),
        };
        let text = String::from_utf8_lossy(&text);
        // pdftotext ends each page with a form feed.
        let texts: Vec<&str> = text.split('\x0c').collect();
        let mut found: Vec<(String, f32, u32)> = Vec::new();
        for (index, key) in outputs.pages.iter().enumerate() {
            let page = index as u32 + 1;
            let written = texts.get(index).map_or("", |t| t.trim());
            if !written.is_empty() {
                let lines = written.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
                found.extend(lines.filter(|l| !l.is_empty()).map(|l| (l, 1.0, page)));
                continue;
            }
            let picture = self.fetch(&[Picture { key: key.clone(), span: Timecode { begin: 0, end: 1 } }]).await?;
            let vision = self.vision.clone();
            let read = tokio::task::spawn_blocking(move || vision.ocr.read(&picture[0]))
                .await
                .map_err(|e| Failure::Media(format!("reading page {page} stopped: {e}")))?
                .map_err(|e| Failure::Media(format!("page {page}: the model failed: {e}")))?;
            let lines = read.into_iter().filter(|l| l.confidence >= min_confidence);
            found.extend(lines.map(|l| (l.text, l.confidence, page)));
        }
        Ok(by_line(found))
    }

    /// The pictures to look at: a video's kept frames, or an image's picture.
    async fn pictures(&self, asset: &Asset) -> Result<Vec<Picture>, IngestError> {
        let outputs = asset.outputs.clone().unwrap_or_default();
        if let Some(image) = outputs.image {
            return Ok(vec![Picture { key: image, span: Timecode { begin: 0, end: 1 } }]);
        }
        let Some(set) = outputs.frames else { return Ok(Vec::new()) };
        let manifest = self.storage.get_object(&self.proxy_bucket, &set.manifest).await?;
        let frames: Vec<Frame> = serde_json::from_slice(&manifest)
            .map_err(|e| IngestError::Media(format!("the frame list cannot be read: {e}")))?;
        let kept: Vec<Frame> = frames.into_iter().filter(|f| f.kept).collect();
        let times: Vec<u64> = kept.iter().map(|f| f.time_ms).collect();
        let interval = (1000.0 / set.rate.max(1.0 / 60.0)).round() as u64;
        let spans = timeline::spans(&times, interval, asset.duration_ms.unwrap_or(u64::MAX / 2));
        Ok(kept.into_iter().zip(spans).map(|(f, span)| Picture { key: f.key, span }).collect())
    }

    /// Runs text and moderation over the pictures, a chunk at a time.
    async fn look(
        &self,
        pictures: &[Picture],
        options: &AnalysisDefaults,
    ) -> (Result<Vec<TimelineItem>, Failure>, Result<Vec<TimelineItem>, Failure>) {
        let mut text = Vec::new();
        let mut unsafe_frames = Vec::new();
        for chunk in pictures.chunks(CHUNK) {
            let decoded = match self.fetch(chunk).await {
                Ok(decoded) => decoded,
                Err(failure) => {
                    let again = match &failure {
                        Failure::Media(reason) => Failure::Media(reason.clone()),
                        Failure::Transient(err) => Failure::Transient(IngestError::Transient(err.to_string())),
                    };
                    return (Err(failure), Err(again));
                }
            };
            let vision = self.vision.clone();
            let options = options.clone();
            let spans: Vec<Timecode> = chunk.iter().map(|p| p.span).collect();
            let looked = tokio::task::spawn_blocking(move || look_at(&vision, &decoded, &spans, &options)).await;
            match looked {
                Ok(Ok((t, m))) => {
                    text.extend(t);
                    unsafe_frames.extend(m);
                }
                Ok(Err(err)) => {
                    let reason = format!("the model failed: {err}");
                    return (Err(Failure::Media(reason.clone())), Err(Failure::Media(reason)));
                }
                Err(panic) => {
                    let reason = format!("analysis stopped: {panic}");
                    return (Err(Failure::Media(reason.clone())), Err(Failure::Media(reason)));
                }
            }
        }
        (Ok(timeline::merge(&text)), Ok(timeline::merge(&unsafe_frames)))
    }

    /// Fetches and decodes a chunk of pictures; one that cannot be decoded fails the chunk.
    async fn fetch(&self, chunk: &[Picture]) -> Result<Vec<DynamicImage>, Failure> {
        // Owned keys and handles: borrowing closures make this future's Send-ness unprovable.
        let gets: Vec<_> = chunk
            .iter()
            .map(|p| {
                let (storage, bucket, key) = (self.storage.clone(), self.proxy_bucket.clone(), p.key.clone());
                async move { storage.get_object(&bucket, &key).await }
            })
            .collect();
        let bytes: Vec<bytes::Bytes> =
            futures::stream::iter(gets).buffered(PARALLEL_GETS).try_collect().await.map_err(IngestError::from)?;
        let names: Vec<String> =
            chunk.iter().map(|p| p.key.rsplit('/').next().unwrap_or_default().to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            bytes
                .iter()
                .zip(&names)
                .map(|(b, name)| {
                    image::load_from_memory(b).map_err(|e| Failure::Media(format!("frame {name} cannot be read: {e}")))
                })
                .collect()
        })
        .await
        .map_err(|e| Failure::Media(format!("decoding stopped: {e}")))?
    }
}

type Looked = (Vec<FrameResult>, Vec<FrameResult>);

/// Text and moderation on decoded pictures (blocking: runs on the blocking pool).
fn look_at(
    vision: &Vision,
    pictures: &[DynamicImage],
    spans: &[Timecode],
    options: &AnalysisDefaults,
) -> Result<Looked, ModelError> {
    let mut text = Vec::new();
    let mut flagged = Vec::new();
    if options.text {
        for (picture, span) in pictures.iter().zip(spans) {
            let (w, h) = (picture.width() as f32, picture.height() as f32);
            let detections = vision
                .ocr
                .read(picture)?
                .into_iter()
                .filter(|line| line.confidence >= options.min_confidence)
                .map(|line| Detection {
                    name: line.text,
                    confidence: line.confidence,
                    area: Some([
                        line.left as f32 / w,
                        line.top as f32 / h,
                        line.width as f32 / w,
                        line.height as f32 / h,
                    ]),
                })
                .collect();
            text.push(FrameResult { span: *span, detections });
        }
    }
    if options.moderation {
        let scores = vision.moderation.scores(pictures)?;
        for (score, span) in scores.into_iter().zip(spans) {
            let detections = (score >= options.moderation_threshold)
                .then(|| Detection { name: "unsafe".into(), confidence: score, area: None })
                .into_iter()
                .collect();
            flagged.push(FrameResult { span: *span, detections });
        }
    }
    Ok((text, flagged))
}

/// Lines found on pages, one item per distinct line with every page it is on.
fn by_line(found: Vec<(String, f32, u32)>) -> Vec<TimelineItem> {
    let mut items: Vec<TimelineItem> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (line, confidence, page) in found {
        let at = *index.entry(line.clone()).or_insert_with(|| {
            items.push(TimelineItem {
                name: line,
                confidence: 0.0,
                timecodes: Vec::new(),
                boxes: Vec::new(),
                pages: Vec::new(),
            });
            items.len() - 1
        });
        let item = &mut items[at];
        item.confidence = item.confidence.max(confidence);
        if item.pages.last() != Some(&page) {
            item.pages.push(page);
        }
    }
    items
}
