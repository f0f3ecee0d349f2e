//! Reading Whisper's output for one 30-second window: the timestamp tokens it writes
//! around each stretch of speech become segments, and the last complete one says where
//! the next window starts, so no word is cut at a window's edge.

/// Whisper's timestamps come in steps of 20 ms, two feature frames.
pub const FRAMES_PER_STEP: usize = 2;
pub const MS_PER_FRAME: u64 = 10;

/// A stretch of speech in a window: its text tokens and where it lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Stretch {
    pub tokens: Vec<usize>,
    pub begin_ms: u64,
    pub end_ms: u64,
}

/// The stretches in `tokens` (the ids one window produced), with times from `offset_ms`,
/// and how many frames the next window moves on: to the last complete stretch's end, or
/// the whole window (`size` frames) when the output ended on a complete stretch.
pub fn read(tokens: &[usize], timestamp_begin: usize, offset_ms: u64, size: usize) -> (Vec<Stretch>, usize) {
    let is_time = |t: usize| t >= timestamp_begin;
    let time = |t: usize| offset_ms + ((t - timestamp_begin) * FRAMES_PER_STEP) as u64 * MS_PER_FRAME;
    let single_ending = tokens.len() >= 2 && !is_time(tokens[tokens.len() - 2]) && is_time(tokens[tokens.len() - 1]);
    // A pair of timestamps closes one stretch and opens the next.
    let mut cuts: Vec<usize> = (1..tokens.len()).filter(|&i| is_time(tokens[i]) && is_time(tokens[i - 1])).collect();
    let text = |part: &[usize]| part.iter().copied().filter(|&t| !is_time(t)).collect::<Vec<_>>();
    if cuts.is_empty() {
        // No complete stretch: the whole window is one, up to its last timestamp if any.
        let end = match tokens.iter().rev().find(|&&t| is_time(t)) {
            Some(&t) if t != timestamp_begin => time(t),
            _ => offset_ms + size as u64 * MS_PER_FRAME,
        };
        let begin = tokens.first().filter(|&&t| is_time(t)).map_or(offset_ms, |&t| time(t));
        return (vec![Stretch { tokens: text(tokens), begin_ms: begin, end_ms: end }], size);
    }
    if single_ending {
        cuts.push(tokens.len());
    }
    let mut stretches = Vec::new();
    let mut from = 0;
    for &to in &cuts {
        let part = &tokens[from..to];
        if let (Some(&first), Some(&last)) = (part.first(), part.last())
            && is_time(first)
            && is_time(last)
        {
            stretches.push(Stretch { tokens: text(part), begin_ms: time(first), end_ms: time(last) });
        }
        from = to;
    }
    let advance = if single_ending {
        size
    } else {
        // Speech after the last complete stretch is read again by the next window.
        let last = tokens[from - 1];
        (last - timestamp_begin) * FRAMES_PER_STEP
    };
    // Never stand still: a window that found nothing to move past is consumed whole.
    (stretches, if advance == 0 { size } else { advance.min(size) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: usize = 1000; // timestamp_begin in these tests: <|0.00|>

    #[test]
    fn pairs_of_timestamps_split_stretches_and_an_open_end_is_read_again() {
        // <|0.00|> a b <|1.50|><|1.60|> c <|3.00|><|3.10|> d (cut off by the window's end)
        let tokens = [T, 1, 2, T + 75, T + 80, 3, T + 150, T + 155, 4];
        let (stretches, advance) = read(&tokens, T, 30_000, 3000);
        assert_eq!(
            stretches,
            [
                Stretch { tokens: vec![1, 2], begin_ms: 30_000, end_ms: 31_500 },
                Stretch { tokens: vec![3], begin_ms: 31_600, end_ms: 33_000 }
            ]
        );
        // The next window starts where the last complete stretch ended: 3 s in.
        assert_eq!(advance, 300);
    }

    #[test]
    fn a_complete_last_stretch_consumes_the_window() {
        let tokens = [T, 1, T + 100, T + 100, 2, T + 200];
        let (stretches, advance) = read(&tokens, T, 0, 2500);
        assert_eq!(stretches.len(), 2);
        assert_eq!(stretches[1], Stretch { tokens: vec![2], begin_ms: 2000, end_ms: 4000 });
        assert_eq!(advance, 2500);
    }

    #[test]
    fn without_pairs_the_window_is_one_stretch() {
        let (stretches, advance) = read(&[T, 5, 6, T + 40], T, 0, 1200);
        assert_eq!(stretches, [Stretch { tokens: vec![5, 6], begin_ms: 0, end_ms: 800 }]);
        assert_eq!(advance, 1200);
        let (stretches, _) = read(&[], T, 0, 1200);
        assert_eq!(stretches, [Stretch { tokens: vec![], begin_ms: 0, end_ms: 12_000 }]);
    }
}
