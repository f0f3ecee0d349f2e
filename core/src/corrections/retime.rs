//! Words of a transcript stretch re-timed after a reviewer rewrote it: the words kept keep
//! their times (matched in order, ignoring case and punctuation), and each run of new
//! words shares the time between the kept words around it, by length, as a speaker spends
//! longer on longer words.

use mediaport_shared::{SpokenWord, Timecode};

/// A new word gets at least this long; a run with less room takes in a neighbouring word.
const MIN_WORD_MS: u64 = 80;
/// Longer stretches than this (words either side) are not matched word by word: their new
/// words share the stretch's time by length.
const MAX_MATCHED: usize = 1000;

/// The words of `text` with times within `span`, as said in `words` where they are the same.
pub fn retime(words: &[SpokenWord], span: Timecode, text: &str) -> Vec<SpokenWord> {
    let new: Vec<&str> = text.split_whitespace().collect();
    if new.is_empty() {
        return Vec::new();
    }
    let pairs = if words.len() <= MAX_MATCHED && new.len() <= MAX_MATCHED { matched(words, &new) } else { Vec::new() };
    // Runs: each kept word alone, each run of new words between them with its room.
    let mut runs: Vec<Run> = Vec::new();
    let mut next_new = 0;
    let mut room_from = span.begin;
    for &(old, at) in &pairs {
        if at > next_new {
            runs.push(Run { words: next_new..at, from: room_from, to: words[old].begin.max(room_from) });
        }
        let kept = &words[old];
        runs.push(Run {
            words: at..at + 1,
            from: kept.begin.max(room_from),
            to: kept.end.max(kept.begin).max(room_from),
        });
        room_from = runs.last().map_or(room_from, |r| r.to);
        next_new = at + 1;
    }
    if next_new < new.len() {
        runs.push(Run { words: next_new..new.len(), from: room_from, to: span.end.max(room_from) });
    }
    let runs = widened(runs, &pairs, &new);
    runs.into_iter()
        .flat_map(|run| {
            let texts = &new[run.words.clone()];
            shared_out(texts, run.from, run.to)
        })
        .collect()
}

/// Some words of the new text and the time they are said in.
#[derive(Debug, Clone)]
struct Run {
    words: std::ops::Range<usize>,
    from: u64,
    to: u64,
}

/// Runs of new words too short for them joined with the word before (or after), which
/// then shares its time with them.
fn widened(runs: Vec<Run>, pairs: &[(usize, usize)], new: &[&str]) -> Vec<Run> {
    let kept: Vec<usize> = pairs.iter().map(|&(_, at)| at).collect();
    let cramped = |run: &Run| {
        let fresh = !(run.words.len() == 1 && kept.contains(&run.words.start));
        fresh && run.to - run.from < MIN_WORD_MS * run.words.len() as u64
    };
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    let mut pending: Option<Run> = None;
    for run in runs {
        if let Some(short) = pending.take() {
            // A short run at the start takes in the run after it.
            out.push(Run { words: short.words.start..run.words.end, from: short.from, to: run.to });
            continue;
        }
        if cramped(&run) {
            match out.last_mut() {
                Some(before) => {
                    before.words.end = run.words.end;
                    before.to = before.to.max(run.to);
                }
                None => pending = Some(run),
            }
        } else {
            out.push(run);
        }
    }
    out.extend(pending);
    debug_assert_eq!(out.iter().map(|r| r.words.len()).sum::<usize>(), new.len());
    out
}

/// `texts` said one after another from `from` to `to`, each for a share by its length.
fn shared_out(texts: &[&str], from: u64, to: u64) -> Vec<SpokenWord> {
    let lengths: Vec<u64> = texts.iter().map(|t| t.chars().count().max(1) as u64).collect();
    let total: u64 = lengths.iter().sum();
    let room = to.saturating_sub(from);
    let mut said = 0;
    texts
        .iter()
        .zip(&lengths)
        .map(|(text, length)| {
            let begin = from + room * said / total;
            said += length;
            SpokenWord { text: (*text).to_owned(), begin, end: from + room * said / total }
        })
        .collect()
}

/// The words kept, as (old index, new index) pairs in order: the longest common run of
/// words alike (lower case, without the punctuation around them).
fn matched(words: &[SpokenWord], new: &[&str]) -> Vec<(usize, usize)> {
    let key = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    let old: Vec<String> = words.iter().map(|w| key(&w.text)).collect();
    let new: Vec<String> = new.iter().map(|w| key(w)).collect();
    let (n, m) = (old.len(), new.len());
    // longest[i][j]: the longest common run of old[i..] and new[j..].
    let mut longest = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            longest[i][j] = if old[i] == new[j] && !old[i].is_empty() {
                longest[i + 1][j + 1] + 1
            } else {
                longest[i + 1][j].max(longest[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if old[i] == new[j] && !old[i].is_empty() {
            pairs.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if longest[i + 1][j] >= longest[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn said(words: &[(&str, u64, u64)]) -> Vec<SpokenWord> {
        words.iter().map(|&(text, begin, end)| SpokenWord { text: text.into(), begin, end }).collect()
    }

    fn times(words: &[SpokenWord]) -> Vec<(&str, u64, u64)> {
        words.iter().map(|w| (w.text.as_str(), w.begin, w.end)).collect()
    }

    const SPAN: Timecode = Timecode { begin: 1000, end: 4000 };

    fn heard() -> Vec<SpokenWord> {
        said(&[
            ("Our", 1000, 1200),
            ("correspondent,", 1200, 1900),
            ("Shivor", 2000, 2400),
            ("Naka", 2400, 2800),
            ("reports.", 2900, 3600),
        ])
    }

    #[test]
    fn words_kept_keep_their_times_and_a_name_rewritten_shares_the_old_one_s() {
        let fixed = retime(&heard(), SPAN, "Our correspondent Siobhan Nakagawa reports.");
        assert_eq!(
            times(&fixed),
            [
                ("Our", 1000, 1200),
                ("correspondent", 1200, 1900),
                // 7 and 8 letters over the 1000 ms from the word before to the word after.
                ("Siobhan", 1900, 2366),
                ("Nakagawa", 2366, 2900),
                ("reports.", 2900, 3600),
            ]
        );
        // Case and punctuation alone change no time.
        let same = retime(&heard(), SPAN, "our Correspondent shivor naka, reports");
        assert_eq!(
            same.iter().map(|w| (w.begin, w.end)).collect::<Vec<_>>(),
            heard().iter().map(|w| (w.begin, w.end)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_word_put_between_two_said_back_to_back_shares_the_one_before() {
        let fixed = retime(&heard(), SPAN, "Our own correspondent, Shivor Naka reports.");
        assert_eq!(times(&fixed)[..3], [("Our", 1000, 1100), ("own", 1100, 1200), ("correspondent,", 1200, 1900)]);
        // At the very start there is no word before: it shares the one after.
        let fixed = retime(&said(&[("reports.", 1000, 1600)]), Timecode { begin: 1000, end: 1600 }, "She reports.");
        assert_eq!(times(&fixed), [("She", 1000, 1163), ("reports.", 1163, 1600)]);
        assert!(retime(&heard(), SPAN, "  ").is_empty());
    }

    proptest! {
        #[test]
        fn any_rewrite_is_said_in_order_inside_the_stretch(
            old in prop::collection::vec(("[a-c]{1,3}", 1u64..400, 0u64..200), 0..12),
            new in prop::collection::vec("[a-c]{1,3}[,.]?", 0..16),
        ) {
            let mut at = 500;
            let words: Vec<SpokenWord> = old.iter().map(|(text, length, gap)| {
                let begin = at + gap;
                at = begin + length;
                SpokenWord { text: text.clone(), begin, end: at }
            }).collect();
            let span = Timecode { begin: 500, end: at + 100 };
            let fixed = retime(&words, span, &new.join(" "));
            prop_assert_eq!(fixed.iter().map(|w| w.text.clone()).collect::<Vec<_>>(), new);
            let mut last = span.begin;
            for word in &fixed {
                prop_assert!(word.begin >= last && word.end >= word.begin && word.end <= span.end, "{:?}", fixed);
                last = word.end;
            }
        }
    }
}
