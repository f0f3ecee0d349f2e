//! The pictures of an asset (a video's kept frames, an image) fetched a chunk at a time,
//! decoded, and looked at by the models: objects, text and unsafe content per frame.

use futures::{StreamExt, TryStreamExt};
use image::DynamicImage;
use mediaport_shared::{AnalysisKind, Asset, Frame, Timecode, TimelineItem, WordBox};

use super::faces::{Grouping, SeenFace};
use super::{Analyse, AnalysisDefaults, Failure, Vision};
use crate::inference::ModelError;
use crate::job::JobError;
use crate::timeline::{self, Detection, FrameResult};
use crate::vision::cells::{self, Cells};
use crate::vision::ocr::Recent;

/// Frames fetched, decoded and analysed together: bounds memory on long videos.
const CHUNK: usize = 16;
const PARALLEL_GETS: usize = 8;

/// A picture to analyse and the time it stands for.
pub(super) struct Picture {
    pub key: String,
    pub span: Timecode,
}

/// What the models found, frame by frame.
#[derive(Debug, Default)]
pub(super) struct Found {
    labels: Vec<FrameResult>,
    text: Vec<FrameResult>,
    moderation: Vec<FrameResult>,
    /// Faces of the frames of one chunk, before grouping.
    seen: Vec<SeenFace>,
    /// Faces grouped by person; holds one chip per person, not every face's.
    pub faces: Grouping,
    /// Kinds whose model failed (faces under `Face`), with the reason: one model's error
    /// fails its own kind, and that model is not run on the later chunks.
    failed: Vec<(AnalysisKind, String)>,
}

impl Found {
    /// A kind's timeline, or why its model failed.
    pub(super) fn timeline(&self, kind: AnalysisKind) -> Result<Vec<TimelineItem>, Failure> {
        self.failure(kind)?;
        Ok(match kind {
            AnalysisKind::Label => timeline::merge(&self.labels),
            AnalysisKind::Text => timeline::merge(&self.text),
            AnalysisKind::Moderation => timeline::merge(&self.moderation),
            _ => Vec::new(),
        })
    }

    /// Why a kind's model failed, if it did.
    pub(super) fn failure(&self, kind: AnalysisKind) -> Result<(), Failure> {
        match self.failed.iter().find(|(failed, _)| *failed == kind) {
            Some((_, reason)) => Err(Failure::Media(reason.clone())),
            None => Ok(()),
        }
    }

    fn fail(&mut self, kind: AnalysisKind, err: &ModelError) {
        self.failed.push((kind, format!("the model failed: {err}")));
    }

    fn extend(&mut self, more: Found) {
        self.labels.extend(more.labels);
        self.text.extend(more.text);
        self.moderation.extend(more.moderation);
        self.failed.extend(more.failed);
        for seen in more.seen {
            self.faces.add(seen);
        }
    }
}

impl Analyse {
    /// The pictures to look at: a video's kept frames, or an image's picture.
    pub(super) async fn pictures(&self, asset: &Asset) -> Result<Vec<Picture>, JobError> {
        let outputs = asset.outputs.clone().unwrap_or_default();
        if let Some(image) = outputs.image {
            return Ok(vec![Picture { key: image, span: Timecode { begin: 0, end: 1 } }]);
        }
        let Some(set) = outputs.frames else { return Ok(Vec::new()) };
        let manifest = self.storage.get_object(&self.proxy_bucket, &set.manifest).await?;
        let frames: Vec<Frame> = serde_json::from_slice(&manifest)
            .map_err(|e| JobError::Media(format!("the frame list cannot be read: {e}")))?;
        let kept: Vec<Frame> = frames.into_iter().filter(|f| f.kept).collect();
        let times: Vec<u64> = kept.iter().map(|f| f.time_ms).collect();
        let interval = (1000.0 / set.rate.max(1.0 / 60.0)).round() as u64;
        let spans = timeline::spans(&times, interval, asset.duration_ms.unwrap_or(u64::MAX / 2));
        Ok(kept.into_iter().zip(spans).map(|(f, span)| Picture { key: f.key, span }).collect())
    }

    /// Runs the wanted models over the pictures, a chunk at a time, fetching and decoding
    /// the next chunk while the models look at this one.
    pub(super) async fn look(&self, pictures: &[Picture], options: &AnalysisDefaults) -> Result<Found, Failure> {
        let mut found = Found::default();
        let mut options = options.clone();
        let vision = super::loaded(&self.vision).await?;
        let mut carried = Carried::default();
        let chunks: Vec<&[Picture]> = pictures.chunks(CHUNK).collect();
        let mut decoded = match chunks.first() {
            Some(chunk) => self.fetch(chunk).await?,
            None => Vec::new(),
        };
        for (at, chunk) in chunks.iter().enumerate() {
            // A model that failed is not asked again.
            options.labels &= found.failure(AnalysisKind::Label).is_ok();
            options.text &= found.failure(AnalysisKind::Text).is_ok();
            options.moderation &= found.failure(AnalysisKind::Moderation).is_ok();
            options.faces &= found.failure(AnalysisKind::Face).is_ok();
            let (vision, options) = (vision.clone(), options.clone());
            let spans: Vec<Timecode> = chunk.iter().map(|p| p.span).collect();
            let pictures = std::mem::take(&mut decoded);
            let looking = tokio::task::spawn_blocking(move || {
                let still = cells::still(pictures.iter().map(Cells::of).collect(), &mut carried.anchor);
                carried.still += still.iter().filter(|s| **s).count();
                let found = look_at(&vision, pictures, &spans, &options, &still, &mut carried);
                (found, carried)
            });
            let next = async {
                match chunks.get(at + 1) {
                    Some(next) => self.fetch(next).await,
                    None => Ok(Vec::new()),
                }
            };
            let (looked, next) = tokio::join!(looking, next);
            let looked = looked.map_err(|panic| Failure::Media(format!("analysis stopped: {panic}")))?;
            carried = looked.1;
            found.extend(looked.0);
            decoded = next?;
        }
        tracing::info!(
            frames = pictures.len(),
            still = carried.still,
            "frames analysed, the still ones carried forward"
        );
        Ok(found)
    }

    /// Fetches and decodes a chunk of pictures; one that cannot be decoded fails the chunk.
    pub(super) async fn fetch(&self, chunk: &[Picture]) -> Result<Vec<DynamicImage>, Failure> {
        // Owned keys and handles: borrowing closures make this future's Send-ness unprovable.
        let gets: Vec<_> = chunk
            .iter()
            .map(|p| {
                let (storage, bucket, key) = (self.storage.clone(), self.proxy_bucket.clone(), p.key.clone());
                async move { storage.get_object(&bucket, &key).await }
            })
            .collect();
        let bytes: Vec<bytes::Bytes> =
            futures::stream::iter(gets).buffered(PARALLEL_GETS).try_collect().await.map_err(JobError::from)?;
        let names: Vec<String> =
            chunk.iter().map(|p| p.key.rsplit('/').next().unwrap_or_default().to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            bytes
                .iter()
                .zip(&names)
                .map(|(b, name)| {
                    let picture = image::load_from_memory(b)
                        .map_err(|e| Failure::Media(format!("frame {name} cannot be read: {e}")))?;
                    // The models scale every picture: one with no pixels has nothing to scale.
                    if picture.width() < 2 || picture.height() < 2 {
                        return Err(Failure::Media(format!("frame {name} is too small to analyse")));
                    }
                    Ok(picture)
                })
                .collect()
        })
        .await
        .map_err(|e| Failure::Media(format!("decoding stopped: {e}")))?
    }
}

/// What one chunk hands the next: the last new picture's cells, what the models found on
/// it, and its lines of text as read.
#[derive(Default)]
struct Carried {
    anchor: Option<Cells>,
    look: Option<Look>,
    lines: Recent,
    /// How many pictures were still so far.
    still: usize,
}

/// What the models found on one picture, carried forward to the still ones after it.
struct Look {
    labels: Option<Vec<Detection>>,
    text: Option<Vec<Detection>>,
    moderation: Option<Vec<Detection>>,
    faces: Vec<SeenFace>,
}

/// The wanted models on the decoded pictures that are not `still` (blocking: runs on the
/// blocking pool); a still picture gets the findings of the last one looked at (from an
/// earlier chunk for this chunk's first). Each model's error is kept for its own kind.
fn look_at(
    vision: &Vision,
    pictures: Vec<DynamicImage>,
    spans: &[Timecode],
    options: &AnalysisDefaults,
    still: &[bool],
    carried: &mut Carried,
) -> Found {
    let last = &mut carried.look;
    let is_new: Vec<bool> = (0..pictures.len()).map(|i| !still[i] || (i == 0 && last.is_none())).collect();
    let new_pictures: Vec<DynamicImage> =
        pictures.into_iter().zip(&is_new).filter(|(_, n)| **n).map(|(p, _)| p).collect();
    let new_spans: Vec<Timecode> = spans.iter().zip(&is_new).filter(|(_, n)| **n).map(|(s, _)| *s).collect();
    let looked = run_models(vision, &new_pictures, &new_spans, options, &mut carried.lines);
    let mut found = Found { failed: looked.failed, ..Found::default() };
    let (mut labels, mut text, mut moderation) =
        (looked.labels.into_iter(), looked.text.into_iter(), looked.moderation.into_iter());
    let mut faces = looked.seen.into_iter().peekable();
    for (span, new) in spans.iter().zip(is_new) {
        if new {
            let mut look = Look {
                labels: labels.next().map(|f| f.detections),
                text: text.next().map(|f| f.detections),
                moderation: moderation.next().map(|f| f.detections),
                faces: Vec::new(),
            };
            while let Some(face) = faces.next_if(|f| f.span == *span) {
                look.faces.push(face);
            }
            *last = Some(look);
        }
        let Some(look) = last.as_ref() else { continue };
        let frame = |detections: &Option<Vec<Detection>>| {
            detections.clone().map(|detections| FrameResult { span: *span, detections })
        };
        found.labels.extend(frame(&look.labels));
        found.text.extend(frame(&look.text));
        found.moderation.extend(frame(&look.moderation));
        found.seen.extend(look.faces.iter().map(|face| SeenFace { span: *span, ..face.clone() }));
    }
    found
}

/// The wanted models on decoded pictures. Each model's error is kept for its own kind.
fn run_models(
    vision: &Vision,
    pictures: &[DynamicImage],
    spans: &[Timecode],
    options: &AnalysisDefaults,
    lines: &mut Recent,
) -> Found {
    let mut found = Found::default();
    let each = |one: &mut dyn FnMut(&DynamicImage) -> Result<Vec<Detection>, ModelError>| {
        pictures
            .iter()
            .zip(spans)
            .map(|(picture, span)| Ok(FrameResult { span: *span, detections: one(picture)? }))
            .collect::<Result<Vec<_>, ModelError>>()
    };
    if options.labels {
        match each(&mut |picture| labels(vision, picture, options)) {
            Ok(frames) => found.labels = frames,
            Err(err) => found.fail(AnalysisKind::Label, &err),
        }
    }
    if options.text {
        match each(&mut |picture| text(vision, picture, options, lines)) {
            Ok(frames) => found.text = frames,
            Err(err) => found.fail(AnalysisKind::Text, &err),
        }
    }
    if options.faces {
        match faces(vision, pictures, spans, options) {
            Ok(seen) => found.seen = seen,
            Err(err) => found.fail(AnalysisKind::Face, &err),
        }
    }
    if options.moderation {
        match moderation(vision, pictures, spans, options) {
            Ok(frames) => found.moderation = frames,
            Err(err) => found.fail(AnalysisKind::Moderation, &err),
        }
    }
    found
}

fn labels(vision: &Vision, picture: &DynamicImage, options: &AnalysisDefaults) -> Result<Vec<Detection>, ModelError> {
    let (w, h) = (picture.width() as f32, picture.height() as f32);
    Ok(vision
        .labels
        .detect(picture, options.label_confidence)?
        .into_iter()
        .map(|o| Detection {
            name: o.label.to_owned(),
            confidence: o.score,
            area: Some([o.left / w, o.top / h, (o.right - o.left) / w, (o.bottom - o.top) / h]),
            words: Vec::new(),
        })
        .collect())
}

fn text(
    vision: &Vision,
    picture: &DynamicImage,
    options: &AnalysisDefaults,
    recent: &mut Recent,
) -> Result<Vec<Detection>, ModelError> {
    let (w, h) = (picture.width() as f32, picture.height() as f32);
    Ok(vision
        .ocr
        .read_after(picture, recent)?
        .into_iter()
        .filter(|line| line.confidence >= options.min_confidence)
        .map(|line| Detection {
            name: line.text,
            confidence: line.confidence,
            area: Some([line.left as f32 / w, line.top as f32 / h, line.width as f32 / w, line.height as f32 / h]),
            words: line
                .words
                .into_iter()
                .map(|word| WordBox {
                    text: word.text,
                    left: word.left as f32 / w,
                    top: word.top as f32 / h,
                    width: word.width as f32 / w,
                    height: word.height as f32 / h,
                })
                .collect(),
        })
        .collect())
}

fn faces(
    vision: &Vision,
    pictures: &[DynamicImage],
    spans: &[Timecode],
    options: &AnalysisDefaults,
) -> Result<Vec<SeenFace>, ModelError> {
    let mut seen = Vec::new();
    for (picture, span) in pictures.iter().zip(spans) {
        let (w, h) = (picture.width() as f32, picture.height() as f32);
        let found = vision.faces.find(picture, options.min_face_size)?;
        let traits = if options.face_traits && !found.is_empty() {
            vision.traits.describe(&picture.to_rgb8(), &found.iter().map(|f| &f.found).collect::<Vec<_>>())?
        } else {
            Vec::new()
        };
        for (n, face) in found.into_iter().enumerate() {
            let b = &face.found;
            let area = [b.left / w, b.top / h, b.width() / w, b.height() / h];
            seen.push(SeenFace { span: *span, area, face, traits: traits.get(n).copied() });
        }
    }
    Ok(seen)
}

/// Scored a batch at a time, not per picture, as the model runs fastest; each category
/// that reaches the threshold is flagged on the frame.
fn moderation(
    vision: &Vision,
    pictures: &[DynamicImage],
    spans: &[Timecode],
    options: &AnalysisDefaults,
) -> Result<Vec<FrameResult>, ModelError> {
    let found = vision.moderation.categories(pictures)?;
    Ok(found
        .into_iter()
        .zip(spans)
        .map(|(categories, span)| {
            let detections = categories
                .named()
                .into_iter()
                .filter(|(_, likelihood)| *likelihood >= options.moderation_threshold)
                .map(|(name, confidence)| Detection { name: name.into(), confidence, area: None, words: Vec::new() })
                .collect();
            FrameResult { span: *span, detections }
        })
        .collect())
}
