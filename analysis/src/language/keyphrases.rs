//! Key phrases the way KeyBERT finds them: candidate phrases (runs of one to three words
//! that neither start nor end with a stop word) are embedded with the same model as the
//! sentences, and the ones closest in meaning to the whole are kept, each new one also
//! required to differ from those already kept (maximal marginal relevance).

use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation;

use super::embed::{Embedder, cosine, normalise};
use super::sentences::Sentence;
use crate::inference::ModelError;

const LONGEST: usize = 2;
/// Candidates embedded at most: the most frequent (longer ones weigh more).
const CANDIDATES: usize = 300;
/// Relevance against novelty when choosing the next phrase (1 = relevance only).
const RELEVANCE: f32 = 0.7;
/// What each doubling of a phrase's count adds to its relevance, over ln 2.
const REPEATED: f32 = 0.05;

/// A phrase kept, its closeness to the whole (0 to 1) and the sentences it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyphrase {
    pub text: String,
    pub score: f32,
    pub sentences: Vec<usize>,
}

/// Up to `wanted` key phrases of the sentences, whose unit embeddings are given, best first.
pub fn find(
    embedder: &Embedder,
    sentences: &[Sentence],
    vectors: &[Vec<f32>],
    language: &str,
    wanted: usize,
) -> Result<Vec<Keyphrase>, ModelError> {
    let candidates = candidates(sentences, language);
    if candidates.is_empty() || vectors.is_empty() {
        return Ok(Vec::new());
    }
    let mut whole = vec![0f32; vectors[0].len()];
    for vector in vectors {
        whole.iter_mut().zip(vector).for_each(|(w, v)| *w += v);
    }
    normalise(&mut whole);
    let texts: Vec<&str> = candidates.iter().map(|c| c.text.as_str()).collect();
    let embedded = embedder.embed(&texts)?;
    // Closeness to the whole, and a little for being said again and again.
    let relevance: Vec<f32> =
        embedded.iter().zip(&candidates).map(|(v, c)| cosine(v, &whole) + REPEATED * (c.count as f32).ln()).collect();
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < wanted.min(candidates.len()) {
        let score = |i: usize| {
            let nearest = chosen.iter().map(|&c| cosine(&embedded[i], &embedded[c])).fold(0f32, f32::max);
            RELEVANCE * relevance[i] - (1.0 - RELEVANCE) * nearest
        };
        let next = (0..candidates.len())
            .filter(|i| !chosen.contains(i))
            .max_by(|&a, &b| score(a).total_cmp(&score(b)))
            .expect("fewer chosen than candidates");
        chosen.push(next);
    }
    Ok(chosen
        .into_iter()
        .map(|i| Keyphrase {
            text: candidates[i].text.clone(),
            score: relevance[i].clamp(0.0, 1.0),
            sentences: candidates[i].sentences.clone(),
        })
        .collect())
}

#[derive(Debug)]
struct Candidate {
    text: String,
    count: usize,
    words: usize,
    sentences: Vec<usize>,
}

/// Word runs of one to three words inside a clause (punctuation breaks a run) with no
/// stop word at either end, counted case-blind and shown as first written.
fn candidates(sentences: &[Sentence], language: &str) -> Vec<Candidate> {
    let stop: std::collections::HashSet<&str> =
        stop_words::lookup(language).or_else(|| stop_words::lookup("en")).unwrap_or(&[]).iter().copied().collect();
    let mut found: HashMap<String, Candidate> = HashMap::new();
    for (index, sentence) in sentences.iter().enumerate() {
        for clause in clauses(&sentence.text) {
            for n in 1..=LONGEST {
                for run in clause.windows(n) {
                    let (first, last) = (run[0].to_lowercase(), run[n - 1].to_lowercase());
                    if stop.contains(first.as_str())
                        || stop.contains(last.as_str())
                        || !is_wordy(&first)
                        || !is_wordy(&last)
                    {
                        continue;
                    }
                    let text = run.join(" ");
                    let candidate = found.entry(text.to_lowercase()).or_insert_with(|| Candidate {
                        text,
                        count: 0,
                        words: n,
                        sentences: Vec::new(),
                    });
                    candidate.count += 1;
                    if candidate.sentences.last() != Some(&index) {
                        candidate.sentences.push(index);
                    }
                }
            }
        }
    }
    let mut candidates: Vec<Candidate> = found.into_values().collect();
    // The most frequent first, longer phrases ahead at equal counts; then by text, so the
    // cut is the same on every run.
    candidates.sort_by(|a, b| (b.count * b.words).cmp(&(a.count * a.words)).then_with(|| a.text.cmp(&b.text)));
    candidates.truncate(CANDIDATES);
    candidates
}

/// The word runs of a text between punctuation marks.
fn clauses(text: &str) -> Vec<Vec<&str>> {
    let mut clauses = vec![Vec::new()];
    for piece in text.split_word_bounds() {
        if piece.chars().any(char::is_alphanumeric) {
            clauses.last_mut().expect("never empty").push(piece);
        } else if !piece.trim().is_empty() && piece != "'" && piece != "’" {
            clauses.push(Vec::new());
        }
    }
    clauses.retain(|c| !c.is_empty());
    clauses
}

/// A word worth a phrase's edge: has letters and is more than one character.
fn is_wordy(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && word.chars().count() > 1
}

#[cfg(test)]
mod tests {
    use mediaport_shared::AnalysisKind;

    use super::*;

    fn said(text: &str) -> Sentence {
        Sentence { text: text.into(), source: AnalysisKind::Transcript, timecodes: vec![], pages: vec![] }
    }

    #[test]
    fn candidates_stop_at_punctuation_and_never_start_or_end_with_a_stop_word() {
        let found = candidates(&[said("The heavy rain, in Lisbon, flooded the old harbour.")], "en");
        let texts: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
        for expected in ["heavy rain", "Lisbon", "flooded", "old harbour", "flooded the old harbour"] {
            assert!(texts.contains(&expected) == (expected.split(' ').count() <= LONGEST), "{expected}: {texts:?}");
        }
        assert!(!texts.iter().any(|t| t.starts_with("The ") || t.ends_with(" the")), "{texts:?}");
        assert!(!texts.contains(&"rain in Lisbon"), "a comma breaks a run: {texts:?}");
    }

    #[test]
    fn a_phrase_counts_in_every_sentence_it_is_in() {
        let found = candidates(&[said("Heavy rain today."), said("More heavy rain tomorrow.")], "en");
        let rain = found.iter().find(|c| c.text.eq_ignore_ascii_case("heavy rain")).unwrap();
        assert_eq!((rain.count, rain.sentences.clone()), (2, vec![0, 1]));
    }
}
