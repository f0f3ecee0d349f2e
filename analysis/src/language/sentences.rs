//! The sentences language analysis reads, each with where it came from: the times it was
//! said or shown, or the pages it is on.

use mediaport_shared::{AnalysisKind, Timecode, TimelineItem};
use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    /// The analysis it came from: transcript or text.
    pub source: AnalysisKind,
    pub timecodes: Vec<Timecode>,
    pub pages: Vec<u32>,
}

/// A transcript's sentences, each timed by its own words where Whisper's words line up
/// with the text, else by the stretch it is in.
pub fn from_transcript(items: &[TimelineItem]) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    for item in items {
        let Some(span) = item.timecodes.first().copied() else { continue };
        let timed = item.words.len() == item.name.split_whitespace().count();
        let mut first_word = 0;
        for text in item.name.unicode_sentences() {
            let count = text.split_whitespace().count();
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let timecode = match (timed, item.words.get(first_word), item.words.get(first_word + count - 1)) {
                (true, Some(first), Some(last)) => Timecode { begin: first.begin, end: last.end.max(first.begin + 1) },
                _ => span,
            };
            first_word += count;
            sentences.push(Sentence {
                text: text.to_owned(),
                source: AnalysisKind::Transcript,
                timecodes: vec![timecode],
                pages: Vec::new(),
            });
        }
    }
    sentences
}

/// On-screen text: each line as read, with every time and page it was seen at.
pub fn from_text(items: &[TimelineItem]) -> Vec<Sentence> {
    items
        .iter()
        .filter(|item| !item.name.trim().is_empty())
        .map(|item| Sentence {
            text: item.name.trim().to_owned(),
            source: AnalysisKind::Text,
            timecodes: item.timecodes.clone(),
            pages: item.pages.clone(),
        })
        .collect()
}

/// A document's pages (page number, its text): the lines of a page joined, so sentences
/// that wrap across lines read whole, then split into sentences.
pub fn from_pages(pages: &[(u32, String)]) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    for (page, text) in pages {
        let joined = join_lines(text);
        for sentence in joined.unicode_sentences().map(str::trim).filter(|s| !s.is_empty()) {
            sentences.push(Sentence {
                text: sentence.to_owned(),
                source: AnalysisKind::Text,
                timecodes: Vec::new(),
                pages: vec![*page],
            });
        }
    }
    sentences
}

/// Lines as one text: a word hyphenated at a line's end is mended; a line without end
/// punctuation that is followed by a blank line (a heading) ends a sentence.
fn join_lines(text: &str) -> String {
    let mut joined = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !joined.is_empty() && !joined.ends_with(['.', '!', '?', ':', ';']) {
                joined.push('.');
            }
            continue;
        }
        if joined.ends_with('-') {
            joined.pop();
        } else if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(line);
    }
    joined
}

/// The time ranges and pages of several sentences together, in order, overlaps merged.
pub fn places<'a>(sentences: impl IntoIterator<Item = &'a Sentence>) -> (Vec<Timecode>, Vec<u32>) {
    let mut timecodes: Vec<Timecode> = Vec::new();
    let mut pages: Vec<u32> = Vec::new();
    for sentence in sentences {
        timecodes.extend(&sentence.timecodes);
        pages.extend(&sentence.pages);
    }
    timecodes.sort_by_key(|t| (t.begin, t.end));
    let mut merged: Vec<Timecode> = Vec::new();
    for t in timecodes {
        match merged.last_mut() {
            Some(last) if t.begin <= last.end => last.end = last.end.max(t.end),
            _ => merged.push(t),
        }
    }
    pages.sort_unstable();
    pages.dedup();
    (merged, pages)
}

#[cfg(test)]
mod tests {
    use mediaport_shared::SpokenWord;

    use super::*;

    #[test]
    fn a_stretch_of_two_sentences_gives_each_its_words_times() {
        let words = "Rain is coming. Bring an umbrella!"
            .split_whitespace()
            .enumerate()
            .map(|(n, w)| SpokenWord { text: w.into(), begin: 1000 + n as u64 * 400, end: 1300 + n as u64 * 400 })
            .collect();
        let item = TimelineItem {
            name: "Rain is coming. Bring an umbrella!".into(),
            timecodes: vec![Timecode { begin: 900, end: 3500 }],
            words,
            ..Default::default()
        };
        let sentences = from_transcript(&[item]);
        let got: Vec<(&str, Timecode)> = sentences.iter().map(|s| (s.text.as_str(), s.timecodes[0])).collect();
        assert_eq!(
            got,
            [
                ("Rain is coming.", Timecode { begin: 1000, end: 2100 }),
                ("Bring an umbrella!", Timecode { begin: 2200, end: 3300 })
            ]
        );
    }

    #[test]
    fn page_lines_join_into_sentences_and_headings_stand_alone() {
        let page = "Annual report\n\nThe storm dam-\naged the harbour. Repairs\nbegan in May.\n";
        let sentences = from_pages(&[(3, page.into())]);
        let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["Annual report.", "The storm damaged the harbour.", "Repairs began in May."]);
        assert!(sentences.iter().all(|s| s.pages == [3]));
    }

    #[test]
    fn places_merge_overlapping_times_and_repeat_pages() {
        let at = |begin, end, page| Sentence {
            text: String::new(),
            source: AnalysisKind::Text,
            timecodes: vec![Timecode { begin, end }],
            pages: vec![page],
        };
        let (times, pages) = places(&[at(5000, 6000, 2), at(0, 1000, 1), at(500, 2000, 1)]);
        assert_eq!(times, [Timecode { begin: 0, end: 2000 }, Timecode { begin: 5000, end: 6000 }]);
        assert_eq!(pages, [1, 2]);
    }
}
