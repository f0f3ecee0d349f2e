//! Which names of a matching asset the query hit, and at which moments: every word or
//! phrase the query asks for (outside a NOT) is looked for in the names of the kinds its
//! field allows, as whole words, in order for a phrase, as a start for `word*`.

use mediaport_shared::{AnalysisKind, SearchMatch, Timecode};

use super::query::{Field, Query, split};
use crate::ports::search::{AssetDocument, SearchRequest};

/// Names shown per hit at most: a label seen all through a film is one match, but a word
/// said a hundred times is a hundred.
const MAX_MATCHES: usize = 50;

/// The document's names that the request's query hit, in kind order, each with its
/// moments inside the request's time window.
pub fn matches(document: &AssetDocument, request: &SearchRequest) -> Vec<SearchMatch> {
    let mut wanted = Vec::new();
    positive_terms(&request.query, &mut wanted);
    let mut found = Vec::new();
    for (kind, names) in &document.names {
        if !request.kinds.is_empty() && !request.kinds.contains(kind) {
            continue;
        }
        for name in names {
            let words = split(&name.name);
            if !wanted.iter().any(|term| term.hits(*kind, &words)) {
                continue;
            }
            let Some(timecodes) = moments(&name.timecodes, request) else { continue };
            found.push(SearchMatch {
                kind: *kind,
                name: name.name.clone(),
                timecodes,
                pages: name.pages.clone(),
                scenes: Vec::new(),
            });
            if found.len() == MAX_MATCHES {
                return found;
            }
        }
    }
    found
}

/// Characters of a long name kept around the first word that matched.
const HIGHLIGHT_CHARS: usize = 160;

/// A name with the words the query hit in `<b>`…`</b>`, the rest HTML-escaped, cut to
/// about 160 characters around the first hit. None when no word is hit.
pub fn highlight(name: &str, query: &Query) -> Option<String> {
    let mut wanted = Vec::new();
    positive_terms(query, &mut wanted);
    // The name's words with their byte ranges, as `split` cuts them.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in name.char_indices().chain(std::iter::once((name.len(), ' '))) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    let words: Vec<String> = spans.iter().map(|&(a, b)| name[a..b].to_lowercase()).collect();
    let mut bold = vec![false; words.len()];
    for term in &wanted {
        let n = term.words.len();
        for at in 0..words.len().saturating_sub(n - 1) {
            if holds(&words[at..at + n], term.words, term.prefix) {
                bold[at..at + n].iter_mut().for_each(|b| *b = true);
            }
        }
    }
    let first = bold.iter().position(|b| *b)?;
    // A window of the text around the first hit, on word boundaries.
    let from =
        spans.iter().rposition(|&(a, _)| a + HIGHLIGHT_CHARS / 3 <= spans[first].0).map_or(0, |i| spans[i + 1].0);
    let to = spans.iter().position(|&(_, b)| b > from + HIGHLIGHT_CHARS).map_or(name.len(), |i| spans[i].0);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for (i, &(a, b)) in spans.iter().enumerate().filter(|(_, span)| span.0 >= from && span.1 <= to) {
        out.push_str(&escape(&name[at..a]));
        if bold[i] {
            out.push_str(&format!("<b>{}</b>", escape(&name[a..b])));
        } else {
            out.push_str(&escape(&name[a..b]));
        }
        at = b;
    }
    out.push_str(&escape(&name[at..to]));
    if to < name.len() {
        out.push('…');
    }
    Some(out.trim().to_owned())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The moments inside the request's time window; none when it has a window and no moment
/// is inside (a name without moments, such as a page's, counts only without a window).
pub fn moments(timecodes: &[Timecode], request: &SearchRequest) -> Option<Vec<Timecode>> {
    let inside: Vec<Timecode> =
        timecodes.iter().copied().filter(|t| within(t, request.from_ms, request.to_ms)).collect();
    let windowed = request.from_ms.is_some() || request.to_ms.is_some();
    (!windowed || !inside.is_empty()).then_some(inside)
}

/// Whether a moment overlaps the window.
pub fn within(t: &Timecode, from_ms: Option<u64>, to_ms: Option<u64>) -> bool {
    from_ms.is_none_or(|from| t.end > from) && to_ms.is_none_or(|to| t.begin < to)
}

/// A word or phrase the query asks for, with the kinds it may be in.
#[derive(Debug)]
struct Term<'a> {
    field: Option<&'a Field>,
    words: &'a [String],
    prefix: bool,
}

impl Term<'_> {
    fn hits(&self, kind: AnalysisKind, name: &[String]) -> bool {
        match self.field {
            None => {}
            Some(Field::Kind(AnalysisKind::FaceMatch))
                if matches!(kind, AnalysisKind::FaceMatch | AnalysisKind::Face) => {}
            Some(Field::Kind(wanted)) if *wanted == kind => {}
            Some(_) => return false,
        }
        holds(name, self.words, self.prefix)
    }
}

/// Whether `text` (its words, as `split` cuts them) holds `words` in a row, the last one
/// only as the start of a word with `prefix`.
pub fn holds(text: &[String], words: &[String], prefix: bool) -> bool {
    let Some((last, before)) = words.split_last() else { return false };
    text.windows(words.len()).any(|run| {
        run[..before.len()] == *before
            && if prefix { run[before.len()].starts_with(last) } else { run[before.len()] == *last }
    })
}

fn positive_terms<'a>(query: &'a Query, out: &mut Vec<Term<'a>>) {
    match query {
        Query::All | Query::Not(_) | Query::Similar(_) => {}
        Query::Word { field, word, prefix } => {
            out.push(Term { field: field.as_ref(), words: std::slice::from_ref(word), prefix: *prefix });
        }
        Query::Phrase { field, words } => out.push(Term { field: field.as_ref(), words, prefix: false }),
        Query::And(all) | Query::Or(all) => all.iter().for_each(|q| positive_terms(q, out)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use mediaport_shared::AssetType;

    use super::*;
    use crate::ports::search::IndexedName;
    use crate::search::query::parse;

    fn document() -> AssetDocument {
        let at = |name: &str, begin: u64| IndexedName {
            name: name.into(),
            confidence: 0.9,
            timecodes: vec![Timecode { begin, end: begin + 1000 }],
            pages: vec![],
        };
        let mut names = BTreeMap::new();
        names.insert(AnalysisKind::Label, vec![at("dog", 1000), at("hot dog", 5000), at("car", 9000)]);
        names.insert(
            AnalysisKind::Transcript,
            vec![at("Breaking news from Lisbon.", 2000), at("The dog barked.", 7000)],
        );
        AssetDocument {
            asset_id: "a".into(),
            filename: "news.mp4".into(),
            asset_type: AssetType::Video,
            group: None,
            attributes: BTreeMap::new(),
            thumbnail: None,
            created_at: String::new(),
            names,
            sentences: Vec::new(),
        }
    }

    fn request(q: &str) -> SearchRequest {
        SearchRequest::new(parse(q).unwrap())
    }

    fn names(found: &[SearchMatch]) -> Vec<(AnalysisKind, &str)> {
        found.iter().map(|m| (m.kind, m.name.as_str())).collect()
    }

    #[test]
    fn a_field_limits_the_kind_and_words_match_whole() {
        let found = matches(&document(), &request("label:dog"));
        assert_eq!(names(&found), [(AnalysisKind::Label, "dog"), (AnalysisKind::Label, "hot dog")]);
        let found = matches(&document(), &request("dog"));
        assert_eq!(found.len(), 3, "both kinds: {found:?}");
        let found = matches(&document(), &request(r#"transcript:"breaking news" AND NOT label:car"#));
        assert_eq!(names(&found), [(AnalysisKind::Transcript, "Breaking news from Lisbon.")]);
        assert_eq!(found[0].timecodes, [Timecode { begin: 2000, end: 3000 }]);
        assert!(matches(&document(), &request("lisb")).is_empty(), "words match whole");
        assert_eq!(matches(&document(), &request("lisb*")).len(), 1, "or by their start");
    }

    #[test]
    fn highlights_bold_the_words_hit_and_escape_the_rest() {
        let query = parse(r#""breaking news" OR lisb*"#).unwrap();
        let got = highlight("<Breaking> News from Lisbon & more", &query).unwrap();
        assert_eq!(got, "&lt;<b>Breaking</b>&gt; <b>News</b> from <b>Lisbon</b> &amp; more");
        assert_eq!(highlight("nothing here", &query), None);
        let long = format!("{} rain {}", "word ".repeat(100), "word ".repeat(100));
        let got = highlight(&long, &parse("rain").unwrap()).unwrap();
        assert!(got.starts_with('…') && got.ends_with('…') && got.contains("<b>rain</b>"), "{got}");
        assert!(got.chars().count() < 200, "{got}");
    }

    #[test]
    fn the_time_window_keeps_only_moments_inside_it() {
        let mut windowed = request("dog");
        (windowed.from_ms, windowed.to_ms) = (Some(4000), Some(8000));
        let found = matches(&document(), &windowed);
        assert_eq!(names(&found), [(AnalysisKind::Label, "hot dog"), (AnalysisKind::Transcript, "The dog barked.")]);
    }
}
