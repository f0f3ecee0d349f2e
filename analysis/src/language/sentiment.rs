//! Sentiment of each sentence with VADER (Hutto & Gilbert, 2014): a lexicon of words rated
//! by people, with rules for negation, intensifiers, "but" and emphasis. No trained
//! sentiment network ships in a registry package; VADER is the published model that does,
//! for English.

use vader_sentiment::SentimentIntensityAnalyzer;

/// VADER's own cut-offs on the compound score.
const POSITIVE: f64 = 0.05;
const NEGATIVE: f64 = -0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feeling {
    Positive,
    Negative,
    Neutral,
}

impl Feeling {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Negative => "negative",
            Self::Neutral => "neutral",
        }
    }
}

pub struct Sentiment {
    analyzer: SentimentIntensityAnalyzer<'static>,
}

impl std::fmt::Debug for Sentiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sentiment(VADER)")
    }
}

impl Default for Sentiment {
    fn default() -> Self {
        Self { analyzer: SentimentIntensityAnalyzer::new() }
    }
}

impl Sentiment {
    /// Whether it reads this language (as Whisper names it).
    pub fn reads(language: &str) -> bool {
        language == "en"
    }

    /// A sentence's feeling and how strong it is, 0 to 1.
    pub fn feel(&self, sentence: &str) -> (Feeling, f32) {
        let compound = self.analyzer.polarity_scores(sentence).get("compound").copied().unwrap_or(0.0);
        let feeling = if compound >= POSITIVE {
            Feeling::Positive
        } else if compound <= NEGATIVE {
            Feeling::Negative
        } else {
            Feeling::Neutral
        };
        let strength = if feeling == Feeling::Neutral { 1.0 - compound.abs() } else { compound.abs() };
        (feeling, strength as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn praise_blame_negation_and_plain_fact() {
        let vader = Sentiment::default();
        assert_eq!(vader.feel("I love this wonderful film").0, Feeling::Positive);
        assert_eq!(vader.feel("This is a terrible, awful mess").0, Feeling::Negative);
        assert_eq!(vader.feel("I didn't like it").0, Feeling::Negative);
        assert_eq!(vader.feel("The package arrived on Tuesday.").0, Feeling::Neutral);
    }
}
