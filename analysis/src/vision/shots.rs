//! Shots from frame differences over every frame of the proxy (not only the captured
//! ones, so a cut is placed on its frame), in one ffmpeg pass: the scene score of each
//! frame, a 16x9 grey thumbnail of each frame, and the black-frame detector. A spike in
//! the scene score is a hard cut. The scene score measures jumps in the difference, so it
//! stays flat through a dissolve or fade; those show where a frame differs strongly from
//! the frame a second before it, for a short while, with no cut to explain it. Black
//! stretches are technical cues, and so are silent stretches of the sound, measured in
//! the same run (scenes and ad breaks look for both).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mediaport_shared::{Timecode, TimelineItem};
use serde::{Deserialize, Serialize};

use super::cues;
use crate::tools::{Tool, ToolError, Tools, args};

/// A frame whose scene score reaches this starts a new shot.
const HARD_CUT: f64 = 0.3;
/// Frames are compared with the frame this long before them to see slow transitions.
const WINDOW: Duration = Duration::from_secs(1);
/// A mean thumbnail difference (0 to 255) from a second before that marks a transition...
const GRADUAL_LEVEL: f64 = 20.0;
/// ...if it does not last longer than this (longer is motion: a pan, a crowd).
const GRADUAL_LONGEST: Duration = Duration::from_secs(4);
/// The thumbnails' size: enough to see a scene change, too small to see motion.
const THUMB: (usize, usize) = (16, 9);
/// Black runs shorter than this (blackdetect's `d`) are a dark frame, not a cue.
const MIN_BLACK_MS: u64 = 200;
/// Sound below this level for at least `SILENT_SECONDS` is silence: quieter than a room's
/// tone in speech or the quiet bars of music, as loud as the digital silence of a break.
const SILENT_DB: i32 = -50;
const SILENT_SECONDS: f64 = 0.3;
/// Shots shorter than this are merged into the previous one (flashes, strobes).
const MIN_SHOT: Duration = Duration::from_millis(400);

/// One frame's difference from the one before it, 0 (same) to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameScore {
    pub time_ms: u64,
    pub score: f64,
}

/// Where one shot ends and the next begins, and how.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Boundary {
    pub time_ms: u64,
    pub gradual: bool,
    pub strength: f64,
}

/// Everything the pass over the proxy found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShotReport {
    pub scores: Vec<FrameScore>,
    /// One grey 16x9 thumbnail per frame, in the order of `scores`.
    pub thumbs: Vec<Vec<u8>>,
    pub black: Vec<Timecode>,
    pub silence: Vec<Timecode>,
}

/// Scores every frame of `video` and finds its black (and, `with_sound`, its silent)
/// stretches, in one ffmpeg run.
pub async fn measure(
    tools: &Tools,
    video: &Path,
    with_sound: bool,
    duration_ms: u64,
    work: &Path,
) -> Result<ShotReport, ToolError> {
    let measurement = Measurement::in_dir(work, with_sound);
    let limit = Duration::from_millis(duration_ms).max(Duration::from_secs(60)) * 2;
    let mut command = args!["-nostdin", "-hide_banner", "-v", "error", "-i", video];
    command.extend(measurement.args());
    tools.run_for(Tool::Ffmpeg, command, limit).await?;
    measurement.read(duration_ms).await
}

/// The part of an ffmpeg run that measures shots on its first input's video: ingest adds
/// it to the run that makes the proxies, so the picture is decoded once for both.
#[derive(Debug, Clone)]
pub struct Measurement {
    metadata: PathBuf,
    thumbs: PathBuf,
    /// Where silences are written, when the input has sound.
    silences: Option<PathBuf>,
}

impl Measurement {
    /// Writes its files into `dir`; `with_sound` measures silences on the first audio stream.
    pub fn in_dir(dir: &Path, with_sound: bool) -> Self {
        let silences = with_sound.then(|| dir.join("silence.txt"));
        Self { metadata: dir.join("scene.txt"), thumbs: dir.join("thumbs.gray"), silences }
    }

    /// The filter graph and its outputs, for after the run's inputs.
    pub fn args(&self) -> Vec<OsString> {
        // Small frames measure differences as well as big ones, and decode-and-scale is the
        // cost; fast_bilinear keeps scaling a 1080p source cheap next to decoding it.
        let mut filters = format!(
            "[0:v:0]scale=192:-2:flags=fast_bilinear,split[m][t];\
             [m]blackdetect=d=0.2:pix_th=0.10,select='gte(scene\\,0)',metadata=mode=print:file='{}'[scored];\
             [t]scale={}:{},format=gray[thumbs]",
            self.metadata.display().to_string().replace('\'', "\\'"),
            THUMB.0,
            THUMB.1
        );
        if let Some(file) = &self.silences {
            // Only the frames where a silence starts or ends carry metadata, so the file stays small.
            filters.push_str(&format!(
                ";[0:a:0]silencedetect=n={SILENT_DB}dB:d={SILENT_SECONDS},ametadata=mode=print:file='{}'[quiet]",
                file.display().to_string().replace('\'', "\\'")
            ));
        }
        let mut args = args![
            "-filter_complex",
            filters,
            "-map",
            "[scored]",
            "-f",
            "null",
            "-",
            "-map",
            "[thumbs]",
            // One thumbnail per decoded frame, as scored: never duplicated or dropped to a rate.
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-y",
            &self.thumbs
        ];
        if self.silences.is_some() {
            args.extend(args!["-map", "[quiet]", "-f", "null", "-"]);
        }
        args
    }

    /// Reads what the run wrote.
    pub async fn read(self, duration_ms: u64) -> Result<ShotReport, ToolError> {
        // A long film's report runs to megabytes: read and parse it off the async runtime.
        let read = tokio::task::spawn_blocking(move || {
            let mut report = parse_metadata(&std::fs::read_to_string(&self.metadata)?, duration_ms);
            if let Some(file) = &self.silences {
                report.silence = parse_silences(&std::fs::read_to_string(file)?, duration_ms);
            }
            report.thumbs = std::fs::read(&self.thumbs)?.chunks_exact(THUMB.0 * THUMB.1).map(<[u8]>::to_vec).collect();
            Ok(report)
        });
        let io = |source| ToolError::Io { program: "ffmpeg", source };
        read.await.map_err(|e| io(std::io::Error::other(e)))?.map_err(io)
    }
}

/// What the analysis needs of a measurement, small enough to store with the asset's
/// reports: the boundaries, black stretches, silences, colour bars and the head's stills.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cuts {
    pub boundaries: Vec<Boundary>,
    pub black: Vec<Timecode>,
    /// Empty for media without sound, and in reports made before silences were measured.
    #[serde(default)]
    pub silence: Vec<Timecode>,
    /// The next two are empty in reports made before cues were looked for.
    #[serde(default)]
    pub bars: Vec<Timecode>,
    #[serde(default)]
    pub stills: Vec<Timecode>,
}

impl Cuts {
    pub fn of(report: &ShotReport, duration_ms: u64) -> Self {
        Self {
            boundaries: boundaries(report),
            black: report.black.clone(),
            silence: report.silence.clone(),
            bars: cues::bars(report, THUMB.0, duration_ms),
            stills: cues::stills(report, duration_ms),
        }
    }
}

/// Reads silencedetect's metadata as `ametadata=print` writes it: `lavfi.silence_start=T`,
/// later `lavfi.silence_end=T`; a silence still open at the end lasts to the end.
fn parse_silences(text: &str, duration_ms: u64) -> Vec<Timecode> {
    let mut found = Vec::new();
    let mut start: Option<u64> = None;
    for line in text.lines() {
        if let Some(at) = line.strip_prefix("lavfi.silence_start=") {
            start = Some(seconds_to_ms(at));
        } else if let Some(at) = line.strip_prefix("lavfi.silence_end=") {
            let end = seconds_to_ms(at);
            if let Some(begin) = start.take().filter(|&begin| end > begin) {
                found.push(Timecode { begin, end });
            }
        }
    }
    if let Some(begin) = start.filter(|&begin| duration_ms > begin) {
        found.push(Timecode { begin, end: duration_ms });
    }
    found
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
            // The filter marks every black run on the frames; its `d` only gates its log.
            let end = seconds_to_ms(at);
            let begin = black_start.take().unwrap_or(end);
            if end.saturating_sub(begin) >= MIN_BLACK_MS {
                report.black.push(Timecode { begin, end });
            }
        }
    }
    // Black to the end counts too.
    if let Some(begin) = black_start.filter(|&begin| duration_ms.saturating_sub(begin) >= MIN_BLACK_MS) {
        report.black.push(Timecode { begin, end: duration_ms });
    }
    report
}

fn seconds_to_ms(text: &str) -> u64 {
    (text.trim().parse::<f64>().unwrap_or(0.0).max(0.0) * 1000.0).round() as u64
}

/// Finds the boundaries between shots: cuts in the scene scores, and gradual transitions
/// in the thumbnails' differences from a second before.
pub fn boundaries(report: &ShotReport) -> Vec<Boundary> {
    let scores = &report.scores;
    // The first frame's score compares it with nothing.
    let mut found: Vec<Boundary> = scores
        .iter()
        .skip(1)
        .filter(|f| f.score >= HARD_CUT)
        .map(|f| Boundary { time_ms: f.time_ms, gradual: false, strength: f.score.min(1.0) })
        .collect();
    let cuts: Vec<u64> = found.iter().map(|b| b.time_ms).collect();
    found.extend(gradual(report, &cuts));
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

/// Stretches where frames differ from those a second before, briefly and with no cut
/// inside: each is a transition, placed half a second before its strongest difference
/// (which comes when the frame a second back is the last of the old scene).
fn gradual(report: &ShotReport, cuts: &[u64]) -> Vec<Boundary> {
    let (scores, thumbs) = (&report.scores, &report.thumbs);
    let frames = scores.len().min(thumbs.len());
    let window = WINDOW.as_millis() as u64;
    // How many frames back a second is, from the frames' own times.
    let per_second = scores.iter().take_while(|f| f.time_ms < window).count().max(1);
    let difference = |i: usize| -> f64 {
        let (a, b) = (&thumbs[i], &thumbs[i - per_second]);
        a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
    };
    let mut found = Vec::new();
    let mut stretch: Vec<(usize, f64)> = Vec::new();
    for i in per_second..=frames {
        let d = if i < frames { difference(i) } else { 0.0 };
        if d >= GRADUAL_LEVEL {
            stretch.push((i, d));
            continue;
        }
        if let (Some(&(first, _)), Some(&(last, _))) = (stretch.first(), stretch.last()) {
            let lasts = scores[last].time_ms - scores[first].time_ms;
            let (peak, strength) = stretch.iter().copied().fold((first, 0.0), |a, b| if b.1 > a.1 { b } else { a });
            let at = scores[peak].time_ms.saturating_sub(window / 2);
            let (from, to) = (scores[first].time_ms.saturating_sub(window), scores[last].time_ms);
            let explained = cuts.iter().any(|&c| c >= from && c <= to);
            if lasts <= GRADUAL_LONGEST.as_millis() as u64 && !explained {
                found.push(Boundary { time_ms: at, gradual: true, strength: (strength / 128.0).min(1.0) });
            }
        }
        stretch.clear();
    }
    found
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
        .filter_map(|(i, &(begin, confidence))| {
            let end = starts.get(i + 1).map_or(duration_ms, |next| next.0);
            // Without a known duration the last shot has no end: it is left out.
            (end > begin).then(|| TimelineItem {
                name: format!("shot {}", i + 1),
                confidence,
                timecodes: vec![Timecode { begin, end }],
                ..Default::default()
            })
        })
        .collect();
    if !black.is_empty() {
        items.push(TimelineItem {
            name: "black frames".into(),
            confidence: 1.0,
            timecodes: black.to_vec(),
            ..Default::default()
        });
    }
    items
}

/// The spans of a shot timeline's shots (not its black frames or cues), in time order.
pub fn spans(items: &[TimelineItem]) -> Vec<Timecode> {
    items.iter().filter(|i| i.name.starts_with("shot ")).filter_map(|i| i.timecodes.first().copied()).collect()
}

/// CMX3600 numbers events with three digits.
const MAX_EVENTS: usize = 999;

/// The shots as a CMX3600 edit decision list in non-drop-frame timecode: frames are
/// counted at the real rate (29.97 counts 29.97 frames a second) and labelled at the
/// nominal one (30), as NDF timecode does. A shot starting a scene (`scenes`: the start
/// times of scene 2 on) gets a locator naming it, as editing software reads markers.
pub fn edl(title: &str, shots: &[TimelineItem], fps: f64, scenes: &[u64]) -> String {
    let fps = if fps.is_finite() && fps > 0.0 { fps } else { 25.0 };
    let nominal = fps.round().max(1.0) as u64;
    let frame = |ms: u64| (ms as f64 * fps / 1000.0).round() as u64;
    let timecode = |frames: u64| {
        let (f, s) = (frames % nominal, frames / nominal);
        format!("{:02}:{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60, f)
    };
    // One line each: no control characters, and short enough for the 80-column format.
    let title: String = title.chars().filter(|c| !c.is_control()).take(70).collect();
    let mut out = format!("TITLE: {title}\nFCM: NON-DROP FRAME\n\n");
    let spans: Vec<_> =
        shots.iter().filter(|s| s.name.starts_with("shot ")).filter_map(|s| s.timecodes.first()).collect();
    let mut record = 0;
    for (n, span) in spans.iter().take(MAX_EVENTS).enumerate() {
        let (from, to) = (frame(span.begin), frame(span.end));
        out.push_str(&format!(
            "{:03}  AX       V     C        {} {} {} {}\n* FROM CLIP NAME: {title}\n\n",
            n + 1,
            timecode(from),
            timecode(to),
            timecode(record),
            timecode(record + (to - from)),
        ));
        if let Some(scene) = scenes.iter().position(|&start| start == span.begin) {
            out.push_str(&format!("* LOC: {} YELLOW  SCENE {}\n\n", timecode(record), scene + 2));
        }
        record += to - from;
    }
    if spans.len() > MAX_EVENTS {
        out.push_str(&format!(
            "* {} MORE SHOTS NOT LISTED: CMX3600 HOLDS {MAX_EVENTS} EVENTS\n",
            spans.len() - MAX_EVENTS
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn an_edl_of_any_title_and_shots_is_one_event_per_shot_in_record_order(
            title in "\\PC{0,120}|.*\n.*",
            spans in prop::collection::vec((0u64..36_000_000, 1u64..600_000), 0..40),
            fps in prop_oneof![Just(23.976), Just(25.0), Just(29.97), Just(60.0), Just(f64::NAN), Just(0.0)],
        ) {
            let shots: Vec<TimelineItem> = spans
                .iter()
                .enumerate()
                .map(|(n, (begin, length))| TimelineItem {
                    name: format!("shot {}", n + 1),
                    timecodes: vec![Timecode { begin: *begin, end: begin + length }],
                    ..Default::default()
                })
                .collect();
            let list = edl(&title, &shots, fps, &[]);
            let lines: Vec<&str> = list.lines().collect();
            prop_assert!(lines[0].starts_with("TITLE: ") && lines[1] == "FCM: NON-DROP FRAME");
            let events: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with(|c: char| c.is_ascii_digit())).collect();
            prop_assert_eq!(events.len(), shots.len());
            let mut record_end = "00:00:00:00".to_owned();
            for (n, event) in events.iter().enumerate() {
                let fields: Vec<&str> = event.split_whitespace().collect();
                prop_assert_eq!(fields[0], format!("{:03}", n + 1));
                prop_assert_eq!(fields.len(), 8, "{}", event);
                // Each shot is recorded where the one before ended.
                prop_assert_eq!(fields[6], record_end.as_str());
                record_end = fields[7].to_owned();
            }
            for line in &lines {
                prop_assert!(!line.chars().any(char::is_control), "{:?}", line);
            }
        }
    }

    /// Frames at 25 a second: `scores`, and thumbnails of one grey level each.
    fn report(scores: &[f64], levels: &[u8]) -> ShotReport {
        ShotReport {
            scores: scores.iter().enumerate().map(|(i, &score)| FrameScore { time_ms: i as u64 * 40, score }).collect(),
            thumbs: levels.iter().map(|&l| vec![l; THUMB.0 * THUMB.1]).collect(),
            black: Vec::new(),
            silence: Vec::new(),
        }
    }

    #[test]
    fn a_spike_is_a_cut_and_a_quick_change_without_one_is_a_dissolve() {
        let mut scores = vec![0.0; 250];
        scores[50] = 0.8; // a cut at 2 s...
        let mut levels = vec![10u8; 250];
        for level in &mut levels[50..] {
            *level = 120; // ...that changes the picture
        }
        for (i, level) in levels[150..].iter_mut().enumerate() {
            *level = (120 + 4 * i.min(25)) as u8; // a dissolve from 6 s to 7 s, no spike
        }
        let found = boundaries(&report(&scores, &levels));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].time_ms, found[0].gradual), (2000, false));
        assert!(found[1].gradual && (6000..=7000).contains(&found[1].time_ms), "{found:?}");
    }

    #[test]
    fn only_black_runs_of_200_ms_or_more_are_cues() {
        let text = "frame:0 pts:0 pts_time:0\nlavfi.black_start=0\nlavfi.scene_score=0\n\
                    frame:1 pts:1 pts_time:0.04\nlavfi.black_end=0.04\nlavfi.scene_score=0.1\n\
                    frame:2 pts:2 pts_time:1\nlavfi.black_start=1\nlavfi.scene_score=0.5\n\
                    frame:3 pts:3 pts_time:1.5\nlavfi.black_end=1.5\nlavfi.scene_score=0.5\n\
                    frame:4 pts:4 pts_time:9.9\nlavfi.black_start=9.9\nlavfi.scene_score=0.2\n";
        let report = parse_metadata(text, 10_000);
        assert_eq!(report.scores.len(), 5);
        // The one-frame flash at 0 is dropped, and so is the last 100 ms.
        assert_eq!(report.black, [Timecode { begin: 1000, end: 1500 }]);
    }

    #[test]
    fn silences_are_read_from_their_start_and_end_lines() {
        let text = "frame:99   pts:101376  pts_time:2.29878\nlavfi.silence_start=2\n\
                    frame:150  pts:153600  pts_time:3.48299\nlavfi.silence_end=3.50002\nlavfi.silence_duration=1.50002\n\
                    frame:300  pts:307200  pts_time:7\nlavfi.silence_start=6.8\n";
        let found = parse_silences(text, 8000);
        assert_eq!(found, [Timecode { begin: 2000, end: 3500 }, Timecode { begin: 6800, end: 8000 }]);
    }

    #[test]
    fn steady_motion_is_no_transition() {
        // Every frame differs from a second before by 30 levels, for 10 s: a pan.
        let levels: Vec<u8> = (0..250).map(|i| (i % 50 * 5) as u8).collect();
        assert_eq!(boundaries(&report(&[0.0; 250], &levels)), []);
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
        let edl = edl("film.mp4", &shots, 25.0, &[2000]);
        assert!(edl.contains("001  AX       V     C        00:00:00:00 00:00:02:00 00:00:00:00 00:00:02:00"), "{edl}");
        assert!(edl.contains("002  AX       V     C        00:00:02:00 00:00:05:00 00:00:02:00 00:00:05:00"), "{edl}");
        assert!(
            edl.contains("00:00:05:00\n* FROM CLIP NAME: film.mp4\n\n* LOC: 00:00:02:00 YELLOW  SCENE 2\n"),
            "{edl}"
        );
    }

    #[test]
    fn ntsc_timecodes_count_real_frames_and_titles_stay_on_one_line() {
        // An hour at 29.97 is 107,892 frames: 00:59:56:12 in non-drop timecode.
        let cuts = [Boundary { time_ms: 3_600_000, gradual: false, strength: 0.9 }];
        let shots = timeline(&cuts, &[], 3_700_000);
        let edl = edl("evil\ntitle\r.mp4", &shots, 30000.0 / 1001.0, &[]);
        assert!(edl.contains("00:00:00:00 00:59:56:12"), "{edl}");
        assert!(edl.starts_with("TITLE: eviltitle.mp4\nFCM"), "{edl}");
    }

    #[test]
    fn an_edl_stops_at_999_events_and_says_so() {
        let cuts: Vec<Boundary> =
            (1..1200).map(|i| Boundary { time_ms: i * 1000, gradual: false, strength: 0.9 }).collect();
        let edl = edl("long.mp4", &timeline(&cuts, &[], 1_200_000), 25.0, &[]);
        assert!(edl.contains("\n999  AX") && !edl.contains("\n1000  AX"), "{edl}");
        assert!(edl.contains("* 201 MORE SHOTS NOT LISTED"), "{edl}");
    }
}
