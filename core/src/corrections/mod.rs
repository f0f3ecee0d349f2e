//! Reviewers' corrections laid over a timeline: what the analysis found, as people fixed
//! it. The same corrections go over every new analysis of the asset, so a rejected label
//! does not come back and an edited sentence stays edited where the new transcript still
//! says what the reviewer saw; an edit that no longer lines up is handed back for review.

pub mod retime;
pub mod review;

use mediaport_shared::{AnalysisKind, Correction, HUMAN, Timecode, Timeline, TimelineItem};

/// An edit covers a transcript stretch when this much of the edit's time is in it.
const SAME_STRETCH: f64 = 0.5;

/// A timeline with the corrections of its kind applied, and the edits that found no
/// stretch to apply to (their index in the corrections given).
#[derive(Debug, Clone, PartialEq)]
pub struct Corrected {
    pub timeline: Timeline,
    pub unplaced: Vec<usize>,
}

/// Applies, in order, each correction of the timeline's kind.
pub fn apply(mut timeline: Timeline, corrections: &[Correction]) -> Corrected {
    let (kind, mut unplaced) = (timeline.kind, Vec::new());
    for (n, correction) in corrections.iter().enumerate().filter(|(_, c)| c.kind() == kind) {
        match correction {
            Correction::Edit { span, before, after } => {
                if !edit(&mut timeline.items, *span, before, after) {
                    unplaced.push(n);
                }
            }
            Correction::Reject { name, at, .. } => reject(&mut timeline.items, name, *at),
            Correction::Add { name, timecodes, .. } => timeline.items.push(TimelineItem {
                name: name.clone(),
                confidence: 1.0,
                timecodes: timecodes.clone(),
                category: Some(HUMAN.to_owned()),
                ..Default::default()
            }),
        }
    }
    if kind != AnalysisKind::Transcript {
        timeline.items.sort_by_key(|item| item.timecodes.first().map(|t| t.begin));
    }
    Corrected { timeline, unplaced }
}

/// Names compared as people read them: case and the spaces around aside.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Text compared as said: case, punctuation and spacing aside.
fn same_words(a: &str, b: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
            .filter(|w| !w.is_empty())
            .collect()
    };
    words(a) == words(b)
}

fn overlap(a: Timecode, b: Timecode) -> u64 {
    a.end.min(b.end).saturating_sub(a.begin.max(b.begin))
}

/// Rewrites the stretch that covers `span` and says `before` (or already says `after`:
/// the edit was laid over it before); an empty `after` takes the stretch out (words
/// nobody said, as Whisper sometimes hears in silence). False when no stretch fits.
fn edit(items: &mut Vec<TimelineItem>, span: Timecode, before: &str, after: &str) -> bool {
    let needed = ((span.end - span.begin.min(span.end)) as f64 * SAME_STRETCH).ceil() as u64;
    let found = items.iter().position(|item| {
        let covered: u64 = item.timecodes.iter().map(|t| overlap(*t, span)).sum();
        covered >= needed.max(1) && (same_words(&item.name, before) || same_words(&item.name, after))
    });
    let Some(found) = found else { return false };
    if after.trim().is_empty() {
        items.remove(found);
        return true;
    }
    let item = &mut items[found];
    let stretch = item.timecodes.first().copied().unwrap_or(span);
    item.words = retime::retime(&item.words, stretch, after);
    item.name = after.trim().to_owned();
    true
}

/// Takes `name` out: everywhere, or only its times and boxes over `at` (an item left with
/// no time goes).
fn reject(items: &mut Vec<TimelineItem>, name: &str, at: Option<Timecode>) {
    match at {
        None => items.retain(|item| !same_name(&item.name, name)),
        Some(at) => {
            for item in items.iter_mut().filter(|item| same_name(&item.name, name)) {
                item.timecodes = item.timecodes.iter().flat_map(|t| outside(*t, at)).collect();
                item.boxes.retain(|b| b.time_ms < at.begin || b.time_ms >= at.end);
            }
            items.retain(|item| !same_name(&item.name, name) || !item.timecodes.is_empty());
        }
    }
}

/// The parts of `t` outside `cut`.
fn outside(t: Timecode, cut: Timecode) -> Vec<Timecode> {
    if overlap(t, cut) == 0 {
        return vec![t];
    }
    let before = Timecode { begin: t.begin, end: cut.begin };
    let after = Timecode { begin: cut.end, end: t.end };
    [before, after].into_iter().filter(|p| p.end > p.begin).collect()
}

#[cfg(test)]
mod tests {
    use mediaport_shared::{FrameBox, SpokenWord};

    use super::*;

    fn span(begin: u64, end: u64) -> Timecode {
        Timecode { begin, end }
    }

    fn item(name: &str, spans: &[(u64, u64)]) -> TimelineItem {
        TimelineItem {
            name: name.into(),
            confidence: 0.8,
            timecodes: spans.iter().map(|&(b, e)| span(b, e)).collect(),
            boxes: spans
                .iter()
                .map(|&(b, _)| FrameBox {
                    time_ms: b,
                    left: 0.1,
                    top: 0.1,
                    width: 0.2,
                    height: 0.2,
                    confidence: 0.8,
                    words: Vec::new(),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn names(timeline: &Timeline) -> Vec<(&str, Vec<(u64, u64)>)> {
        timeline
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.timecodes.iter().map(|t| (t.begin, t.end)).collect()))
            .collect()
    }

    #[test]
    fn a_label_rejected_at_a_moment_leaves_that_moment_and_everywhere_leaves_the_asset() {
        let labels = Timeline::new(
            AnalysisKind::Label,
            vec![item("dog", &[(0, 4000), (9000, 10_000)]), item("cat", &[(2000, 3000)]), item("Car", &[(5000, 6000)])],
        );
        let corrections = [
            Correction::Reject { kind: AnalysisKind::Label, name: "Dog".into(), at: Some(span(1000, 2000)) },
            Correction::Reject { kind: AnalysisKind::Label, name: "dog".into(), at: Some(span(8000, 11_000)) },
            Correction::Reject { kind: AnalysisKind::Label, name: "car".into(), at: None },
            Correction::Add { kind: AnalysisKind::Label, name: "fox".into(), timecodes: vec![span(500, 1500)] },
            // Another kind's corrections leave labels alone.
            Correction::Reject { kind: AnalysisKind::Text, name: "cat".into(), at: None },
        ];
        let corrected = apply(labels, &corrections);
        assert_eq!(
            names(&corrected.timeline),
            [("dog", vec![(0, 1000), (2000, 4000)]), ("fox", vec![(500, 1500)]), ("cat", vec![(2000, 3000)])]
        );
        let dog = &corrected.timeline.items[0];
        assert_eq!(dog.boxes.iter().map(|b| b.time_ms).collect::<Vec<_>>(), [0], "the box at 9 s went with its moment");
        let fox = &corrected.timeline.items[1];
        assert_eq!((fox.category.as_deref(), fox.confidence), (Some(HUMAN), 1.0));
        assert!(corrected.unplaced.is_empty());
    }

    fn stretch(text: &str, begin: u64, end: u64) -> TimelineItem {
        let words: Vec<&str> = text.split_whitespace().collect();
        let each = (end - begin) / words.len() as u64;
        TimelineItem {
            name: text.into(),
            confidence: 0.7,
            timecodes: vec![span(begin, end)],
            words: words
                .iter()
                .enumerate()
                .map(|(i, w)| SpokenWord {
                    text: (*w).into(),
                    begin: begin + i as u64 * each,
                    end: begin + (i as u64 + 1) * each,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn an_edit_follows_its_stretch_into_a_new_transcript_and_is_handed_back_where_none_says_it() {
        let edit = Correction::Edit {
            span: span(1000, 3000),
            before: "Our correspondent Shivor Naka reports.".into(),
            after: "Our correspondent Siobhan Nakagawa reports.".into(),
        };
        // A new analysis cut the stretch a little differently and said it the same way.
        let again = Timeline::new(
            AnalysisKind::Transcript,
            vec![stretch("Good evening.", 0, 900), stretch("our correspondent, Shivor Naka reports", 950, 3100)],
        );
        let corrected = apply(again, std::slice::from_ref(&edit));
        let fixed = &corrected.timeline.items[1];
        assert_eq!(fixed.name, "Our correspondent Siobhan Nakagawa reports.");
        assert_eq!(fixed.words.len(), 5);
        assert_eq!((fixed.words[0].begin, fixed.words[4].end), (950, 3100), "the stretch's own times");
        assert!(corrected.unplaced.is_empty());
        // Laid over again, it changes nothing.
        let twice = apply(corrected.timeline.clone(), std::slice::from_ref(&edit));
        assert_eq!(twice.timeline, corrected.timeline);

        // A transcript that now says something else there keeps what it says; the edit is listed.
        let other = Timeline::new(AnalysisKind::Transcript, vec![stretch("The weather tomorrow.", 900, 3000)]);
        let corrected = apply(other.clone(), &[edit]);
        assert_eq!((corrected.timeline, corrected.unplaced), (other, vec![0]));
    }

    #[test]
    fn an_edit_to_nothing_takes_words_nobody_said_out() {
        let heard = Timeline::new(
            AnalysisKind::Transcript,
            vec![stretch("Good evening.", 0, 900), stretch("Thank you for watching.", 5000, 6000)],
        );
        let gone =
            Correction::Edit { span: span(5000, 6000), before: "Thank you for watching.".into(), after: " ".into() };
        let corrected = apply(heard, &[gone]);
        assert_eq!(names(&corrected.timeline), [("Good evening.", vec![(0, 900)])]);
        assert!(corrected.unplaced.is_empty());
    }
}
