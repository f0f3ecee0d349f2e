use mediaport_shared::{Timecode, TimelineItem};

use super::*;

fn span(begin_s: u64, end_s: u64) -> Timecode {
    Timecode { begin: begin_s * 1000, end: end_s * 1000 }
}

/// A colour histogram all in one bin.
fn colour(bin: usize) -> Vec<f32> {
    let mut bins = vec![0.0; 64];
    bins[bin] = 1.0;
    bins
}

/// Shots of `seconds` each, one frame a second of the set's colour.
fn film(sets: &[(usize, u64)]) -> Evidence {
    let mut evidence = Evidence::default();
    let mut at = 0;
    for &(set, seconds) in sets {
        evidence.shots.push(span(at, at + seconds));
        for s in at..at + seconds {
            evidence.frames.push((s * 1000, colour(set)));
        }
        at += seconds;
    }
    evidence
}

fn item(name: &str, spans: &[Timecode]) -> TimelineItem {
    TimelineItem { name: name.into(), confidence: 0.9, timecodes: spans.to_vec(), ..Default::default() }
}

fn starts(evidence: &Evidence, duration_ms: u64) -> Vec<u64> {
    scene_starts(&score_boundaries(evidence), duration_ms).iter().map(|b| b.time_ms).collect()
}

#[test]
fn a_conversation_cutting_between_two_faces_is_one_scene_until_the_set_changes() {
    // Two sets cut back and forth (A B A B A), then a new set (C C).
    let evidence = film(&[(1, 5), (2, 5), (1, 5), (2, 5), (1, 5), (40, 5), (40, 5)]);
    assert_eq!(starts(&evidence, 35_000), [25_000]);
    let items = timeline(&scene_starts(&score_boundaries(&evidence), 35_000), 35_000);
    assert_eq!(items.iter().map(|i| i.timecodes[0]).collect::<Vec<_>>(), [span(0, 25), span(25, 35)]);
    assert_eq!(items[1].name, "scene 2");
}

#[test]
fn black_and_silence_between_like_shots_still_part_them_and_the_black_is_no_shot() {
    let mut evidence = film(&[(1, 10), (1, 1), (1, 10)]);
    evidence.black = vec![span(10, 11)];
    evidence.silence = vec![Timecode { begin: 9800, end: 11_300 }];
    let boundaries = score_boundaries(&evidence);
    assert_eq!(boundaries.len(), 1, "the black shot is the boundary: {boundaries:?}");
    let b = boundaries[0];
    assert!(b.black && b.silent && b.score >= 0.8, "{b:?}");
    assert_eq!(b.cue, Some(Timecode { begin: 9800, end: 11_300 }));
    assert_eq!(starts(&evidence, 21_000), [11_000]);
}

#[test]
fn a_sentence_running_across_a_cut_holds_the_shots_together() {
    let mut evidence = film(&[(1, 10), (30, 10)]);
    let alone = score_boundaries(&evidence)[0].score;
    evidence.sentences = vec![(Timecode { begin: 8000, end: 12_000 }, vec![1.0, 0.0])];
    let spoken = score_boundaries(&evidence)[0].score;
    assert!(spoken < SCENE_LEVEL && alone >= SCENE_LEVEL, "{alone} then {spoken}");
}

#[test]
fn a_label_on_every_shot_says_nothing_and_a_rare_one_links_its_shots() {
    let mut evidence = film(&[(1, 5), (2, 5), (3, 5)]);
    evidence.labels = vec![item("person", &[span(0, 15)]), item("cat", &[span(0, 5), span(10, 15)])];
    let views = evidence.views();
    assert!(views[1].labels.is_empty(), "{:?}", views[1].labels);
    assert!(views[0].labels.contains_key("cat") && !views[0].labels.contains_key("person"));
    // The colours differ everywhere; the cat is shared by the first and last shots only.
    assert!(views[0].likeness(&views[2]).unwrap() > views[0].likeness(&views[1]).unwrap());
}

#[test]
fn with_nothing_to_compare_a_cut_is_no_new_scene() {
    let evidence = Evidence { shots: vec![span(0, 10), span(10, 20)], ..Evidence::default() };
    assert_eq!(starts(&evidence, 20_000), Vec::<u64>::new());
}

fn boundary(time_s: u64, score: f32, black: bool, silent: bool) -> SceneBoundary {
    SceneBoundary { time_ms: time_s * 1000, score, black, silent, cue: None }
}

#[test]
fn chapters_join_scenes_at_their_strongest_boundaries_and_take_their_phrases_as_titles() {
    // Scenes every 5 minutes of an hour; the strongest at 20 and 40 minutes.
    let scenes: Vec<SceneBoundary> = (1..12)
        .map(|n| boundary(n * 300, if n == 4 || n == 8 { 0.95 } else { 0.6 + n as f32 / 100.0 }, false, false))
        .collect();
    let phrases = [
        item("heavy rain", &[span(60, 65), span(600, 605)]),
        item("rain", &[span(70, 75), span(80, 85), span(90, 95)]),
        item("lisbon", &[span(100, 105)]),
        item("the farmers", &[span(1300, 1305)]),
    ];
    let chapters = chapters::timeline(&scenes, 3_600_000, 1_200_000, &phrases, &[]);
    let spans: Vec<Timecode> = chapters.iter().map(|c| c.timecodes[0]).collect();
    assert_eq!(spans, [span(0, 1200), span(1200, 2400), span(2400, 3600)]);
    // "rain" is met most, "heavy rain" repeats its word, "lisbon" comes next.
    assert_eq!(chapters[0].name, "Chapter 1: Rain, Lisbon");
    assert_eq!(chapters[1].name, "Chapter 2: The farmers");
    assert_eq!(chapters[2].name, "Chapter 3");
    let short = chapters::timeline(&scenes, 3_600_000, 3_600_000, &phrases, &[item("boat", &[span(10, 20)])]);
    assert_eq!(short.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Chapter 1: Rain, Lisbon"]);
}

#[test]
fn ad_breaks_are_scene_starts_on_black_or_silence_best_on_both() {
    let scenes = [
        boundary(300, 0.9, false, false),
        boundary(900, 0.6, true, true),
        boundary(1500, 0.9, true, false),
        boundary(2100, 0.7, false, true),
    ];
    let all = breaks::timeline(&scenes, 3_600_000, 0);
    let at: Vec<(u64, f32)> = all.iter().map(|b| (b.timecodes[0].begin, b.confidence)).collect();
    assert_eq!(at.len(), 3, "{at:?}");
    assert_eq!(at[0].0, 900_000);
    assert!(at[0].1 > at[1].1 && at[1].1 > at[2].1, "black and silence beat black beat silence: {at:?}");
    assert_eq!(all[0].name, "break 1");
}

#[test]
fn a_target_per_hour_spreads_the_breaks_evenly() {
    // Strong candidates bunched at 5 to 7 minutes, weaker ones near 20 and 40.
    let scenes = [
        boundary(300, 0.9, true, true),
        boundary(360, 0.9, true, true),
        boundary(420, 0.9, true, true),
        boundary(1250, 0.5, true, false),
        boundary(2350, 0.5, true, false),
        boundary(2500, 0.5, false, true),
    ];
    let two = breaks::timeline(&scenes, 3_600_000, 2);
    let at: Vec<u64> = two.iter().map(|b| b.timecodes[0].begin / 1000).collect();
    assert_eq!(at, [1250, 2350]);
    let early = [boundary(120, 0.9, true, true)];
    let none_near = breaks::timeline(&early, 3_600_000, 1);
    assert!(none_near.is_empty(), "a candidate 28 minutes from the only slot is no break: {none_near:?}");
}
