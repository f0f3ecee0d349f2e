//! The scene, chapter and ad-break timelines of a video, made last from what the other
//! kinds stored: its shots and their cues, the frames' colours, objects, people, on-screen
//! text, the sentences said and the key phrases. The shot list is written again with a
//! locator at each scene.

use mediaport_core::analysis::AnalysisDefaults;
use mediaport_core::keys;
use mediaport_shared::{AnalysisKind, AnalysisSummaries, Asset, Embeddings, Frame, Timeline, TimelineItem};

use super::{Analyse, Failure};
use crate::job::JobError;
use crate::scenes::{self, Evidence, breaks, chapters};
use crate::vision::shots::{self, Cuts};

const KINDS: [AnalysisKind; 3] = [AnalysisKind::Scene, AnalysisKind::Chapter, AnalysisKind::AdBreak];

impl Analyse {
    pub(super) async fn scenes(
        &self,
        asset: &Asset,
        cuts: Option<&Cuts>,
        options: &AnalysisDefaults,
        summaries: &mut AnalysisSummaries,
    ) -> Result<(), JobError> {
        let analysed = Asset { analysis: summaries.clone(), ..asset.clone() };
        let shots = self.stored(&analysed, AnalysisKind::Shot).await;
        let (Some(cuts), Some(shots)) = (cuts, shots) else {
            let reason = if options.shots { "the shots could not be found" } else { "scenes need the shots analysis" };
            for kind in KINDS {
                self.settle(asset, kind, Err(Failure::Media(reason.into())), summaries).await?;
            }
            return Ok(());
        };
        let duration = asset.duration_ms.unwrap_or(0);
        let mut people = self.items_of(&analysed, AnalysisKind::FaceMatch).await;
        if people.is_empty() {
            people = self.items_of(&analysed, AnalysisKind::Face).await;
        }
        let evidence = Evidence {
            shots: shots::spans(&shots.items),
            black: cuts.black.clone(),
            silence: cuts.silence.clone(),
            frames: self.frame_colours(asset).await?,
            labels: self.items_of(&analysed, AnalysisKind::Label).await,
            people,
            text: self.items_of(&analysed, AnalysisKind::Text).await,
            sentences: self.spoken_sentences(asset).await,
        };
        let phrases = self.items_of(&analysed, AnalysisKind::Keyphrase).await;
        let (target, per_hour) = ((options.chapter_minutes * 60_000.0) as u64, options.ad_breaks_per_hour);
        // Milliseconds for a film, but a day of frames and shots is still no work for the runtime's threads.
        let made = tokio::task::spawn_blocking(move || {
            let starts = scenes::scene_starts(&scenes::score_boundaries(&evidence), duration);
            let made = [
                scenes::timeline(&starts, duration),
                chapters::timeline(&starts, duration, target, &phrases, &evidence.labels),
                breaks::timeline(&starts, duration, per_hour),
            ];
            (starts, made)
        });
        let (starts, made) = made.await.map_err(|e| JobError::Transient(format!("scenes stopped: {e}")))?;
        for (kind, items) in KINDS.into_iter().zip(made) {
            self.settle(asset, kind, Ok(Timeline::new(kind, items)), summaries).await?;
        }
        self.mark_scenes(asset, &shots.items, &starts.iter().map(|s| s.time_ms).collect::<Vec<_>>()).await
    }

    /// A kind's timeline as stored by this analysis, if it made one, with reviewers'
    /// corrections: a label they rejected says nothing of the scene.
    async fn stored(&self, analysed: &Asset, kind: AnalysisKind) -> Option<Timeline> {
        self.results().timeline(analysed, kind).await.ok()
    }

    /// A kind's items as stored by this analysis; none if it made none.
    async fn items_of(&self, analysed: &Asset, kind: AnalysisKind) -> Vec<TimelineItem> {
        self.stored(analysed, kind).await.map(|t| t.items).unwrap_or_default()
    }

    /// The captured frames' times and colours (none for frames captured before colours were
    /// measured).
    async fn frame_colours(&self, asset: &Asset) -> Result<Vec<(u64, Vec<f32>)>, JobError> {
        let Some(set) = asset.outputs.as_ref().and_then(|o| o.frames.as_ref()) else { return Ok(Vec::new()) };
        let manifest = self.storage.get_object(&self.proxy_bucket, &set.manifest).await?;
        let frames: Vec<Frame> = serde_json::from_slice(&manifest).unwrap_or_default();
        Ok(frames.iter().filter_map(|f| Some((f.time_ms, histogram(&f.colours)?))).collect())
    }

    /// The sentences of the transcript with their vectors, as the language kinds stored them.
    async fn spoken_sentences(&self, asset: &Asset) -> Vec<(mediaport_shared::Timecode, Vec<f32>)> {
        let Ok(body) = self.storage.get_object(&self.proxy_bucket, &keys::embeddings(&asset.id)).await else {
            return Vec::new();
        };
        let Ok(embeddings) = serde_json::from_slice::<Embeddings>(&body) else { return Vec::new() };
        let spoken = embeddings.sentences.into_iter().filter(|s| s.source == AnalysisKind::Transcript);
        spoken.filter_map(|s| Some((*s.timecodes.first()?, s.vector))).collect()
    }

    /// Writes the shot list again with a locator at each scene's first shot.
    async fn mark_scenes(&self, asset: &Asset, shot_items: &[TimelineItem], starts: &[u64]) -> Result<(), JobError> {
        let fps = asset.technical.as_ref().and_then(|t| t.video.as_ref()).map_or(25.0, |v| v.fps);
        let edl = shots::edl(&asset.filename, shot_items, fps, starts);
        let key = keys::shot_list(&asset.id);
        self.storage.put_object(&self.proxy_bucket, &key, edl.into_bytes().into()).await?;
        Ok(())
    }
}

/// A frame's stored colours (hex bytes, shares of 255) as shares adding up to about 1.
fn histogram(hex: &str) -> Option<Vec<f32>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok().map(|b| f32::from(b) / 255.0))
        .collect()
}
