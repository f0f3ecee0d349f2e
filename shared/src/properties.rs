//! Property tests of the writers and planners every client relies on: for any input, no
//! panic, and output a reader of the format takes.

use proptest::prelude::*;

use crate::analysis::{SpokenWord, Timecode, TimelineItem, srt, subtitles_vtt, vtt};
use crate::upload::{MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, plan_parts};

/// S3's smallest part, all but the last.
const S3_MIN_PART: u64 = 5 * 1024 * 1024;

/// Text with what breaks subtitle formats: arrows, markup, blank lines, any Unicode.
fn awkward_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![Just("-->".to_owned()), Just("<b>&amp;".to_owned()), Just("\n\n".to_owned()), "\\PC{0,12}"],
        0..12,
    )
    .prop_map(|pieces| pieces.join(" "))
}

fn item() -> impl Strategy<Value = TimelineItem> {
    (awkward_text(), 0u64..10_000_000, 0u64..600_000, any::<bool>()).prop_map(|(name, begin, length, timed)| {
        let end = begin + length;
        // Words timed across the span, one per word of the text, or none.
        let words: Vec<SpokenWord> = if timed {
            let count = name.split_whitespace().count() as u64;
            name.split_whitespace()
                .enumerate()
                .map(|(n, text)| {
                    let at = begin + length * n as u64 / count.max(1);
                    SpokenWord { text: text.to_owned(), begin: at, end: at + 1 }
                })
                .collect()
        } else {
            Vec::new()
        };
        TimelineItem { name, confidence: 0.5, timecodes: vec![Timecode { begin, end }], words, ..Default::default() }
    })
}

/// The cues of a WebVTT or SubRip file, read as a player would: blocks split by blank
/// lines, the timing line the one with the arrow. Fails where a text line could be taken
/// for a timing line or the blocks do not parse.
fn read_cues(text: &str, header: Option<&str>) -> Result<Vec<(String, String, Vec<String>)>, String> {
    let mut blocks = text.split("\n\n").filter(|b| !b.is_empty());
    if let Some(header) = header {
        (blocks.next() == Some(header)).then_some(()).ok_or("no header")?;
    }
    let mut cues = Vec::new();
    for block in blocks {
        let mut lines: Vec<&str> = block.lines().collect();
        if header.is_none() {
            lines.remove(0).parse::<usize>().map_err(|_| format!("no cue number: {block:?}"))?;
        }
        let timing = lines.first().ok_or("an empty cue")?;
        let (begin, end) = timing.split_once(" --> ").ok_or_else(|| format!("no timing: {block:?}"))?;
        let text: Vec<String> = lines[1..].iter().map(|l| (*l).to_owned()).collect();
        if text.iter().any(|l| l.contains("-->") || l.trim().is_empty()) {
            return Err(format!("a text line a player would misread: {block:?}"));
        }
        cues.push((begin.to_owned(), end.to_owned(), text));
    }
    Ok(cues)
}

proptest! {
    #[test]
    fn every_size_is_planned_in_parts_s3_accepts_that_add_up_to_the_file(size in 1..=MAX_OBJECT_SIZE) {
        let plan = plan_parts(size).expect("a size S3 takes is planned");
        prop_assert!(u64::from(plan.part_count) <= MAX_PARTS);
        prop_assert!((S3_MIN_PART..=MAX_PART_SIZE).contains(&plan.part_size));
        let last = plan.part_len(size, plan.part_count);
        prop_assert!(last >= 1 && last <= plan.part_size);
        prop_assert_eq!(u64::from(plan.part_count - 1) * plan.part_size + last, size);
    }

    #[test]
    fn subtitles_of_any_transcript_read_back_as_cues(items in prop::collection::vec(item(), 0..6)) {
        let srt = srt(&items);
        let cues = read_cues(&srt, None).map_err(TestCaseError::fail)?;
        let vtt = subtitles_vtt(&items);
        prop_assert_eq!(read_cues(&vtt, Some("WEBVTT")).map_err(TestCaseError::fail)?.len(), cues.len());
        for (begin, end, _) in &cues {
            prop_assert!(begin < end, "{} --> {}", begin, end);
        }
        let words: usize = items.iter().map(|i| i.name.split_whitespace().count()).sum();
        let written: usize = cues.iter().flat_map(|(_, _, t)| t).map(|l| l.split_whitespace().count()).sum();
        prop_assert_eq!(written, words, "every word said is in the subtitles, once");
    }

    #[test]
    fn a_metadata_track_of_any_timeline_reads_back_as_json_cues(items in prop::collection::vec(item(), 0..6)) {
        let track = vtt(&items);
        for (_, _, text) in read_cues(&track, Some("WEBVTT")).map_err(TestCaseError::fail)? {
            let payload: serde_json::Value = serde_json::from_str(&text.join("\n")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(payload["name"].is_string());
        }
    }
}
