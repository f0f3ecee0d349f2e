//! What each shot shows and says, gathered from the other analyses' results, and how alike
//! two shots are by it.

use std::collections::{BTreeMap, BTreeSet};

use mediaport_shared::{Timecode, TimelineItem};

/// How much each kind of evidence counts in a likeness. Faces count most: shots of
/// different people are rarely one scene unless the scene cuts between them, and then
/// each person's shots link to their own.
const COLOUR_WEIGHT: f32 = 1.0;
const LABEL_WEIGHT: f32 = 1.0;
const PEOPLE_WEIGHT: f32 = 2.0;
const WORDS_WEIGHT: f32 = 0.5;
const SPEECH_WEIGHT: f32 = 1.0;
/// Sentence vectors (MiniLM) of unrelated sentences still meet at about this cosine, and of
/// one topic's sentences from about this far above it: the range mapped onto 0 to 1.
const SPEECH_FLOOR: f32 = 0.1;
const SPEECH_SPAN: f32 = 0.5;
/// Speech runs across a boundary when a sentence goes on this long on both of its sides.
const SPEECH_ACROSS_MS: u64 = 500;

/// What the asset's analyses found, for its scenes.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The shots, in time order.
    pub shots: Vec<Timecode>,
    pub black: Vec<Timecode>,
    pub silence: Vec<Timecode>,
    /// Captured frames: the time each shows and its colour histogram (shares adding to 1).
    pub frames: Vec<(u64, Vec<f32>)>,
    pub labels: Vec<TimelineItem>,
    /// Faces, by person (named or not).
    pub people: Vec<TimelineItem>,
    /// Lines of on-screen text.
    pub text: Vec<TimelineItem>,
    /// Sentences said: when, and their unit vectors.
    pub sentences: Vec<(Timecode, Vec<f32>)>,
}

/// One shot as scenes see it. Names are weighted by how rare they are in the asset, so a
/// label on every shot ("person" in an interview) tells nothing.
#[derive(Debug, Clone, Default)]
pub struct ShotView {
    pub span: Timecode,
    /// Mean colour histogram of its frames.
    pub colours: Option<Vec<f32>>,
    pub labels: BTreeMap<String, f32>,
    pub people: BTreeMap<String, f32>,
    pub words: BTreeMap<String, f32>,
    /// Mean vector of the sentences said during it, unit length.
    pub speech: Option<Vec<f32>>,
}

impl Evidence {
    /// Every shot described.
    pub fn views(&self) -> Vec<ShotView> {
        let mut views: Vec<ShotView> =
            self.shots.iter().map(|span| ShotView { span: *span, ..ShotView::default() }).collect();
        let labels = self.names_per_shot(self.labels.iter().map(|i| (vec![i.name.clone()], &i.timecodes)));
        let people = self.names_per_shot(self.people.iter().map(|i| (vec![i.name.clone()], &i.timecodes)));
        let words = self.names_per_shot(self.text.iter().map(|i| (words_of(&i.name), &i.timecodes)));
        for (view, ((labels, people), words)) in views.iter_mut().zip(labels.into_iter().zip(people).zip(words)) {
            (view.labels, view.people, view.words) = (labels, people, words);
        }
        for (view, colours) in views.iter_mut().zip(self.colours_per_shot()) {
            view.colours = colours;
        }
        for (view, speech) in views.iter_mut().zip(self.speech_per_shot()) {
            view.speech = speech;
        }
        views
    }

    /// The share of `span` inside black frames.
    pub fn black_share(&self, span: Timecode) -> f64 {
        let length = span.end.saturating_sub(span.begin);
        let inside: u64 = self.black.iter().map(|b| b.end.min(span.end).saturating_sub(b.begin.max(span.begin))).sum();
        inside as f64 / length.max(1) as f64
    }

    /// Whether someone is in the middle of a sentence at `time_ms`.
    pub fn speech_across(&self, time_ms: u64) -> bool {
        self.sentences
            .iter()
            .any(|(span, _)| span.begin + SPEECH_ACROSS_MS <= time_ms && time_ms + SPEECH_ACROSS_MS <= span.end)
    }

    /// The shots overlapping `span`, as a range of indices.
    fn shots_in(&self, span: Timecode) -> std::ops::Range<usize> {
        let first = self.shots.partition_point(|s| s.end <= span.begin);
        let last = self.shots.partition_point(|s| s.begin < span.end);
        first..last.max(first)
    }

    /// For each shot, the names seen during it, each weighted by its rarity over the shots
    /// (the log of shots over shots with it: a name on every shot weighs nothing).
    fn names_per_shot<'a>(
        &self,
        items: impl Iterator<Item = (Vec<String>, &'a Vec<Timecode>)>,
    ) -> Vec<BTreeMap<String, f32>> {
        let mut seen: Vec<BTreeSet<String>> = vec![BTreeSet::new(); self.shots.len()];
        for (names, timecodes) in items {
            for span in timecodes {
                for shot in self.shots_in(*span) {
                    seen[shot].extend(names.iter().cloned());
                }
            }
        }
        let mut shots_with: BTreeMap<&str, usize> = BTreeMap::new();
        for name in seen.iter().flatten() {
            *shots_with.entry(name).or_default() += 1;
        }
        let total = self.shots.len() as f32;
        let weight = |name: &str| (total / shots_with[name] as f32).ln();
        seen.iter()
            .map(|names| names.iter().map(|n| (n.clone(), weight(n))).filter(|(_, w)| *w > 0.0).collect())
            .collect()
    }

    fn colours_per_shot(&self) -> Vec<Option<Vec<f32>>> {
        let mut sums: Vec<(Vec<f32>, usize)> = vec![(Vec::new(), 0); self.shots.len()];
        for (time_ms, colours) in &self.frames {
            for shot in self.shots_in(Timecode { begin: *time_ms, end: time_ms + 1 }) {
                let (sum, count) = &mut sums[shot];
                add_into(sum, colours);
                *count += 1;
            }
        }
        sums.into_iter()
            .map(|(sum, count)| (count > 0).then(|| sum.iter().map(|v| v / count as f32).collect()))
            .collect()
    }

    fn speech_per_shot(&self) -> Vec<Option<Vec<f32>>> {
        let mut sums: Vec<Vec<f32>> = vec![Vec::new(); self.shots.len()];
        for (span, vector) in &self.sentences {
            for shot in self.shots_in(*span) {
                add_into(&mut sums[shot], vector);
            }
        }
        sums.iter().map(|sum| unit(sum)).collect()
    }
}

fn add_into(sum: &mut Vec<f32>, more: &[f32]) {
    if sum.is_empty() {
        sum.resize(more.len(), 0.0);
    }
    for (s, m) in sum.iter_mut().zip(more) {
        *s += m;
    }
}

fn unit(vector: &[f32]) -> Option<Vec<f32>> {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    (norm > 0.0).then(|| vector.iter().map(|v| v / norm).collect())
}

/// The words of a line of on-screen text worth comparing: three characters or more, with
/// a letter (a running clock's digits change every second and say nothing of the scene).
fn words_of(line: &str) -> Vec<String> {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect()
}

impl ShotView {
    /// How alike two shots are, 0 to 1, from the evidence both have; none when they have
    /// nothing in common to compare.
    pub fn likeness(&self, other: &ShotView) -> Option<f32> {
        let mut parts: Vec<(f32, f32)> = Vec::new();
        if let (Some(a), Some(b)) = (&self.colours, &other.colours) {
            let shared: f32 = a.iter().zip(b).map(|(x, y)| x.min(*y)).sum();
            parts.push((shared.min(1.0), COLOUR_WEIGHT));
        }
        for (a, b, weight) in [
            (&self.labels, &other.labels, LABEL_WEIGHT),
            (&self.people, &other.people, PEOPLE_WEIGHT),
            (&self.words, &other.words, WORDS_WEIGHT),
        ] {
            if !a.is_empty() && !b.is_empty() {
                parts.push((weighted_jaccard(a, b), weight));
            }
        }
        if let (Some(a), Some(b)) = (&self.speech, &other.speech) {
            let cosine: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            parts.push((((cosine - SPEECH_FLOOR) / SPEECH_SPAN).clamp(0.0, 1.0), SPEECH_WEIGHT));
        }
        let weight: f32 = parts.iter().map(|(_, w)| w).sum();
        (weight > 0.0).then(|| parts.iter().map(|(l, w)| l * w).sum::<f32>() / weight)
    }
}

/// The weight of the names both have over the weight of the names either has.
fn weighted_jaccard(a: &BTreeMap<String, f32>, b: &BTreeMap<String, f32>) -> f32 {
    let both: f32 = a.iter().filter(|(n, _)| b.contains_key(*n)).map(|(_, w)| w).sum();
    let either: f32 =
        a.values().sum::<f32>() + b.iter().filter(|(n, _)| !a.contains_key(*n)).map(|(_, w)| w).sum::<f32>();
    if either > 0.0 { both / either } else { 0.0 }
}
