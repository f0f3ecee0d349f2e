//! Per-frame detections turned into timelines: one item per name, the frames it was seen
//! on merged into time ranges, its best confidence, and its box on each frame.

use std::collections::BTreeMap;

use mediaport_shared::{FrameBox, Timecode, TimelineItem, WordBox};

/// Something found on one frame; `area` is left, top, width, height as fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub name: String,
    pub confidence: f32,
    pub area: Option<[f32; 4]>,
    /// On-screen text: the line's words with their areas.
    pub words: Vec<WordBox>,
}

/// The detections of one analysed frame, and the stretch of time that frame stands for
/// (until the next analysed frame: with dynamic selection the frames in between looked
/// the same).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameResult {
    pub span: Timecode,
    pub detections: Vec<Detection>,
}

/// Merges frames' detections into items, ordered by first appearance then name.
pub fn merge(frames: &[FrameResult]) -> Vec<TimelineItem> {
    let mut items: BTreeMap<&str, TimelineItem> = BTreeMap::new();
    for frame in frames {
        for found in &frame.detections {
            let item = items.entry(&found.name).or_insert_with(|| TimelineItem {
                name: found.name.clone(),
                confidence: 0.0,
                timecodes: Vec::new(),
                ..Default::default()
            });
            item.confidence = item.confidence.max(found.confidence);
            match item.timecodes.last_mut() {
                // Seen on the frame before too: the range goes on.
                Some(last) if frame.span.begin <= last.end => last.end = last.end.max(frame.span.end),
                _ => {
                    if item.timecodes.last().is_none_or(|last| last.begin != frame.span.begin) {
                        item.timecodes.push(frame.span);
                    }
                }
            }
            if let Some([left, top, width, height]) = found.area {
                let time_ms = frame.span.begin;
                let confidence = found.confidence;
                let words = found.words.clone();
                item.boxes.push(FrameBox { time_ms, left, top, width, height, confidence, words });
            }
        }
    }
    let mut items: Vec<TimelineItem> = items.into_values().collect();
    items.sort_by(|a, b| a.timecodes[0].begin.cmp(&b.timecodes[0].begin).then_with(|| a.name.cmp(&b.name)));
    items
}

/// The span each frame stands for: from its time to the next frame's (the last one gets
/// `interval`, within `duration_ms`).
pub fn spans(times: &[u64], interval_ms: u64, duration_ms: u64) -> Vec<Timecode> {
    times
        .iter()
        .enumerate()
        .map(|(i, &begin)| {
            let end =
                times.get(i + 1).copied().unwrap_or_else(|| (begin + interval_ms).min(duration_ms.max(begin + 1)));
            Timecode { begin, end: end.max(begin + 1) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(name: &str, confidence: f32) -> Detection {
        Detection { name: name.into(), confidence, area: Some([0.1, 0.2, 0.3, 0.4]), words: Vec::new() }
    }

    #[test]
    fn consecutive_frames_merge_and_gaps_split() {
        let spans = spans(&[0, 1000, 2000, 3000, 4000], 1000, 4500);
        let found =
            [vec![seen("dog", 0.6)], vec![seen("dog", 0.9)], vec![], vec![seen("dog", 0.7), seen("cat", 0.8)], vec![]];
        let frames: Vec<FrameResult> =
            spans.iter().zip(found).map(|(span, detections)| FrameResult { span: *span, detections }).collect();
        let items = merge(&frames);
        assert_eq!(items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["dog", "cat"]);
        let dog = &items[0];
        assert_eq!(dog.confidence, 0.9);
        assert_eq!(dog.timecodes, [Timecode { begin: 0, end: 2000 }, Timecode { begin: 3000, end: 4000 }]);
        assert_eq!(dog.boxes.len(), 3);
        assert_eq!(spans.last().unwrap(), &Timecode { begin: 4000, end: 4500 });
    }
}
