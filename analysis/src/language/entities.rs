//! Named entities with the Rampart BERT token classifier: people's names, places,
//! addresses, contact details and identity numbers. It was trained to find personal data,
//! so it knows no organisations, and finds names best where people name themselves
//! ("I'm Sarah Jones"). URLs and e-mail addresses are also found by their syntax.

use std::collections::HashMap;

use linkify::{LinkFinder, LinkKind};
use tokenizers::Tokenizer;

use super::tokens;
use crate::inference::{Model, ModelError, Models};

/// Rampart's limit.
const MAX_TOKENS: usize = 512;
const BATCH: usize = 16;

/// An entity in one text: what it is, the bytes it spans, and how sure the model was.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub category: &'static str,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
}

#[derive(Debug)]
pub struct Entities {
    model: Model,
    inputs: Vec<String>,
    tokenizer: Tokenizer,
    /// Per output: the entity type ("GIVEN_NAME") and whether it begins one.
    labels: Vec<Option<(String, bool)>>,
}

impl Entities {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        let model = models.load("rampart/model.onnx")?;
        let inputs = model.inputs()?;
        let tokenizer = tokens::load(&models.dir().join("rampart/tokenizer.json"), MAX_TOKENS)?;
        let config = models.dir().join("rampart/config.json");
        let read = std::fs::read(&config).map_err(|e| ModelError::Io(config.display().to_string(), e))?;
        let labels = labels(&read)?;
        Ok(Self { model, inputs, tokenizer, labels })
    }

    /// The entities of each text, in order. Blocking.
    pub fn find(&self, texts: &[&str]) -> Result<Vec<Vec<Found>>, ModelError> {
        tokens::in_batches(&self.tokenizer, texts, BATCH, |batch, encoded| {
            let outputs = self.model.run_ints(encoded.inputs(&self.inputs))?;
            let logits = &outputs.first().ok_or_else(|| ModelError::Runtime("Rampart gave no output".into()))?.1;
            let (length, classes) = (encoded.length(), self.labels.len());
            if logits.shape != [batch.len(), length, classes] {
                return Err(ModelError::Runtime(format!("Rampart gave shape {:?}", logits.shape)));
            }
            let rows = logits.data.chunks_exact(length * classes).enumerate();
            Ok(rows
                .map(|(row, per_token)| {
                    let words = self.words(per_token, &encoded.offsets[row], &encoded.words[row]);
                    with_links(batch[row], spans(batch[row], &words))
                })
                .collect())
        })
    }

    /// Each word's label, read on its first token: (type, begins, start, end, probability).
    fn words(&self, logits: &[f32], offsets: &[(usize, usize)], words: &[Option<u32>]) -> Vec<Word> {
        let classes = self.labels.len();
        let mut out: Vec<Word> = Vec::new();
        let mut previous = None;
        for (token, word) in words.iter().enumerate() {
            let Some(word) = *word else { continue };
            let (start, end) = offsets[token];
            if previous == Some(word) {
                // A later piece of the same word widens it.
                if let Some(last) = out.last_mut() {
                    last.end = end;
                }
                continue;
            }
            previous = Some(word);
            let scores = softmax(&logits[token * classes..(token + 1) * classes]);
            let (best, probability) =
                scores.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((0, 0.0));
            let label = self.labels[best].clone();
            out.push(Word { label, start, end, probability });
        }
        out
    }
}

#[derive(Debug)]
struct Word {
    label: Option<(String, bool)>,
    start: usize,
    end: usize,
    probability: f32,
}

/// The labels of config.json's `id2label` in output order; "O" is None.
fn labels(config: &[u8]) -> Result<Vec<Option<(String, bool)>>, ModelError> {
    let bad = |why: &str| ModelError::Runtime(format!("rampart/config.json: {why}"));
    let config: serde_json::Value = serde_json::from_slice(config).map_err(|e| bad(&e.to_string()))?;
    let map = config["id2label"].as_object().ok_or_else(|| bad("no id2label"))?;
    let mut labels = vec![None; map.len()];
    for (id, label) in map {
        let id: usize = id.parse().map_err(|_| bad("an id is not a number"))?;
        let label = label.as_str().ok_or_else(|| bad("a label is not text"))?;
        let slot = labels.get_mut(id).ok_or_else(|| bad("ids are not 0..n"))?;
        *slot = label.split_once('-').map(|(bio, kind)| (kind.to_owned(), bio == "B"));
    }
    Ok(labels)
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let top = logits.iter().copied().fold(f32::MIN, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// What an entity type is, in the words of a media archive.
fn category(kind: &str) -> &'static str {
    match kind {
        "GIVEN_NAME" | "SURNAME" => "person",
        "CITY" | "STATE" => "location",
        "BUILDING_NUMBER" | "STREET_NAME" | "SECONDARY_ADDRESS" | "ZIP_CODE" => "address",
        "EMAIL" => "email",
        "PHONE" => "phone",
        "URL" => "url",
        _ => "identifier",
    }
}

/// Labelled words joined into entities. A word joins the one before when both are of the
/// same category and either touch ("john" "@" "example") or are apart by spaces only and
/// the word continues the entity (an I- label, or a surname after a given name).
fn spans(text: &str, words: &[Word]) -> Vec<Found> {
    let mut found: Vec<(Found, &str, usize)> = Vec::new();
    for word in words {
        let Some((kind, begins)) = &word.label else { continue };
        let category = category(kind);
        if let Some((last, last_kind, count)) = found.last_mut() {
            let gap = text.get(last.end..word.start).unwrap_or("x");
            let continues = !*begins || *last_kind != kind.as_str();
            let joins = last.category == category && (gap.is_empty() || (gap.trim().is_empty() && continues));
            if joins {
                last.end = word.end;
                last.confidence += word.probability;
                *last_kind = kind.as_str();
                *count += 1;
                continue;
            }
        }
        found.push((Found { category, start: word.start, end: word.end, confidence: word.probability }, kind, 1));
    }
    found
        .into_iter()
        .map(|(mut f, _, count)| {
            f.confidence /= count as f32;
            f
        })
        .collect()
}

/// URLs and e-mail addresses by their syntax, which knows their exact bounds: they replace
/// what the model made of the same characters (it often splits an address at "@" and ".").
fn with_links(text: &str, mut found: Vec<Found>) -> Vec<Found> {
    for link in LinkFinder::new().links(text) {
        let category = if *link.kind() == LinkKind::Email { "email" } else { "url" };
        found.retain(|f| !(f.start < link.end() && link.start() < f.end));
        found.push(Found { category, start: link.start(), end: link.end(), confidence: 1.0 });
    }
    found.sort_by_key(|f| f.start);
    found
}

/// Entities of many texts as (category, name) → the texts they are in and the best
/// confidence, names compared case-blind and shown as first written.
pub fn gather(texts: &[&str], found: &[Vec<Found>]) -> Vec<(&'static str, String, f32, Vec<usize>)> {
    let mut gathered: Vec<(&'static str, String, f32, Vec<usize>)> = Vec::new();
    let mut index: HashMap<(&'static str, String), usize> = HashMap::new();
    for (i, (text, entities)) in texts.iter().zip(found).enumerate() {
        for entity in entities {
            let Some(name) = text.get(entity.start..entity.end) else { continue };
            let name = name.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
            if name.is_empty() {
                continue;
            }
            let at = *index.entry((entity.category, name.to_lowercase())).or_insert_with(|| {
                gathered.push((entity.category, name.clone(), 0.0, Vec::new()));
                gathered.len() - 1
            });
            let entry = &mut gathered[at];
            entry.2 = entry.2.max(entity.confidence);
            if entry.3.last() != Some(&i) {
                entry.3.push(i);
            }
        }
    }
    gathered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(label: &str, begins: bool, start: usize, end: usize) -> Word {
        let label = (!label.is_empty()).then(|| (label.to_owned(), begins));
        Word { label, start, end, probability: 0.9 }
    }

    #[test]
    fn a_given_name_and_surname_are_one_person_and_touching_pieces_one_email() {
        let text = "I'm Sarah Jones, mail sarah@acme.org";
        let words = [
            word("", false, 0, 3),
            word("GIVEN_NAME", true, 4, 9),
            word("SURNAME", true, 10, 15),
            word("EMAIL", true, 22, 27),
            word("EMAIL", true, 27, 28),
            word("EMAIL", true, 28, 32),
            word("EMAIL", true, 32, 33),
            word("EMAIL", true, 33, 36),
        ];
        let found = spans(text, &words);
        let names: Vec<(&str, &str)> = found.iter().map(|f| (f.category, &text[f.start..f.end])).collect();
        assert_eq!(names, [("person", "Sarah Jones"), ("email", "sarah@acme.org")]);
    }

    #[test]
    fn two_people_apart_by_a_comma_stay_two() {
        let text = "Sarah Jones, David Miller";
        let words = [
            word("GIVEN_NAME", true, 0, 5),
            word("SURNAME", true, 6, 11),
            word("GIVEN_NAME", true, 13, 18),
            word("SURNAME", true, 19, 25),
        ];
        let found = spans(text, &words);
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn links_are_taken_whole_by_their_syntax() {
        let text = "see https://weather.example.org/today or mail desk@example.org";
        let split = vec![Found { category: "email", start: 45, end: 49, confidence: 0.8 }];
        let found = with_links(text, split);
        let names: Vec<(&str, &str)> = found.iter().map(|f| (f.category, &text[f.start..f.end])).collect();
        assert_eq!(names, [("url", "https://weather.example.org/today"), ("email", "desk@example.org")]);
    }
}
