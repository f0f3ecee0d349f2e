//! Faces across an asset's frames grouped into people, recognised against a collection,
//! and turned into the `face` and `face_match` timelines, with a chip of each person.

use image::RgbImage;
use std::collections::{HashMap, HashSet};

use mediaport_core::faces::space;
use mediaport_core::keys;
use mediaport_core::people::{self, Called};
use mediaport_core::{AppearanceRecord, CatalogError, FaceCatalog, VectorIndex};
use mediaport_shared::{
    AnalysisKind, AnalysisSummaries, Asset, AssetId, AssetStatus, FaceAppearance, FaceAppearances, FaceMatch,
    FaceTraits, PERSON, Timecode, Timeline, TimelineItem, UNNAMED_FACE,
};

use super::{Analyse, Failure};
use crate::job::JobError;
use crate::timeline::{self, Detection, FrameResult};
use crate::vision::faces::reader::jpeg;
use crate::vision::faces::traits::Traits;
use crate::vision::faces::{EMBEDDER, Face, SAME_PERSON, distance};

/// A face found on one frame, with its box as fractions of the picture.
#[derive(Debug, Clone)]
pub(super) struct SeenFace {
    pub span: Timecode,
    pub area: [f32; 4],
    pub face: Face,
    /// Age, gender and expression, when asked for.
    pub traits: Option<Traits>,
}

/// Expressions read with less confidence are not put on the timeline.
const MIN_EXPRESSION: f32 = 0.5;

/// One person's faces so far.
#[derive(Debug)]
struct Group {
    /// Sum of the usable faces' embeddings, and how many there were.
    sum: Vec<f32>,
    usable: u32,
    /// The mean of the usable faces, or the first face's embedding while there is none;
    /// kept current as faces join, since every new face is compared with every group.
    centre: Vec<f32>,
    /// The chip shown for the group: the largest usable face, else the largest face.
    chip: Option<(bool, f32, RgbImage)>,
    confidence: f32,
    sightings: Vec<(Timecode, [f32; 4], f32)>,
    /// Each face's traits, the usable ones' first (they are read best).
    traits: Vec<(bool, Traits)>,
}

impl Group {
    fn take(&mut self, seen: SeenFace) {
        let face = seen.face;
        let usable = face.quality.usable();
        if let Some(traits) = seen.traits {
            self.traits.push((usable, traits));
        }
        if usable {
            self.usable += 1;
            self.sum.iter_mut().zip(&face.embedding).for_each(|(s, v)| *s += v);
            self.centre = self.sum.iter().map(|v| v / self.usable as f32).collect();
        }
        let rank = (usable, face.quality.side);
        if self.chip.as_ref().is_none_or(|(u, side, _)| rank > (*u, *side)) {
            self.chip = Some((usable, face.quality.side, face.crop));
        }
        self.confidence = self.confidence.max(face.found.score);
        self.sightings.push((seen.span, seen.area, face.found.score));
    }
}

/// Faces grouped by person as frames arrive: a face joins the group whose mean face is
/// nearest if it is nearer than [`SAME_PERSON`], or starts a group. Only usable faces
/// move a group's mean, so a blurred frame cannot drag one person towards another.
#[derive(Debug, Default)]
pub(super) struct Grouping {
    groups: Vec<Group>,
}

impl Grouping {
    pub fn add(&mut self, seen: SeenFace) {
        let nearest = self
            .groups
            .iter()
            .enumerate()
            .map(|(at, group)| (at, distance(&group.centre, &seen.face.embedding)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|(_, d)| *d < SAME_PERSON);
        let at = nearest.map_or_else(
            || {
                let dimensions = seen.face.embedding.len();
                self.groups.push(Group {
                    sum: vec![0.0; dimensions],
                    usable: 0,
                    centre: seen.face.embedding.clone(),
                    chip: None,
                    confidence: 0.0,
                    sightings: Vec::new(),
                    traits: Vec::new(),
                });
                self.groups.len() - 1
            },
            |(at, _)| at,
        );
        self.groups[at].take(seen);
    }

    /// The expressions of the recognisable people's faces, frame by frame: one item per
    /// expression, with the faces' boxes.
    pub fn expressions(&self) -> Vec<TimelineItem> {
        let mut frames: Vec<FrameResult> = Vec::new();
        for group in self.groups.iter().filter(|g| g.usable > 0) {
            for ((span, area, _), (_, traits)) in group.sightings.iter().zip(&group.traits) {
                if traits.expression_confidence >= MIN_EXPRESSION {
                    let (name, confidence) = (traits.expression.to_owned(), traits.expression_confidence);
                    let detections = vec![Detection { name, confidence, area: Some(*area), words: Vec::new() }];
                    frames.push(FrameResult { span: *span, detections });
                }
            }
        }
        frames.sort_by_key(|f| f.span.begin);
        timeline::merge(&frames)
    }

    /// The people, in order of first appearance, and their chips.
    fn appearances(mut self, asset_id: &AssetId) -> Vec<(FaceAppearance, Option<RgbImage>)> {
        self.groups.sort_by_key(|g| g.sightings.first().map_or(0, |s| s.0.begin));
        let mut number = 0;
        self.groups
            .into_iter()
            .enumerate()
            .map(|(at, group)| {
                let usable = group.usable > 0;
                let label = if usable {
                    number += 1;
                    format!("Face {number}")
                } else {
                    "Face too small or blurred to recognise".to_owned()
                };
                let id = keys::face_vector(asset_id, at);
                let detections: Vec<FrameResult> = group
                    .sightings
                    .iter()
                    .map(|(span, area, confidence)| FrameResult {
                        span: *span,
                        detections: vec![Detection {
                            name: id.clone(),
                            confidence: *confidence,
                            area: Some(*area),
                            words: Vec::new(),
                        }],
                    })
                    .collect();
                let item = timeline::merge(&detections).pop().unwrap_or_default();
                let appearance = FaceAppearance {
                    embedding: group.centre,
                    chip: keys::face_chip(asset_id, at),
                    id,
                    label,
                    usable,
                    confidence: group.confidence,
                    timecodes: item.timecodes,
                    boxes: item.boxes,
                    matched: None,
                    traits: traits_of(&group.traits),
                };
                (appearance, group.chip.map(|(_, _, crop)| crop))
            })
            .collect()
    }
}

/// A person's apparent age and gender: the middle of each estimate over their usable faces
/// (over all of them when none is usable).
fn traits_of(faces: &[(bool, Traits)]) -> Option<FaceTraits> {
    let usable: Vec<&Traits> = faces.iter().filter(|(u, _)| *u).map(|(_, t)| t).collect();
    let read: Vec<&Traits> = if usable.is_empty() { faces.iter().map(|(_, t)| t).collect() } else { usable };
    let middle = |value: fn(&Traits) -> f32| {
        let mut values: Vec<f32> = read.iter().map(|t| value(t)).collect();
        values.sort_by(f32::total_cmp);
        values.get(values.len() / 2).copied()
    };
    let male = middle(|t| t.male)?;
    // FaceRes's authors read a face as a man's from 0.6.
    let (gender, confidence) = if male >= 0.6 { ("male", male) } else { ("female", 1.0 - male) };
    Some(FaceTraits {
        age: middle(|t| t.age)?.round() as u32,
        age_low: middle(|t| t.age_low)?.round() as u32,
        age_high: middle(|t| t.age_high)?.round() as u32,
        gender: gender.into(),
        gender_confidence: confidence.max(0.5),
    })
}

/// The timelines of the appearances: named people (by a collection or a reviewer) in
/// `face_match`, the other usable faces as "Face N" in `face`. Two appearances with one
/// name become one item.
pub(super) fn timelines(faces: &FaceAppearances, names: &HashMap<String, Called>) -> (Timeline, Timeline) {
    let (mut unnamed, mut named, mut people) = (Vec::new(), Vec::new(), HashSet::new());
    for appearance in faces.appearances.iter().filter(|a| a.usable) {
        match names.get(&appearance.id) {
            Some(called) => {
                if called.person {
                    people.insert(called.name.clone());
                }
                named.extend(frames(&called.name, appearance));
            }
            None => unnamed.extend(frames(&appearance.label, appearance)),
        }
    }
    let merged = |mut frames: Vec<FrameResult>| {
        frames.sort_by_key(|f| f.span.begin);
        timeline::merge(&frames)
    };
    let mut face = merged(unnamed);
    face.iter_mut().for_each(|i| i.category = Some(UNNAMED_FACE.to_owned()));
    let mut face_match = merged(named);
    face_match.iter_mut().filter(|i| people.contains(&i.name)).for_each(|i| i.category = Some(PERSON.to_owned()));
    (Timeline::new(AnalysisKind::Face, face), Timeline::new(AnalysisKind::FaceMatch, face_match))
}

/// An appearance's boxes as detections of `name`, each spanning to the end of its range.
fn frames(name: &str, appearance: &FaceAppearance) -> Vec<FrameResult> {
    appearance
        .boxes
        .iter()
        .map(|b| FrameResult {
            span: span_of(appearance, b.time_ms),
            detections: vec![Detection {
                name: name.to_owned(),
                confidence: b.confidence,
                area: Some([b.left, b.top, b.width, b.height]),
                words: Vec::new(),
            }],
        })
        .collect()
}

/// The time range of the appearance that holds the frame at `time_ms`.
fn span_of(appearance: &FaceAppearance, time_ms: u64) -> Timecode {
    appearance
        .timecodes
        .iter()
        .find(|t| t.begin <= time_ms && time_ms < t.end)
        .map_or(Timecode { begin: time_ms, end: time_ms + 1 }, |t| Timecode { begin: time_ms, end: t.end })
}

impl Analyse {
    /// Names the people recognised in the collection, stores the chips and `faces.json`,
    /// places the others in people across assets.
    pub(super) async fn settle_faces(
        &self,
        asset: &Asset,
        grouping: Grouping,
        collection: Option<&str>,
    ) -> Result<FaceAppearances, Failure> {
        let mut faces = FaceAppearances { model: EMBEDDER.to_owned(), appearances: Vec::new() };
        let transient = |e: String| Failure::Transient(JobError::Transient(e));
        for (mut appearance, chip) in grouping.appearances(&asset.id) {
            if let (Some(collection), true) = (collection, appearance.usable) {
                appearance.matched = recognise(&*self.vectors, &*self.faces, collection, &appearance.embedding)
                    .await
                    .map_err(transient)?;
            }
            if let Some(chip) = chip {
                let body = jpeg(chip).map_err(|e| Failure::Media(e.to_string()))?;
                self.storage.put_object(&self.proxy_bucket, &appearance.chip, body).await.map_err(JobError::from)?;
            }
            faces.appearances.push(appearance);
        }
        // Chips of an earlier analysis that found more people.
        let prefix = keys::face_chips(&asset.id);
        let listed = self.storage.list_objects(&self.proxy_bucket, &prefix).await.map_err(JobError::from)?;
        let stale: Vec<String> =
            listed.into_iter().map(|o| o.key).filter(|key| !faces.appearances.iter().any(|a| &a.chip == key)).collect();
        self.storage.delete_objects(&self.proxy_bucket, &stale).await.map_err(JobError::from)?;
        let body = serde_json::to_vec(&faces).map_err(|e| transient(e.to_string()))?;
        let key = keys::faces(&asset.id);
        self.storage.put_object(&self.proxy_bucket, &key, body.into()).await.map_err(JobError::from)?;
        people::place(&*self.people, &*self.vectors, &asset.id, &faces.appearances, SAME_PERSON)
            .await
            .map_err(|e| transient(e.to_string()))?;
        Ok(faces)
    }

    /// Stores the `face` and `face_match` timelines of the asset's faces with the names
    /// their people and collection faces have now.
    pub(super) async fn name_faces(
        &self,
        asset: &Asset,
        faces: &FaceAppearances,
        summaries: &mut AnalysisSummaries,
    ) -> Result<(), JobError> {
        let placed = self.people.asset_appearances(&asset.id).await?;
        let names = self.names(&placed).await.map_err(JobError::Transient)?;
        let (face, face_match) = timelines(faces, &names);
        self.settle(asset, AnalysisKind::Face, Ok(face), summaries).await?;
        self.settle(asset, AnalysisKind::FaceMatch, Ok(face_match), summaries).await
    }

    /// What each appearance is called now: its collection face's name, else its
    /// person's if a reviewer named them.
    async fn names(&self, placed: &[AppearanceRecord]) -> Result<HashMap<String, Called>, String> {
        let mut names = HashMap::new();
        for appearance in placed {
            if let Some(called) =
                people::called(&*self.faces, &*self.people, appearance).await.map_err(|e| e.to_string())?
            {
                names.insert(appearance.id.clone(), called);
            }
        }
        Ok(names)
    }

    /// Makes an analysed asset's `face` and `face_match` timelines again from its stored
    /// faces with the names its people and collection faces have now (a reviewer named,
    /// merged or moved someone), and its search document with them and with reviewers'
    /// corrections (an asset without faces has only its document made). An asset being
    /// ingested or analysed is left alone: its analysis reads the names as it ends.
    pub async fn relabel(&self, asset_id: &AssetId) -> Result<(), JobError> {
        let asset = match self.catalog.get_asset(asset_id).await {
            Err(CatalogError::NotFound { .. }) => return Ok(()),
            other => other?,
        };
        if !matches!(asset.status, AssetStatus::Ready | AssetStatus::Failed) {
            return Ok(());
        }
        let analysed = asset.analysis.get(&AnalysisKind::Face).and_then(|s| s.key.as_ref()).is_some();
        if !analysed {
            // Only reviewers' corrections changed: the search document is made again.
            if let Err(err) = self.indexer().index_names(&asset).await {
                return Err(JobError::Transient(format!("cannot update the search index: {err}")));
            }
            return Ok(());
        }
        let key = keys::faces(asset_id);
        let body = self.storage.get_object(&self.proxy_bucket, &key).await?;
        let faces: FaceAppearances =
            serde_json::from_slice(&body).map_err(|e| JobError::Media(format!("{key} is unreadable: {e}")))?;
        let mut summaries: AnalysisSummaries = asset.analysis.clone();
        self.name_faces(&asset, &faces, &mut summaries).await?;
        let relabelled = Asset { analysis: summaries.clone(), ..asset.clone() };
        if let Err(err) = self.indexer().index_names(&relabelled).await {
            tracing::warn!(asset = %asset_id, error = %err, "cannot update the search index");
        }
        match self.catalog.record_analysis(asset_id, &summaries, asset.status, asset.error.as_deref()).await {
            // Deleted meanwhile: what this job wrote goes too.
            Err(CatalogError::NotFound { .. }) => {
                return Err(JobError::Media("the asset was deleted during relabelling".into()));
            }
            other => other?,
        };
        self.forget_timelines(&asset.analysis, &summaries).await;
        Ok(())
    }
}

/// The collection face nearest to `embedding`, if near enough to be that person.
async fn recognise(
    vectors: &dyn VectorIndex,
    faces: &dyn FaceCatalog,
    collection: &str,
    embedding: &[f32],
) -> Result<Option<FaceMatch>, String> {
    let found =
        vectors.nearest(&space(collection), embedding, 1, Some(SAME_PERSON)).await.map_err(|e| e.to_string())?;
    let Some(nearest) = found.into_iter().next() else { return Ok(None) };
    match faces.get_face(&nearest.id).await {
        Ok(face) => Ok(Some(FaceMatch {
            collection_id: collection.to_owned(),
            face_id: face.id,
            name: face.name,
            distance: nearest.distance,
        })),
        // Deleted since it was found.
        Err(CatalogError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err.to_string()),
    }
}
