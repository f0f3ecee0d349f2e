//! Language analysis on the real models: MiniLM embeddings, key phrases, Rampart entities
//! and VADER sentiment, each tied to the times or pages of its sentences.

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::embed::cosine;
use mediaport_analysis::language::sentences::{self, Sentence};
use mediaport_analysis::language::{Language, Wanted};
use mediaport_shared::{AnalysisKind, Timecode, TimelineItem};

const ALL: Wanted = Wanted { keyphrases: true, entities: true, sentiment: true };

fn language() -> &'static Language {
    static LANGUAGE: std::sync::OnceLock<Language> = std::sync::OnceLock::new();
    LANGUAGE.get_or_init(|| {
        let models = Models::open(&inference::default_dir(), 2).expect("models fetched: run python3 models/fetch.py");
        Language::load(&models).unwrap()
    })
}

/// Sentences said one after another, two seconds apart.
fn said(texts: &[&str]) -> Vec<Sentence> {
    texts
        .iter()
        .enumerate()
        .map(|(n, text)| Sentence {
            text: (*text).into(),
            source: AnalysisKind::Transcript,
            timecodes: vec![Timecode { begin: n as u64 * 2000, end: n as u64 * 2000 + 1800 }],
            pages: vec![],
        })
        .collect()
}

fn item<'a>(items: &'a [TimelineItem], name: &str) -> &'a TimelineItem {
    items.iter().find(|i| i.name.eq_ignore_ascii_case(name)).unwrap_or_else(|| panic!("no {name:?} in {items:#?}"))
}

#[test]
fn sentences_alike_in_meaning_have_near_embeddings() {
    let sentences =
        said(&["a man talking about rain", "the weather forecast says showers tomorrow", "stock prices fell sharply"]);
    let found = language().read(&sentences, "en", Wanted { keyphrases: false, entities: false, sentiment: false });
    let vectors: Vec<&Vec<f32>> = found.as_ref().unwrap().embeddings.sentences.iter().map(|s| &s.vector).collect();
    assert!(vectors.iter().all(|v| v.len() == 384 && (cosine(v, v) - 1.0).abs() < 1e-4));
    let (weather, stocks) = (cosine(vectors[0], vectors[1]), cosine(vectors[0], vectors[2]));
    assert!(weather > stocks + 0.1, "rain~forecast {weather}, rain~stocks {stocks}");
    let stored = &found.unwrap().embeddings;
    assert_eq!((stored.model.as_str(), stored.dimensions), ("all-MiniLM-L6-v2", 384));
    assert_eq!(stored.sentences[1].timecodes, [Timecode { begin: 2000, end: 3800 }]);
}

#[test]
fn people_places_and_addresses_are_found_on_their_pages() {
    let pages = [
        (1, "Evening news\n\nWeather and traffic for the coast.".to_owned()),
        (
            2,
            "Good evening, I'm Sarah Jones and this is the news from Lisbon.\nWrite to us at\nnewsroom@example.org."
                .into(),
        ),
    ];
    let sentences = sentences::from_pages(&pages);
    let found = language().read(&sentences, "en", ALL).unwrap();
    let entities = found.entities.unwrap();
    let person = item(&entities, "Sarah Jones");
    assert_eq!((person.category.as_deref(), person.pages.as_slice()), (Some("person"), &[2][..]));
    let place = item(&entities, "Lisbon");
    assert_eq!((place.category.as_deref(), place.pages.as_slice()), (Some("location"), &[2][..]));
    assert_eq!(item(&entities, "newsroom@example.org").category.as_deref(), Some("email"));
    assert!(entities.iter().all(|e| e.pages == [2]), "nothing on the first page: {entities:#?}");
}

#[test]
fn key_phrases_are_the_texts_own_words_at_the_times_they_were_said() {
    let texts = [
        "Heavy rain flooded the coastal towns overnight.",
        "Firefighters rescued three families from the flooded valley.",
        "More heavy rain is expected on Thursday, and the river may burst its banks.",
        "Forecasters say the storm will move north by the weekend.",
        "Schools in the flooded valley stay closed.",
    ];
    let sentences = said(&texts);
    let found = language().read(&sentences, "en", ALL).unwrap();
    let phrases = found.keyphrases.unwrap();
    assert!(!phrases.is_empty() && phrases.len() <= 25, "{phrases:#?}");
    let all = texts.join(" ").to_lowercase();
    for phrase in &phrases {
        let name = phrase.name.to_lowercase();
        assert!(all.contains(&name), "{name:?} is not in the text");
        // Its times are exactly those of the sentences it is in.
        let expected: Vec<Timecode> =
            sentences.iter().filter(|s| s.text.to_lowercase().contains(&name)).map(|s| s.timecodes[0]).collect();
        assert_eq!(phrase.timecodes, expected, "{name:?}");
    }
    // The best ones are about the weather, not filler.
    let best: Vec<String> = phrases.iter().take(3).map(|p| p.name.to_lowercase()).collect();
    let weather = ["rain", "flood", "storm", "forecast", "river"];
    assert!(best.iter().any(|p| weather.iter().any(|w| p.contains(w))), "{best:?}");
}

#[test]
fn each_sentence_s_feeling_is_kept_with_its_time() {
    let sentences = said(&[
        "What a wonderful, beautiful morning.",
        "The bridge opens at nine.",
        "This is a terrible, tragic loss for the town.",
    ]);
    let found = language().read(&sentences, "en", ALL).unwrap();
    let feelings = found.sentiment.unwrap();
    assert_eq!(item(&feelings, "positive").timecodes, sentences[0].timecodes);
    assert_eq!(item(&feelings, "neutral").timecodes, sentences[1].timecodes);
    assert_eq!(item(&feelings, "negative").timecodes, sentences[2].timecodes);
    // VADER reads English only: other languages get no sentiment rather than a wrong one.
    let french = language().read(&said(&["Quelle belle matinée."]), "fr", ALL).unwrap();
    assert_eq!(french.sentiment, None);
}

#[test]
fn no_sentences_give_nothing_and_no_error() {
    let found = language().read(&[], "en", ALL).unwrap();
    assert!(found.embeddings.sentences.is_empty());
    assert_eq!(found.keyphrases, Some(vec![]));
    assert_eq!(found.entities, Some(vec![]));
}
