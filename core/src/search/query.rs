//! The search query language of api.md: words, "quoted phrases", AND / OR / NOT (and a
//! leading `-`), parentheses, `field:value` and `*` wildcards. Words side by side must all
//! match (AND); OR binds looser than AND. Parsed into a tree the index adapters translate.

use mediaport_shared::AnalysisKind;

use crate::error::{ErrorKind, ServiceError};

/// Longer queries are refused: nobody types them, and each term costs a lookup.
pub const MAX_QUERY_BYTES: usize = 2048;
/// Deeper nesting is refused: the parser recurses per level.
const MAX_DEPTH: usize = 32;

/// A field a term may name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// One analysis kind's names (`label:dog`, `transcript:rain`). `face` reads the
    /// names of people, matched or named later.
    Kind(AnalysisKind),
    Filename,
    Group,
    /// `type:video`.
    Type,
    /// `attributes.<key>:value`, the upload's own attributes.
    Attribute(String),
}

impl Field {
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        if let Some(key) = name.strip_prefix("attributes.").filter(|k| !k.is_empty()) {
            return Some(Self::Attribute(key.to_owned()));
        }
        Some(match name.as_str() {
            "filename" => Self::Filename,
            "group" => Self::Group,
            "type" => Self::Type,
            "face" | "person" => Self::Kind(AnalysisKind::FaceMatch),
            "face.emotion" => Self::Kind(AnalysisKind::Emotion),
            other => Self::Kind(AnalysisKind::parse(other)?),
        })
    }
}

/// The parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Everything (an empty query).
    All,
    /// One word, lower-cased; `prefix` when it ended in `*`. No field: any text field.
    Word {
        field: Option<Field>,
        word: String,
        prefix: bool,
    },
    /// Words in this order.
    Phrase {
        field: Option<Field>,
        words: Vec<String>,
    },
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
    /// These assets, each scoring its weight: what semantic search found near the
    /// query's words. Never parsed from text; `search::semantic` builds it.
    Similar(Vec<(mediaport_shared::AssetId, f32)>),
}

impl Query {
    /// The words asked for in any field (not under a NOT), in order: what semantic
    /// search reads the meaning of. A prefix (`wea*`) is no word to read: it stays a
    /// word match.
    pub fn free_text(&self) -> String {
        let mut words = Vec::new();
        self.collect_free_words(&mut words);
        words.join(" ")
    }

    fn collect_free_words<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Word { field: None, word, prefix: false } => out.push(word),
            Self::Phrase { field: None, words } => out.extend(words.iter().map(String::as_str)),
            Self::And(all) | Self::Or(all) => all.iter().for_each(|q| q.collect_free_words(out)),
            _ => {}
        }
    }

    /// The query with its free words (outside a NOT) read for their meaning: each run of
    /// them, side by side or among alternatives, becomes `by_meaning`, and the fields,
    /// types and NOTs around them still hold (`label:dog rain` is a dog and what is near
    /// "rain"; `rain OR label:dog` either).
    pub fn with_meaning(&self, by_meaning: &Query) -> Query {
        match self {
            Self::Word { field: None, prefix: false, .. } | Self::Phrase { field: None, .. } => by_meaning.clone(),
            Self::And(all) => Self::joined(all, by_meaning, Self::And),
            Self::Or(all) => Self::joined(all, by_meaning, Self::Or),
            other => other.clone(),
        }
    }

    /// The parts with their free words read for meaning, the meaning once.
    fn joined(all: &[Query], by_meaning: &Query, join: fn(Vec<Query>) -> Query) -> Query {
        let mut parts: Vec<Query> = Vec::with_capacity(all.len());
        for part in all.iter().map(|q| q.with_meaning(by_meaning)) {
            if part != *by_meaning || !parts.contains(by_meaning) {
                parts.push(part);
            }
        }
        if parts.len() == 1 { parts.remove(0) } else { join(parts) }
    }
}

/// Why a query cannot be read, each with a stable code for the 400 response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is longer than {MAX_QUERY_BYTES} bytes")]
    TooLong,
    #[error("a quote is not closed")]
    UnbalancedQuote,
    #[error("a parenthesis is not closed or not opened")]
    UnbalancedParenthesis,
    #[error(
        "unknown field {0:?}: use a kind (label, face, text, transcript, ...), filename, group, type or attributes.<key>"
    )]
    UnknownField(String),
    #[error("{0}")]
    Malformed(String),
}

impl ServiceError for QueryError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooLong => "query-too-long",
            Self::UnbalancedQuote => "query-unbalanced-quote",
            Self::UnbalancedParenthesis => "query-unbalanced-parenthesis",
            Self::UnknownField(_) => "query-unknown-field",
            Self::Malformed(_) => "query-malformed",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// `field:` before a value.
    Field(String),
    Word(String),
    Quoted(String),
}

/// Splits a query into tokens; quotes keep their text whole.
fn tokens(query: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '"' => {
                chars.next();
                let mut quoted = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(c) => quoted.push(c),
                        None => return Err(QueryError::UnbalancedQuote),
                    }
                }
                tokens.push(Token::Quoted(quoted));
            }
            '-' if tokens.last().is_none_or(|t| !matches!(t, Token::Field(_))) => {
                chars.next();
                tokens.push(Token::Not);
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                    if c == ':' {
                        break;
                    }
                }
                tokens.push(match word.as_str() {
                    "AND" | "&&" => Token::And,
                    "OR" | "||" => Token::Or,
                    "NOT" => Token::Not,
                    _ => match word.strip_suffix(':') {
                        Some(field) if !field.is_empty() => Token::Field(field.to_owned()),
                        _ => Token::Word(word),
                    },
                });
            }
        }
    }
    Ok(tokens)
}

/// Parses a query. An empty one (or one of spaces) matches everything.
pub fn parse(query: &str) -> Result<Query, QueryError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(QueryError::TooLong);
    }
    let tokens = tokens(query)?;
    let mut depth = 0i32;
    for token in &tokens {
        depth += match token {
            Token::Open => 1,
            Token::Close => -1,
            _ => 0,
        };
        if depth < 0 {
            return Err(QueryError::UnbalancedParenthesis);
        }
    }
    if depth != 0 {
        return Err(QueryError::UnbalancedParenthesis);
    }
    if tokens.is_empty() {
        return Ok(Query::All);
    }
    let mut parser = Parser { tokens, at: 0 };
    let query = parser.or(0)?;
    match parser.tokens.get(parser.at) {
        None => Ok(query),
        Some(token) => Err(QueryError::Malformed(format!("unexpected {token:?}"))),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self, depth: usize) -> Result<Query, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::Malformed(format!("more than {MAX_DEPTH} nested groups")));
        }
        let mut any = vec![self.and(depth)?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            any.push(self.and(depth)?);
        }
        Ok(if any.len() == 1 { any.swap_remove(0) } else { Query::Or(any) })
    }

    fn and(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut all = vec![self.unary(depth)?];
        loop {
            match self.peek() {
                Some(Token::And) => self.at += 1,
                None | Some(Token::Or) | Some(Token::Close) => break,
                Some(_) => {}
            }
            all.push(self.unary(depth)?);
        }
        Ok(if all.len() == 1 { all.swap_remove(0) } else { Query::And(all) })
    }

    fn unary(&mut self, depth: usize) -> Result<Query, QueryError> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            return Ok(Query::Not(Box::new(self.unary(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Query, QueryError> {
        let token = self.peek().cloned().ok_or_else(|| QueryError::Malformed("the query ends too soon".into()))?;
        self.at += 1;
        match token {
            Token::Open => {
                let inner = self.or(depth + 1)?;
                match self.peek() {
                    Some(Token::Close) => self.at += 1,
                    _ => return Err(QueryError::UnbalancedParenthesis),
                }
                Ok(inner)
            }
            Token::Field(name) => {
                let field = Field::parse(&name).ok_or(QueryError::UnknownField(name.clone()))?;
                match self.peek().cloned() {
                    Some(Token::Word(word)) => {
                        self.at += 1;
                        Ok(value(Some(field), &word, false))
                    }
                    Some(Token::Quoted(text)) => {
                        self.at += 1;
                        Ok(value(Some(field), &text, true))
                    }
                    _ => Err(QueryError::Malformed(format!("{name}: needs a value"))),
                }
            }
            Token::Word(word) => Ok(value(None, &word, false)),
            Token::Quoted(text) => Ok(value(None, &text, true)),
            other => Err(QueryError::Malformed(format!("unexpected {other:?}"))),
        }
    }
}

/// A term's text as a word or a phrase: split into lower-case words at anything that is
/// not a letter or digit (as the index splits names), `*` kept at the end of a word.
fn value(field: Option<Field>, text: &str, quoted: bool) -> Query {
    let prefix = !quoted && text.ends_with('*');
    let mut words = split(text);
    match (words.len(), prefix) {
        (0, _) => Query::All,
        (1, _) => Query::Word { field, word: words.swap_remove(0), prefix },
        // "new-york*": the last word is the prefix, the rest must match whole.
        (_, true) => {
            let last = words.pop().unwrap_or_default();
            let mut all: Vec<Query> =
                words.into_iter().map(|word| Query::Word { field: field.clone(), word, prefix: false }).collect();
            all.push(Query::Word { field, word: last, prefix: true });
            Query::And(all)
        }
        _ => Query::Phrase { field, words },
    }
}

/// Lower-case words of a text, as both the query and the index see them.
pub fn split(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Queries as people (and pasted logs) write them: words, quotes, fields, operators,
    /// brackets, stars, any Unicode.
    fn query_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("\"".to_owned()),
            Just("AND".to_owned()),
            Just("OR".to_owned()),
            Just("NOT".to_owned()),
            Just("label:".to_owned()),
            Just("attributes.camera:".to_owned()),
            Just("wea*".to_owned()),
            "\\PC{0,8}",
        ];
        prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.join(" "))
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_refused_with_a_reason(text in query_text()) {
            // Never a panic; a refusal is one of the parser's own errors.
            if let Ok(query) = parse(&text) {
                let _ = query.free_text();
            }
        }

        #[test]
        fn plain_words_always_parse_and_are_read_for_their_meaning(words in prop::collection::vec("[a-z]{1,10}", 1..8)) {
            let words: Vec<String> = words.into_iter().filter(|w| !["and", "or", "not"].contains(&w.as_str())).collect();
            let query = parse(&words.join(" ")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(query.free_text(), words.join(" "));
        }
    }

    #[test]
    fn free_words_go_to_meaning_and_fields_stay() {
        let q = parse(r#"a man "talking about" rain label:dog NOT sunny"#).unwrap();
        assert_eq!(q.free_text(), "a man talking about rain");
        let near = Query::Similar(vec![("a".into(), 1.0)]);
        let label = |name: &str| parse(&format!("label:{name}")).unwrap();
        let expected = Query::And(vec![near.clone(), label("dog"), parse("NOT sunny").unwrap()]);
        assert_eq!(q.with_meaning(&near), expected);
        assert_eq!(
            parse("rain OR label:dog").unwrap().with_meaning(&near),
            Query::Or(vec![near.clone(), label("dog")])
        );
        assert_eq!(parse("a man").unwrap().with_meaning(&near), near);
        assert_eq!(
            parse("label:cat OR label:dog").unwrap().with_meaning(&near),
            parse("label:cat OR label:dog").unwrap()
        );
        assert_eq!(parse("transcript:rain").unwrap().free_text(), "");
        // A prefix is matched as a word, not read for its meaning.
        let q = parse("storm wea*").unwrap();
        assert_eq!(q.free_text(), "storm");
        assert_eq!(q.with_meaning(&near), Query::And(vec![near.clone(), parse("wea*").unwrap()]));
    }

    fn word(field: Option<Field>, word: &str) -> Query {
        Query::Word { field, word: word.into(), prefix: false }
    }

    #[test]
    fn fields_phrases_and_boolean_logic() {
        let parsed = parse(r#"label:dog AND transcript:"Breaking News""#).unwrap();
        let expected = Query::And(vec![
            word(Some(Field::Kind(AnalysisKind::Label)), "dog"),
            Query::Phrase {
                field: Some(Field::Kind(AnalysisKind::Transcript)),
                words: vec!["breaking".into(), "news".into()],
            },
        ]);
        assert_eq!(parsed, expected);
        let parsed = parse("rain OR snow storm").unwrap();
        assert_eq!(
            parsed,
            Query::Or(vec![word(None, "rain"), Query::And(vec![word(None, "snow"), word(None, "storm")])])
        );
        let parsed = parse("(rain OR snow) NOT label:car -type:image").unwrap();
        assert_eq!(
            parsed,
            Query::And(vec![
                Query::Or(vec![word(None, "rain"), word(None, "snow")]),
                Query::Not(Box::new(word(Some(Field::Kind(AnalysisKind::Label)), "car"))),
                Query::Not(Box::new(word(Some(Field::Type), "image"))),
            ])
        );
    }

    #[test]
    fn wildcards_faces_and_attributes() {
        assert_eq!(parse("interview*").unwrap(), Query::Word { field: None, word: "interview".into(), prefix: true });
        assert_eq!(
            parse(r#"face:"Jane Doe""#).unwrap(),
            Query::Phrase {
                field: Some(Field::Kind(AnalysisKind::FaceMatch)),
                words: vec!["jane".into(), "doe".into()]
            }
        );
        assert_eq!(
            parse("attributes.Project:apollo").unwrap(),
            word(Some(Field::Attribute("project".into())), "apollo")
        );
        assert_eq!(parse("   ").unwrap(), Query::All);
    }

    #[test]
    fn bad_queries_get_their_codes() {
        let code = |q: &str| parse(q).unwrap_err().code();
        assert_eq!(code(r#"transcript:"breaking news"#), "query-unbalanced-quote");
        assert_eq!(code("(rain OR snow"), "query-unbalanced-parenthesis");
        assert_eq!(code("rain)"), "query-unbalanced-parenthesis");
        assert_eq!(code("colour:red"), "query-unknown-field");
        assert_eq!(code(&"a ".repeat(60_000)), "query-too-long");
        assert_eq!(code("label:"), "query-malformed");
        assert_eq!(code("rain AND"), "query-malformed");
        assert_eq!(code(&format!("{}rain{}", "(".repeat(40), ")".repeat(40))), "query-malformed");
    }
}
