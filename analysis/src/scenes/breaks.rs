//! Ad-break candidates: scene boundaries on black frames or silence (both is best, as a
//! programme made for breaks fades to black and quiet). With a target count per hour the
//! candidates are chosen to spread evenly over the asset: each of the evenly spaced
//! positions takes the candidate best for it by score and nearness.

use mediaport_shared::{Timecode, TimelineItem};

use super::SceneBoundary;

/// What black frames and silence add to a candidate's score; the scene boundary's own
/// score adds the rest.
const BLACK_SHARE: f32 = 0.5;
const SILENCE_SHARE: f32 = 0.3;
const SCENE_SHARE: f32 = 0.2;
/// A candidate worth less than this for a position (a perfect one a spacing away) is not
/// put there: the position goes without.
const MIN_WORTH: f64 = 0.1;
/// Breaks are not put this near the start or the end (share of the length).
const EDGE: f64 = 0.02;

/// A candidate's score, 0 to 1.
fn score(boundary: &SceneBoundary) -> f32 {
    let cue = |on: bool, share: f32| if on { share } else { 0.0 };
    cue(boundary.black, BLACK_SHARE) + cue(boundary.silent, SILENCE_SHARE) + SCENE_SHARE * boundary.score
}

/// The ad-break timeline: `break 1`, `break 2`... in time order, each over the black or
/// silence it falls on. `per_hour` 0 keeps every candidate.
pub fn timeline(scene_starts: &[SceneBoundary], duration_ms: u64, per_hour: u32) -> Vec<TimelineItem> {
    let edge = (duration_ms as f64 * EDGE) as u64;
    let candidates: Vec<(&SceneBoundary, f32)> = scene_starts
        .iter()
        .filter(|b| (b.black || b.silent) && b.time_ms >= edge && b.time_ms + edge <= duration_ms)
        .map(|b| (b, score(b)))
        .collect();
    let mut chosen = if per_hour == 0 { candidates } else { spread(candidates, duration_ms, per_hour) };
    chosen.sort_by_key(|(b, _)| b.time_ms);
    chosen
        .into_iter()
        .enumerate()
        .map(|(n, (boundary, score))| TimelineItem {
            name: format!("break {}", n + 1),
            confidence: score,
            timecodes: vec![boundary.cue.unwrap_or(Timecode { begin: boundary.time_ms, end: boundary.time_ms + 1 })],
            ..Default::default()
        })
        .collect()
}

/// `per_hour` breaks an hour (at least one), each from the candidates the one best for its
/// evenly spaced position: its score, less the further it is from the position.
fn spread(mut candidates: Vec<(&SceneBoundary, f32)>, duration_ms: u64, per_hour: u32) -> Vec<(&SceneBoundary, f32)> {
    let count = ((f64::from(per_hour) * duration_ms as f64 / 3_600_000.0).round() as usize).max(1);
    let spacing = duration_ms as f64 / (count + 1) as f64;
    let mut chosen = Vec::new();
    for slot in 1..=count {
        let position = spacing * slot as f64;
        // Half a spacing away halves a candidate's worth; a whole one leaves a sixteenth.
        let fit = |b: &SceneBoundary, score: f32| {
            let off = (b.time_ms as f64 - position) / spacing;
            f64::from(score) * (-off * off * 4.0 * std::f64::consts::LN_2).exp()
        };
        let best = candidates
            .iter()
            .enumerate()
            .map(|(i, (b, score))| (i, fit(b, *score)))
            .filter(|(_, worth)| *worth >= MIN_WORTH)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, _)) = best {
            chosen.push(candidates.swap_remove(i));
        }
    }
    chosen
}
