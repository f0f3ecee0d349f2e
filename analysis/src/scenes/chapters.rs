//! Chapters: scenes joined to about a target length at their strongest boundaries, each
//! titled from the key phrases said or shown in it (or else the objects seen most).

use std::collections::BTreeSet;

use mediaport_shared::{Timecode, TimelineItem};

use super::SceneBoundary;

/// Phrases in a chapter's title at most.
const TITLE_PHRASES: usize = 2;

/// The chapter timeline: `Chapter 1: <title>`... over the whole asset.
pub fn timeline(
    scene_starts: &[SceneBoundary],
    duration_ms: u64,
    target_ms: u64,
    phrases: &[TimelineItem],
    labels: &[TimelineItem],
) -> Vec<TimelineItem> {
    let starts = choose(scene_starts, duration_ms, target_ms);
    super::spans(starts.iter().map(|b| (b.time_ms, b.score)), duration_ms)
        .into_iter()
        .enumerate()
        .map(|(n, (span, confidence))| {
            let title = title(span, phrases).or_else(|| most_seen(span, labels));
            let name = match title {
                Some(title) => format!("Chapter {}: {title}", n + 1),
                None => format!("Chapter {}", n + 1),
            };
            TimelineItem { name, confidence, timecodes: vec![span], ..Default::default() }
        })
        .collect()
}

/// The scene starts that begin chapters: as many as make chapters of about `target_ms`,
/// the strongest first, none closer than half that to another, to the start or to the end.
fn choose(scene_starts: &[SceneBoundary], duration_ms: u64, target_ms: u64) -> Vec<SceneBoundary> {
    let target_ms = target_ms.max(1);
    let wanted = ((duration_ms as f64 / target_ms as f64).round() as usize).max(1) - 1;
    let gap = target_ms / 2;
    let mut strongest = scene_starts.to_vec();
    strongest.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.time_ms.cmp(&b.time_ms)));
    let mut kept: Vec<SceneBoundary> = Vec::new();
    for start in strongest {
        if kept.len() == wanted {
            break;
        }
        let clear = start.time_ms >= gap
            && duration_ms.saturating_sub(start.time_ms) >= gap
            && kept.iter().all(|k| k.time_ms.abs_diff(start.time_ms) >= gap);
        if clear {
            kept.push(start);
        }
    }
    kept.sort_by_key(|b| b.time_ms);
    kept
}

/// How many of an item's appearances fall in `span`.
fn appearances(item: &TimelineItem, span: Timecode) -> usize {
    item.timecodes.iter().filter(|t| t.begin < span.end && t.end > span.begin).count()
}

/// The key phrases met most often in `span` (the surer first among equals), without
/// repeating a word, capitalised and joined.
fn title(span: Timecode, phrases: &[TimelineItem]) -> Option<String> {
    let mut ranked: Vec<(usize, &TimelineItem)> =
        phrases.iter().map(|p| (appearances(p, span), p)).filter(|(n, _)| *n > 0).collect();
    ranked.sort_by(|(n, a), (m, b)| m.cmp(n).then(b.confidence.total_cmp(&a.confidence)));
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut chosen: Vec<String> = Vec::new();
    for (_, phrase) in ranked {
        let words: Vec<String> = phrase.name.split_whitespace().map(str::to_lowercase).collect();
        if words.iter().any(|w| used.contains(w)) {
            continue;
        }
        used.extend(words);
        chosen.push(capitalised(&phrase.name));
        if chosen.len() == TITLE_PHRASES {
            break;
        }
    }
    (!chosen.is_empty()).then(|| chosen.join(", "))
}

/// The object seen longest in `span`, for chapters nobody spoke or wrote in.
fn most_seen(span: Timecode, labels: &[TimelineItem]) -> Option<String> {
    let seen = |item: &TimelineItem| -> u64 {
        item.timecodes.iter().map(|t| t.end.min(span.end).saturating_sub(t.begin.max(span.begin))).sum()
    };
    labels
        .iter()
        .map(|l| (seen(l), l))
        .filter(|(ms, _)| *ms > 0)
        .max_by_key(|(ms, _)| *ms)
        .map(|(_, l)| capitalised(&l.name))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
