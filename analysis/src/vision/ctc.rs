//! Greedy CTC decoding of the text recogniser's output, keeping the step each character
//! was read at: the steps are evenly spread over the line, so they give each word's place.

/// A gap between characters where the space class reaches this probability is a space.
const SPACE_HINT: f32 = 0.02;

/// One character read, or a space between words.
#[derive(Debug, Clone, PartialEq)]
struct Glyph {
    text: String,
    step: usize,
}

/// What the recogniser read on one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    glyphs: Vec<Glyph>,
    /// The mean probability of the characters kept.
    pub confidence: f32,
    /// How many steps the recogniser took across the (padded) line.
    pub steps: usize,
}

/// A word and the first and last step its characters were read at.
#[derive(Debug, Clone, PartialEq)]
pub struct WordSteps {
    pub text: String,
    pub first: usize,
    pub last: usize,
}

impl Reading {
    /// The words joined by single spaces.
    pub fn text(&self) -> String {
        self.words().into_iter().map(|w| w.text).collect::<Vec<_>>().join(" ")
    }

    pub fn words(&self) -> Vec<WordSteps> {
        let mut words: Vec<WordSteps> = Vec::new();
        let mut open = false;
        for glyph in &self.glyphs {
            if glyph.text.trim().is_empty() {
                open = false;
                continue;
            }
            match words.last_mut() {
                Some(word) if open => {
                    word.text.push_str(&glyph.text);
                    word.last = glyph.step;
                }
                _ => words.push(WordSteps { text: glyph.text.clone(), first: glyph.step, last: glyph.step }),
            }
            open = true;
        }
        words
    }
}

/// Greedy CTC: the best class at each step, repeats collapsed, blanks dropped. Class 0 is
/// the blank, class `i` is `charset[i - 1]`. The recogniser often lets a narrow word gap
/// go to blanks, but its space class still stirs there: a gap where the space reaches
/// `SPACE_HINT` becomes a space ("BREAKING NEWS", not "BREAKINGNEWS").
pub fn decode(probabilities: &[f32], classes: usize, charset: &[String]) -> Reading {
    let space = charset.iter().position(|c| c == " ").map(|i| i + 1);
    let mut glyphs: Vec<Glyph> = Vec::new();
    let (mut sum, mut kept) = (0f32, 0u32);
    let mut previous = 0;
    let mut space_in_gap = (0f32, 0usize);
    let mut steps = 0;
    for (step, scores) in probabilities.chunks(classes.max(1)).enumerate() {
        steps = step + 1;
        let (best, p) = scores.iter().enumerate().fold((0, f32::MIN), |a, (i, &p)| if p > a.1 { (i, p) } else { a });
        if best != 0
            && best != previous
            && let Some(c) = charset.get(best - 1)
        {
            let after_word = glyphs.last().is_some_and(|g| g.text != " ");
            if space_in_gap.0 >= SPACE_HINT && after_word && c != " " {
                glyphs.push(Glyph { text: " ".into(), step: space_in_gap.1 });
            }
            glyphs.push(Glyph { text: c.clone(), step });
            sum += p;
            kept += 1;
            space_in_gap = (0.0, 0);
        } else if let Some(space) = space {
            let p = scores.get(space).copied().unwrap_or(0.0);
            if p > space_in_gap.0 {
                space_in_gap = (p, step);
            }
        }
        previous = best;
    }
    Reading { glyphs, confidence: if kept == 0 { 0.0 } else { sum / kept as f32 }, steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_where_the_space_stirs_becomes_a_space() {
        let charset: Vec<String> = ["A", "B", " "].map(String::from).to_vec();
        // Classes: blank, A, B, space. A, blank (space at 5 %), B, blank (space at 1 %), A.
        let steps = [
            [0.1, 0.9, 0.0, 0.0],
            [0.95, 0.0, 0.0, 0.05],
            [0.1, 0.0, 0.9, 0.0],
            [0.99, 0.0, 0.0, 0.01],
            [0.1, 0.9, 0.0, 0.0],
        ];
        assert_eq!(decode(&steps.concat(), 4, &charset).text(), "A BA");
    }

    #[test]
    fn ctc_collapses_repeats_and_drops_blanks() {
        let charset: Vec<String> = ["A", "B"].map(String::from).to_vec();
        // Steps: A, A, blank, A, B, B -> "AAB".
        let steps =
            [[0.1, 0.9, 0.0], [0.2, 0.8, 0.0], [0.9, 0.1, 0.0], [0.3, 0.7, 0.0], [0.0, 0.4, 0.6], [0.0, 0.2, 0.8]];
        let reading = decode(&steps.concat(), 3, &charset);
        assert_eq!(reading.text(), "AAB");
        assert_eq!(reading.steps, 6);
        assert!((reading.confidence - (0.9 + 0.7 + 0.6) / 3.0).abs() < 1e-6);
    }

    #[test]
    fn words_span_the_steps_of_their_characters() {
        let charset: Vec<String> = ["A", "B", " "].map(String::from).to_vec();
        // A at 0, B at 1, the space class wins at 3, A at 5, B at 6 (blanks between).
        let steps = [
            [0.1, 0.9, 0.0, 0.0],
            [0.1, 0.0, 0.9, 0.0],
            [0.9, 0.0, 0.0, 0.1],
            [0.1, 0.0, 0.0, 0.9],
            [0.9, 0.0, 0.0, 0.1],
            [0.1, 0.9, 0.0, 0.0],
            [0.1, 0.0, 0.9, 0.0],
            [0.9, 0.0, 0.0, 0.0],
        ];
        let words = decode(&steps.concat(), 4, &charset).words();
        assert_eq!(
            words,
            [WordSteps { text: "AB".into(), first: 0, last: 1 }, WordSteps { text: "AB".into(), first: 5, last: 6 }]
        );
    }
}
