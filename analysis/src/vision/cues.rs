//! Technical cues, the parts of a tape or file that are not the programme: colour bars,
//! the slate that names what follows, and end credits. Bars and stillness are read from
//! the grey 16x9 thumbnail of every frame the shot pass makes (SMPTE's and EBU's bars; not
//! yet the HD bars, whose grey side panels break the order); slates and credits also
//! need the on-screen text, so they are found after it.

use mediaport_shared::{Timecode, TimelineItem};

use super::shots::{Cuts, FrameScore, ShotReport};

/// Bars fill the top two thirds of the picture (SMPTE) or all of it (EBU): these top rows
/// of a thumbnail are read.
const BAR_ROWS: usize = 5;
/// Within a bar a column is one level top to bottom, give or take this...
const BAR_COLUMN_SPREAD: u8 = 8;
/// ...and each column is no brighter than the one left of it by more than this: bars run
/// from white or grey through yellow, cyan, green, magenta and red to blue, ever darker.
const BAR_RISE: f32 = 4.0;
/// The seven or eight bars make at least this many steps down, of at least this much,
/// uneven (from bar to bar, not within one): the biggest this many times the mean, which a
/// smooth gradient's are not...
const BAR_STEPS: usize = 5;
const BAR_STEP: f32 = 8.0;
const BAR_UNEVEN: f32 = 1.8;
/// ...from a bright first bar, and this far from left to right in all.
const BAR_BRIGHT: f32 = 120.0;
const BAR_DROP: f32 = 100.0;
/// Bars shorter than this are a frame that looks like them.
const MIN_BARS_MS: u64 = 1000;
/// Frames are compared with the frame a second before; a mean difference below this (0 to
/// 255) is a still picture, with a tape's noise.
const STILL_LEVEL: f64 = 2.0;
/// Stills are looked for in the head, where slates are.
const HEAD_MS: u64 = 120_000;
/// A slate starts this early, stands at least this long, and not longer than the other.
const SLATE_BY_MS: u64 = 60_000;
const MIN_SLATE_MS: u64 = 2000;
const MAX_SLATE_MS: u64 = 30_000;
/// A line of credits rises at least this share of the picture's height between two frames
/// at most this far apart, keeping its place across.
const RISE: f32 = 0.03;
const RISE_WITHIN_MS: u64 = 3000;
const DRIFT: f32 = 0.05;
/// Rising lines this close together are one roll, which takes this long and this many
/// lines at least.
const ROLL_GAP_MS: u64 = 2000;
const MIN_ROLL_MS: u64 = 4000;
const MIN_ROLL_LINES: usize = 3;
/// Credits that start in the second half and run to this near the end are end credits.
const END_TAIL_MS: u64 = 120_000;

/// Whether a grey 16x9 thumbnail shows colour bars.
pub fn bar_like(thumb: &[u8], width: usize) -> bool {
    if width == 0 || thumb.len() < BAR_ROWS * width {
        return false;
    }
    let column = |c: usize| (0..BAR_ROWS).map(move |r| thumb[r * width + c]);
    let mut levels = Vec::with_capacity(width);
    for c in 0..width {
        let (low, high) = column(c).fold((u8::MAX, 0), |(l, h), v| (l.min(v), h.max(v)));
        if high - low > BAR_COLUMN_SPREAD {
            return false;
        }
        levels.push(column(c).map(f32::from).sum::<f32>() / BAR_ROWS as f32);
    }
    let (first, last) = (levels[0], levels[width - 1]);
    let pairs = || levels.windows(2).map(|w| w[0] - w[1]);
    first >= BAR_BRIGHT
        && first - last >= BAR_DROP
        && pairs().all(|drop| drop >= -BAR_RISE)
        && pairs().filter(|&drop| drop >= BAR_STEP).count() >= BAR_STEPS
        && pairs().fold(0.0, f32::max) >= BAR_UNEVEN * (first - last) / (width - 1) as f32
}

/// Stretches of at least [`MIN_BARS_MS`] where every frame shows colour bars.
pub fn bars(report: &ShotReport, width: usize, duration_ms: u64) -> Vec<Timecode> {
    let flags: Vec<bool> = report.thumbs.iter().map(|t| bar_like(t, width)).collect();
    runs(&report.scores, &flags, duration_ms).into_iter().filter(|span| span.end - span.begin >= MIN_BARS_MS).collect()
}

/// Still stretches in the head of the media: each frame there is as the frame a second
/// before it, so the stretch starts that second earlier.
pub fn stills(report: &ShotReport, duration_ms: u64) -> Vec<Timecode> {
    let (scores, thumbs) = (&report.scores, &report.thumbs);
    let frames = scores.len().min(thumbs.len());
    let per_second = scores.iter().take_while(|f| f.time_ms < 1000).count().max(1);
    let head = scores.iter().take(frames).take_while(|f| f.time_ms < HEAD_MS).count();
    let flags: Vec<bool> = (0..head)
        .map(|i| {
            i >= per_second && {
                let (a, b) = (&thumbs[i], &thumbs[i - per_second]);
                a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / (a.len().max(1) as f64)
                    < STILL_LEVEL
            }
        })
        .collect();
    let second_before = |t: u64| t.saturating_sub(1000);
    runs(&scores[..head], &flags, duration_ms)
        .into_iter()
        .map(|span| Timecode { begin: second_before(span.begin), end: span.end })
        .filter(|span| span.end - span.begin >= MIN_SLATE_MS)
        .collect()
}

/// The spans of the runs of flagged frames, each to the next frame's time.
fn runs(scores: &[FrameScore], flags: &[bool], duration_ms: u64) -> Vec<Timecode> {
    let mut found: Vec<Timecode> = Vec::new();
    let mut open: Option<u64> = None;
    for (i, flagged) in flags.iter().enumerate() {
        let time = scores[i].time_ms;
        match (open, *flagged) {
            (None, true) => open = Some(time),
            (Some(begin), false) => {
                found.push(Timecode { begin, end: time });
                open = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = open {
        let end = scores.get(flags.len()).map_or(duration_ms, |f| f.time_ms).max(begin);
        found.push(Timecode { begin, end });
    }
    found
}

/// What the cues are found in.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The shots, in time order.
    pub shots: &'a [Timecode],
    pub black: &'a [Timecode],
    pub bars: &'a [Timecode],
    pub stills: &'a [Timecode],
    /// Lines of on-screen text, with their boxes.
    pub text: &'a [TimelineItem],
    pub duration_ms: u64,
}

impl<'a> Sources<'a> {
    /// From the shot timeline's shots (`shot 1`...), the cuts ingest measured and the lines of
    /// on-screen text.
    pub fn of(shots: &'a [Timecode], cuts: &'a Cuts, text: &'a [TimelineItem], duration_ms: u64) -> Self {
        Self { shots, black: &cuts.black, bars: &cuts.bars, stills: &cuts.stills, text, duration_ms }
    }
}

/// The cue items of the shot timeline: `colour bars`, `slate` and `end credits` (or
/// `credits`, rolling earlier), each where it was found.
pub fn timeline(sources: &Sources) -> Vec<TimelineItem> {
    let item = |name: &str, timecodes: Vec<Timecode>| TimelineItem {
        name: name.into(),
        confidence: 1.0,
        timecodes,
        ..Default::default()
    };
    let mut items = Vec::new();
    if !sources.bars.is_empty() {
        items.push(item("colour bars", sources.bars.to_vec()));
    }
    if let Some(slate) = slate(sources) {
        items.push(item("slate", vec![slate]));
    }
    let (end, early): (Vec<Timecode>, Vec<Timecode>) = rolls(sources.text)
        .into_iter()
        .partition(|roll| roll.begin >= sources.duration_ms / 2 && roll.end + END_TAIL_MS >= sources.duration_ms);
    if !end.is_empty() {
        items.push(item("end credits", end));
    }
    if !early.is_empty() {
        items.push(item("credits", early));
    }
    items
}

/// The slate: a still picture of a few seconds near the start, with at least two lines of
/// text, one with a figure in it (a date, a take, a duration), after nothing but bars,
/// black or silence of picture. A title card has words, a slate has numbers.
fn slate(sources: &Sources) -> Option<Timecode> {
    let covered = |span: Timecode, by: &[Timecode]| {
        let inside: u64 = by.iter().map(|b| b.end.min(span.end).saturating_sub(b.begin.max(span.begin))).sum();
        inside * 2 >= span.end - span.begin
    };
    let technical = |span: Timecode| covered(span, sources.black) || covered(span, sources.bars);
    for still in sources.stills.iter().filter(|s| s.begin <= SLATE_BY_MS) {
        // The still within the shot it is in.
        let Some(shot) = sources.shots.iter().find(|s| s.begin < still.end && s.end > still.begin) else { continue };
        let span = Timecode { begin: still.begin.max(shot.begin), end: still.end.min(shot.end) };
        let length = span.end.saturating_sub(span.begin);
        if technical(span) || !(MIN_SLATE_MS..=MAX_SLATE_MS).contains(&length) {
            continue;
        }
        let before = sources.shots.iter().take_while(|s| s.end <= span.begin);
        if !before.clone().all(|s| technical(*s)) {
            return None;
        }
        let lines: Vec<&TimelineItem> = sources
            .text
            .iter()
            .filter(|line| line.timecodes.iter().any(|t| t.begin < span.end && t.end > span.begin))
            .collect();
        if lines.len() >= 2 && lines.iter().any(|line| line.name.chars().any(|c| c.is_ascii_digit())) {
            return Some(span);
        }
    }
    None
}

/// Rolls of text: lines seen rising up the picture from frame to frame, several at once.
fn rolls(text: &[TimelineItem]) -> Vec<Timecode> {
    // Each line's rising stretches, and which line it was.
    let mut rising: Vec<(Timecode, usize)> = Vec::new();
    for (line, item) in text.iter().enumerate() {
        let mut boxes: Vec<_> = item.boxes.iter().collect();
        boxes.sort_by_key(|b| b.time_ms);
        for pair in boxes.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let soon = b.time_ms > a.time_ms && b.time_ms - a.time_ms <= RISE_WITHIN_MS;
            if soon && a.top - b.top >= RISE && (a.left - b.left).abs() <= DRIFT {
                rising.push((Timecode { begin: a.time_ms, end: b.time_ms }, line));
            }
        }
    }
    rising.sort_by_key(|(span, _)| span.begin);
    let mut rolls: Vec<(Timecode, Vec<usize>)> = Vec::new();
    for (span, line) in rising {
        match rolls.last_mut() {
            Some((roll, lines)) if span.begin <= roll.end + ROLL_GAP_MS => {
                roll.end = roll.end.max(span.end);
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
            _ => rolls.push((span, vec![line])),
        }
    }
    rolls
        .into_iter()
        .filter(|(roll, lines)| roll.end - roll.begin >= MIN_ROLL_MS && lines.len() >= MIN_ROLL_LINES)
        .map(|(roll, _)| roll)
        .collect()
}

#[cfg(test)]
mod tests {
    use mediaport_shared::FrameBox;

    use super::*;

    const W: usize = 16;

    /// A thumbnail whose columns have these levels, top to bottom.
    fn columns(levels: &[u8]) -> Vec<u8> {
        (0..9).flat_map(|_| levels.iter().copied()).collect()
    }

    const SMPTE: [u8; 16] = [192, 193, 177, 172, 156, 134, 131, 113, 113, 86, 80, 68, 58, 47, 22, 23];

    #[test]
    fn bars_are_columns_ever_darker_and_a_test_pattern_or_gradient_is_not() {
        assert!(bar_like(&columns(&SMPTE), W));
        // EBU's (ffmpeg's pal75bars), with their white bar.
        let ebu = [255, 248, 177, 166, 137, 131, 114, 108, 80, 76, 58, 52, 24, 19, 0, 0];
        assert!(bar_like(&columns(&ebu), W));
        // testsrc2's bars are not in luminance order.
        let pattern = [76, 73, 101, 153, 147, 200, 233, 200, 36, 25, 67, 113, 108, 159, 181, 178];
        assert!(!bar_like(&columns(&pattern), W));
        // A smooth fall from light to dark has no steps.
        let gradient: Vec<u8> = (0..16).map(|c| 200 - c * 9).collect();
        assert!(!bar_like(&columns(&gradient), W));
        // Bars with a picture over their top are not bars.
        let mut covered = columns(&SMPTE);
        covered[2 * W + 4] = 20;
        assert!(!bar_like(&covered, W));
        assert!(!bar_like(&[], W));
    }

    fn report(thumbs: Vec<Vec<u8>>) -> ShotReport {
        let scores = (0..thumbs.len()).map(|i| FrameScore { time_ms: i as u64 * 40, score: 0.0 }).collect();
        ShotReport { scores, thumbs, ..Default::default() }
    }

    #[test]
    fn bars_count_from_a_second_and_stills_start_a_second_before_they_show() {
        // 2 s of bars, 0.5 s of bars, 3 s still grey, then 2 s changing.
        let mut thumbs = vec![columns(&SMPTE); 50];
        thumbs.extend(vec![vec![90; 144]; 12]);
        thumbs.extend(vec![columns(&SMPTE); 12]);
        thumbs.extend(vec![vec![60; 144]; 75]);
        thumbs.extend((0..50).map(|i| vec![(i * 5) as u8; 144]));
        let report = report(thumbs);
        assert_eq!(bars(&report, W, 7960), vec![Timecode { begin: 0, end: 2000 }]);
        let stills = stills(&report, 7960);
        assert!(stills.contains(&Timecode { begin: 2960, end: 5960 }), "{stills:?}");
    }

    fn line(name: &str, boxes: &[(u64, f32)]) -> TimelineItem {
        let (first, last) = (boxes[0].0, boxes[boxes.len() - 1].0 + 1000);
        TimelineItem {
            name: name.into(),
            confidence: 0.9,
            timecodes: vec![Timecode { begin: first, end: last }],
            boxes: boxes
                .iter()
                .map(|&(time_ms, top)| FrameBox {
                    time_ms,
                    left: 0.3,
                    top,
                    width: 0.3,
                    height: 0.05,
                    confidence: 0.9,
                    words: Vec::new(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn lines_rising_together_near_the_end_are_end_credits_and_a_still_slate_opens() {
        let span = |begin, end| Timecode { begin, end };
        let rising = |name, from: u64| {
            let boxes: Vec<(u64, f32)> = (0..5).map(|i| (from + i * 1000, 0.9 - i as f32 * 0.15)).collect();
            line(name, &boxes)
        };
        let text = vec![
            line("ROLL 12 TAKE 3", &[(4000, 0.3)]),
            line("MEDIAPORT TEST REEL", &[(4000, 0.2)]),
            line("STILL CAPTION", &[(60_000, 0.8), (61_000, 0.8), (62_000, 0.8)]),
            rising("DIRECTED BY", 90_000),
            rising("Anna Berg", 91_000),
            rising("MUSIC", 93_000),
        ];
        let shots = [span(0, 3000), span(3000, 4000), span(4000, 8000), span(8000, 100_000)];
        let sources = Sources {
            shots: &shots,
            black: &[span(3000, 4000)],
            bars: &[span(0, 3000)],
            stills: &[span(0, 3000), span(4000, 8000)],
            text: &text,
            duration_ms: 100_000,
        };
        let items = timeline(&sources);
        let names: Vec<(&str, &[Timecode])> = items.iter().map(|i| (i.name.as_str(), &i.timecodes[..])).collect();
        assert_eq!(
            names,
            [
                ("colour bars", &[span(0, 3000)][..]),
                ("slate", &[span(4000, 8000)][..]),
                ("end credits", &[span(90_000, 97_000)][..]),
            ]
        );

        // A title card of words is no slate, and neither is a still after the programme began.
        let words = [line("A FILM", &[(4000, 0.3)]), line("BY ANNA BERG", &[(4000, 0.5)])];
        assert!(slate(&Sources { text: &words, ..sources }).is_none());
        let late = [span(0, 4000), span(4000, 8000)];
        let no_bars = Sources { shots: &late, bars: &[], black: &[], text: &text, ..sources };
        assert!(slate(&no_bars).is_none());
    }
}
