//! Scenes: consecutive shots grouped when they belong together. Each shot is described by
//! what the other analyses found in it (its colours, objects, people, on-screen words and
//! what was said), and each shot boundary scored by how unlike each other the shots on its
//! two sides are. A boundary is compared across a few shots each way, not only the two
//! that meet, so a conversation cutting between two faces stays one scene (the further
//! apart two shots, the less their likeness counts). Black frames
//! and silence at a boundary make it likelier; speech running across it, less.
//!
//! Chapters join scenes to a target length ([`chapters`]); ad breaks are the scene
//! boundaries that fall on black and silence ([`breaks`]).

pub mod breaks;
pub mod chapters;
mod evidence;

use mediaport_shared::{Timecode, TimelineItem};

pub use evidence::{Evidence, ShotView};

/// Shots this close to a boundary, on each side, are compared across it...
const LINK_MS: u64 = 30_000;
/// ...their likeness fading with the time between them (to 37 % this far apart), so a
/// place left and come back to after a whole other scene is not the same scene.
const LINK_FADE_MS: f32 = 20_000.0;
/// ...and at most this many of them.
const LINK_SHOTS: usize = 3;
/// A boundary scoring at least this starts a new scene.
const SCENE_LEVEL: f32 = 0.6;
/// Scenes are at least this long: closer boundaries are the same change seen twice.
const MIN_SCENE_MS: u64 = 3000;
/// Black or silence this close to a boundary is on it.
const CUE_NEAR_MS: u64 = 500;
/// How much black frames and silence at a boundary add to its score (of what is left to 1).
const BLACK_WEIGHT: f32 = 0.5;
const SILENCE_WEIGHT: f32 = 0.3;
/// A shot this much inside black frames is the black between two shots, not a shot.
const BLACK_SHOT: f64 = 0.8;

/// Where one scene ends and the next begins, how likely that is (0 to 1), and the cues on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SceneBoundary {
    pub time_ms: u64,
    pub score: f32,
    pub black: bool,
    pub silent: bool,
    /// Where the black or silence around it lies, when there is some.
    pub cue: Option<Timecode>,
}

/// Every shot boundary, scored (the black between two shots is one boundary).
pub fn score_boundaries(evidence: &Evidence) -> Vec<SceneBoundary> {
    let views = evidence.views();
    let shots: Vec<&ShotView> = views.iter().filter(|v| evidence.black_share(v.span) < BLACK_SHOT).collect();
    let mut found = Vec::new();
    for k in 1..shots.len() {
        let before = &shots[k - 1];
        let time_ms = shots[k].span.begin;
        // The black between them, and any black or silence meeting it.
        let gap = Timecode { begin: before.span.end.min(time_ms), end: time_ms };
        let near = Timecode { begin: gap.begin.saturating_sub(CUE_NEAR_MS), end: gap.end + CUE_NEAR_MS };
        let black = touching(&evidence.black, near);
        let silence = touching(&evidence.silence, near);
        let left: Vec<&ShotView> =
            shots[..k].iter().rev().take(LINK_SHOTS).filter(|v| v.span.end + LINK_MS >= time_ms).copied().collect();
        let right: Vec<&ShotView> =
            shots[k..].iter().take(LINK_SHOTS).filter(|v| v.span.begin <= time_ms + LINK_MS).copied().collect();
        let linked = |a: &ShotView, b: &ShotView| {
            let apart = b.span.begin.saturating_sub(a.span.end) as f32;
            a.likeness(b).map(|l| l * (-apart / LINK_FADE_MS).exp())
        };
        let likeness = left.iter().flat_map(|a| right.iter().filter_map(|b| linked(a, b))).fold(None, max_of);
        // Nothing to compare: as likely a new scene as not.
        let mut score = likeness.map_or(0.5, |l| 1.0 - l);
        if evidence.speech_across(time_ms) {
            score *= 0.5;
        }
        let cue_weight = black.map_or(0.0, |_| BLACK_WEIGHT) + silence.map_or(0.0, |_| SILENCE_WEIGHT);
        score += (1.0 - score) * cue_weight;
        let cue = match (black, silence) {
            (Some(b), Some(s)) => Some(Timecode { begin: b.begin.min(s.begin), end: b.end.max(s.end) }),
            (one, other) => one.or(other),
        };
        found.push(SceneBoundary { time_ms, score, black: black.is_some(), silent: silence.is_some(), cue });
    }
    found
}

fn max_of(a: Option<f32>, b: f32) -> Option<f32> {
    Some(a.map_or(b, |a| a.max(b)))
}

/// The union of the stretches that touch `near`, if any do.
fn touching(stretches: &[Timecode], near: Timecode) -> Option<Timecode> {
    stretches.iter().filter(|s| s.begin <= near.end && s.end >= near.begin).fold(None, |union, s| {
        Some(union.map_or(*s, |u: Timecode| Timecode { begin: u.begin.min(s.begin), end: u.end.max(s.end) }))
    })
}

/// The boundaries that start scenes: strong enough, the strongest first where two are
/// closer than a scene can be short; in time order.
pub fn scene_starts(boundaries: &[SceneBoundary], duration_ms: u64) -> Vec<SceneBoundary> {
    let mut strong: Vec<SceneBoundary> = boundaries
        .iter()
        .filter(|b| b.score >= SCENE_LEVEL && b.time_ms >= MIN_SCENE_MS.min(duration_ms / 2))
        .copied()
        .collect();
    strong.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.time_ms.cmp(&b.time_ms)));
    let mut kept: Vec<SceneBoundary> = Vec::new();
    for boundary in strong {
        let clear = kept.iter().all(|k| k.time_ms.abs_diff(boundary.time_ms) >= MIN_SCENE_MS)
            && duration_ms.saturating_sub(boundary.time_ms) >= MIN_SCENE_MS.min(duration_ms / 2);
        if clear {
            kept.push(boundary);
        }
    }
    kept.sort_by_key(|b| b.time_ms);
    kept
}

/// The scene timeline: `scene 1`, `scene 2`... between the starts, each with the score of
/// the boundary it starts on (the first, 1).
pub fn timeline(starts: &[SceneBoundary], duration_ms: u64) -> Vec<TimelineItem> {
    spans(starts.iter().map(|b| (b.time_ms, b.score)), duration_ms)
        .into_iter()
        .enumerate()
        .map(|(n, (span, confidence))| TimelineItem {
            name: format!("scene {}", n + 1),
            confidence,
            timecodes: vec![span],
            ..Default::default()
        })
        .collect()
}

/// Stretches from 0 to the first start, between starts, and from the last to the end.
fn spans(starts: impl Iterator<Item = (u64, f32)>, duration_ms: u64) -> Vec<(Timecode, f32)> {
    let mut begins = vec![(0, 1.0)];
    begins.extend(starts.filter(|(t, _)| *t > 0 && *t < duration_ms));
    begins
        .iter()
        .enumerate()
        .map(|(i, &(begin, score))| {
            let end = begins.get(i + 1).map_or(duration_ms, |next| next.0);
            (Timecode { begin, end }, score)
        })
        .filter(|(span, _)| span.end > span.begin)
        .collect()
}

#[cfg(test)]
mod tests;
