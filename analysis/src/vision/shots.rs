//! Shots from frame differences over every frame of the proxy (not only the captured
//! ones, so a cut is placed on its frame): ffmpeg's scene score for each frame, and its
//! black-frame detector. A spike is a hard cut; a run of moderate differences that adds
//! up is a gradual transition (dissolve, fade); black stretches are technical cues.

use std::path::Path;
use std::time::Duration;

use mediaport_shared::{Timecode, TimelineItem};

use crate::tools::{Tool, ToolError, Tools, args};

/// A frame whose scene score reaches this starts a new shot.
const HARD_CUT: f64 = 0.3;
/// Frames above this take part in a gradual transition...
const GRADUAL_FLOOR: f64 = 0.03;
/// ...which must add up to this and last at least `GRADUAL_MIN`.
const GRADUAL_SUM: f64 = 0.5;
const GRADUAL_MIN: Duration = Duration::from_millis(250);
/// Shots shorter than this are merged into the previous one (flashes, strobes).
const MIN_SHOT: Duration = Duration::from_millis(400);

/// One frame's difference from the one before it, 0 (same) to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameScore {
    pub time_ms: u64,
    pub score: f64,
}

/// Where one shot ends and the next begins, and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary {
    pub time_ms: u64,
    pub gradual: bool,
    pub strength: f64,
}

/// Everything the pass over the proxy found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShotReport {
    pub scores: Vec<FrameScore>,
    pub black: Vec<Timecode>,
}

/// Scores every frame of `video` and finds its black stretches, in one ffmpeg run.
pub async fn measure(tools: &Tools, video: &Path, duration_ms: u64, work: &Path) -> Result<ShotReport, ToolError> {
    let metadata = work.join("scene.txt");
    // Small frames measure differences as well as big ones, and decode-and-scale is the cost.
    let filters = format!(
        "scale=192:-2,blackdetect=d=0.2:pix_th=0.10,select='gte(scene\\,0)',metadata=mode=print:file='{}'",
        metadata.display().to_string().replace('\'', "\\'")
    );
    let limit = Duration::from_millis(duration_ms).max(Duration::from_secs(60)) * 2;
    tools
        .run_for(
            Tool::Ffmpeg,
            args!["-nostdin", "-hide_banner", "-v", "error", "-i", video, "-an", "-vf", filters, "-f", "null", "-"],
            limit,
        )
        .await?;
    let text = std::fs::read_to_string(&metadata).map_err(|source| ToolError::Io { program: "ffmpeg", source })?;
    Ok(parse_metadata(&text, duration_ms))
}

/// Reads `metadata=print` output: a `frame:N pts:P pts_time:T` line, then `key=value` lines.
fn parse_metadata(text: &str, duration_ms: u64) -> ShotReport {
    let mut report = ShotReport::default();
    let mut time_ms = 0;
    let mut black_start: Option<u64> = None;
    for line in text.lines() {
        if let Some(at) = line.split_whitespace().find_map(|w| w.strip_prefix("pts_time:")) {
            time_ms = seconds_to_ms(at);
        } else if let Some(score) = line.strip_prefix("lavfi.scene_score=") {
            report.scores.push(FrameScore { time_ms, score: score.trim().parse().unwrap_or(0.0) });
        } else if let Some(at) = line.strip_prefix("lavfi.black_start=") {
            black_start = Some(seconds_to_ms(at));
        } else if let Some(at) = line.strip_prefix("lavfi.black_end=") {
            let end = seconds_to_ms(at);
            report.black.push(Timecode { begin: black_start.take().unwrap_or(end), end });
        }
    }
    if let Some(begin) = black_start {
        report.black.push(Timecode { begin, end: duration_ms.max(begin) });
    }
    report
}

fn seconds_to_ms(text: &str) -> u64 {
    (text.trim().parse::<f64>().unwrap_or(0.0).max(0.0) * 1000.0).round() as u64
}

/// Finds the boundaries between shots in per-frame scores.
pub fn boundaries(scores: &[FrameScore]) -> Vec<Boundary> {
    let mut found = Vec::new();
    let mut run: Vec<FrameScore> = Vec::new();
    // The first frame's score compares it with nothing.
    for &frame in scores.iter().skip(1) {
        if frame.score >= HARD_CUT {
            run.clear();
            found.push(Boundary { time_ms: frame.time_ms, gradual: false, strength: frame.score.min(1.0) });
        } else if frame.score >= GRADUAL_FLOOR {
            run.push(frame);
        } else {
            found.extend(gradual(&run));
            run.clear();
        }
    }
    found.extend(gradual(&run));
    found.sort_by_key(|b| b.time_ms);
    // A boundary too close to the one before is the same change seen twice.
    let mut kept: Vec<Boundary> = Vec::new();
    for boundary in found {
        match kept.last() {
            Some(last) if boundary.time_ms.saturating_sub(last.time_ms) < MIN_SHOT.as_millis() as u64 => {}
            _ => kept.push(boundary),
        }
    }
    kept
}

/// A run of moderate differences is a transition if it adds up and lasts; it is placed
/// at its middle.
fn gradual(run: &[FrameScore]) -> Option<Boundary> {
    let (first, last) = (run.first()?, run.last()?);
    let sum: f64 = run.iter().map(|f| f.score).sum();
    let lasts = last.time_ms - first.time_ms >= GRADUAL_MIN.as_millis() as u64;
    (sum >= GRADUAL_SUM && lasts).then(|| Boundary {
        time_ms: (first.time_ms + last.time_ms) / 2,
        gradual: true,
        strength: (sum / 2.0).min(1.0),
    })
}

/// The shot timeline: `shot 1`, `shot 2`... between boundaries, and black stretches as
/// `black frames`.
pub fn timeline(boundaries: &[Boundary], black: &[Timecode], duration_ms: u64) -> Vec<TimelineItem> {
    let mut starts = vec![(0u64, 1.0f32)];
    starts.extend(
        boundaries.iter().filter(|b| b.time_ms > 0 && b.time_ms < duration_ms).map(|b| (b.time_ms, b.strength as f32)),
    );
    let mut items: Vec<TimelineItem> = starts
        .iter()
        .enumerate()
        .map(|(i, &(begin, confidence))| {
            let end = starts.get(i + 1).map_or(duration_ms, |next| next.0);
            TimelineItem {
                name: format!("shot {}", i + 1),
                confidence,
                timecodes: vec![Timecode { begin, end }],
                boxes: Vec::new(),
                pages: Vec::new(),
            }
        })
        .collect();
    if !black.is_empty() {
        items.push(TimelineItem {
            name: "black frames".into(),
            confidence: 1.0,
            timecodes: black.to_vec(),
            boxes: Vec::new(),
            pages: Vec::new(),
        });
    }
    items
}

/// The shots as a CMX3600 edit decision list, timecodes at `fps` (non-drop frame).
pub fn edl(title: &str, shots: &[TimelineItem], fps: f64) -> String {
    let rate = fps.round().max(1.0) as u64;
    let timecode = |ms: u64| {
        let frames = ms * rate / 1000;
        let (f, s) = (frames % rate, frames / rate);
        format!("{:02}:{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60, f)
    };
    let mut out = format!("TITLE: {title}\nFCM: NON-DROP FRAME\n\n");
    let mut record = 0;
    for (n, shot) in shots.iter().filter(|s| s.name.starts_with("shot ")).enumerate() {
        let Some(span) = shot.timecodes.first() else { continue };
        let length = span.end - span.begin;
        out.push_str(&format!(
            "{:03}  AX       V     C        {} {} {} {}\n* FROM CLIP NAME: {title}\n\n",
            n + 1,
            timecode(span.begin),
            timecode(span.end),
            timecode(record),
            timecode(record + length),
        ));
        record += length;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(values: &[f64]) -> Vec<FrameScore> {
        values.iter().enumerate().map(|(i, &score)| FrameScore { time_ms: i as u64 * 40, score }).collect()
    }

    #[test]
    fn a_spike_is_a_cut_and_a_long_soft_run_is_a_dissolve() {
        let mut values = vec![0.0; 100];
        values[20] = 0.8; // cut at 800 ms
        for v in &mut values[50..70] {
            *v = 0.05; // 20 frames of 5 %: a dissolve around 2.2 s
        }
        values[90] = 0.1; // a flicker: not enough alone
        let found = boundaries(&scores(&values));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].time_ms, found[0].gradual), (800, false));
        assert!(found[1].gradual && (2000..2800).contains(&found[1].time_ms), "{found:?}");
    }

    #[test]
    fn metadata_lines_become_scores_and_black_stretches() {
        let text = "frame:0    pts:0       pts_time:0\nlavfi.scene_score=0.000000\n\
                    frame:1    pts:512     pts_time:0.04\nlavfi.black_start=0.04\nlavfi.scene_score=0.612\n\
                    frame:2    pts:1024    pts_time:0.08\nlavfi.black_end=1.5\nlavfi.scene_score=0.01\n";
        let report = parse_metadata(text, 3000);
        assert_eq!(report.scores[1], FrameScore { time_ms: 40, score: 0.612 });
        assert_eq!(report.black, [Timecode { begin: 40, end: 1500 }]);
    }

    #[test]
    fn the_edl_lists_each_shot_with_source_and_record_timecodes() {
        let cuts = [Boundary { time_ms: 2000, gradual: false, strength: 0.9 }];
        let shots = timeline(&cuts, &[], 5000);
        let edl = edl("film.mp4", &shots, 25.0);
        assert!(edl.contains("001  AX       V     C        00:00:00:00 00:00:02:00 00:00:00:00 00:00:02:00"), "{edl}");
        assert!(edl.contains("002  AX       V     C        00:00:02:00 00:00:05:00 00:00:02:00 00:00:05:00"), "{edl}");
    }
}
