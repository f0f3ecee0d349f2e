//! Language over what was said and written: the sentences of the transcript, of on-screen
//! text and of documents, their embeddings (for semantic search), key phrases, named
//! entities and sentiment, each tied to the times or pages of its sentences.

pub mod embed;
pub mod entities;
pub mod keyphrases;
pub mod sentences;
pub mod sentiment;
pub mod tokens;

use std::collections::BTreeMap;

use mediaport_shared::{EmbeddedSentence, Embeddings, TimelineItem};

use self::embed::Embedder;
use self::entities::Entities;
use self::sentences::{Sentence, places};
use self::sentiment::Sentiment;
use crate::inference::{ModelError, Models};

/// The language models, loaded once per worker.
#[derive(Debug)]
pub struct Language {
    pub embedder: Embedder,
    pub entities: Entities,
    pub sentiment: Sentiment,
}

/// Which findings are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub keyphrases: bool,
    pub entities: bool,
    pub sentiment: bool,
}

/// What was found; a kind not wanted (or sentiment in a language VADER does not read) is None.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    pub embeddings: Embeddings,
    pub keyphrases: Option<Vec<TimelineItem>>,
    pub entities: Option<Vec<TimelineItem>>,
    pub sentiment: Option<Vec<TimelineItem>>,
}

impl Language {
    pub fn load(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { embedder: Embedder::new(models)?, entities: Entities::new(models)?, sentiment: Sentiment::default() })
    }

    /// Reads the sentences, in `language` (as Whisper names it). Blocking.
    pub fn read(&self, sentences: &[Sentence], language: &str, wanted: Wanted) -> Result<Findings, ModelError> {
        let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
        let vectors = self.embedder.embed(&texts)?;
        let keyphrases = match wanted.keyphrases {
            true => Some(self.keyphrases(sentences, &vectors, language)?),
            false => None,
        };
        let entities = match wanted.entities {
            true => Some(self.named(sentences, &texts)?),
            false => None,
        };
        let sentiment = (wanted.sentiment && Sentiment::reads(language)).then(|| self.feelings(sentences));
        let embedded = sentences
            .iter()
            .zip(vectors)
            .map(|(s, vector)| EmbeddedSentence {
                source: s.source,
                text: s.text.clone(),
                timecodes: s.timecodes.clone(),
                pages: s.pages.clone(),
                vector,
            })
            .collect();
        let embeddings = Embeddings { model: embed::MODEL.into(), dimensions: embed::DIMENSIONS, sentences: embedded };
        Ok(Findings { embeddings, keyphrases, entities, sentiment })
    }

    fn keyphrases(
        &self,
        sentences: &[Sentence],
        vectors: &[Vec<f32>],
        language: &str,
    ) -> Result<Vec<TimelineItem>, ModelError> {
        let words: usize = sentences.iter().map(|s| s.text.split_whitespace().count()).sum();
        // About one phrase per hundred words, within reason.
        let wanted = (words / 100).clamp(5, 25);
        let found = keyphrases::find(&self.embedder, sentences, vectors, language, wanted)?;
        Ok(found
            .into_iter()
            .map(|phrase| {
                let (timecodes, pages) = places(phrase.sentences.iter().map(|&i| &sentences[i]));
                TimelineItem { name: phrase.text, confidence: phrase.score, timecodes, pages, ..Default::default() }
            })
            .collect())
    }

    fn named(&self, sentences: &[Sentence], texts: &[&str]) -> Result<Vec<TimelineItem>, ModelError> {
        let found = self.entities.find(texts)?;
        Ok(entities::gather(texts, &found)
            .into_iter()
            .map(|(category, name, confidence, at)| {
                let (timecodes, pages) = places(at.iter().map(|&i| &sentences[i]));
                TimelineItem {
                    name,
                    confidence,
                    timecodes,
                    pages,
                    category: Some(category.to_owned()),
                    ..Default::default()
                }
            })
            .collect())
    }

    /// One item per feeling with the times and pages of its sentences.
    fn feelings(&self, sentences: &[Sentence]) -> Vec<TimelineItem> {
        let mut by_feeling: BTreeMap<sentiment::Feeling, (f32, Vec<&Sentence>)> = BTreeMap::new();
        for sentence in sentences {
            let (feeling, strength) = self.sentiment.feel(&sentence.text);
            let entry = by_feeling.entry(feeling).or_default();
            entry.0 = entry.0.max(strength);
            entry.1.push(sentence);
        }
        by_feeling
            .into_iter()
            .map(|(feeling, (confidence, said))| {
                let (timecodes, pages) = places(said);
                TimelineItem { name: feeling.as_str().into(), confidence, timecodes, pages, ..Default::default() }
            })
            .collect()
    }
}
