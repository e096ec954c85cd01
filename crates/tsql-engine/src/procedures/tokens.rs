//! Token helpers shared by the procedure header parser and the EXEC pre-pass: the
//! meaningful (non-whitespace, non-comment) tokens of a text and the byte ranges they span.

use sqlparser::dialect::MsSqlDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// Maps sqlparser's (line, column) locations, counted in characters from 1, to byte
/// offsets of the text, so a construct's original text can be cut out of it.
pub struct Offsets {
    /// The byte offset of each line's first character.
    line_starts: Vec<usize>,
}

impl Offsets {
    pub fn new(text: &str) -> Offsets {
        let mut line_starts = vec![0];
        for (i, c) in text.char_indices() {
            if c == '\n' {
                line_starts.push(i + 1);
            }
        }
        Offsets { line_starts }
    }

    /// The byte offset of `loc` in `text` (the text the offsets were made from).
    pub fn at(&self, text: &str, loc: Location) -> usize {
        let line = (loc.line.max(1) - 1) as usize;
        let Some(&start) = self.line_starts.get(line) else {
            return text.len();
        };
        let col = loc.column.max(1) as usize - 1;
        text[start..]
            .char_indices()
            .nth(col)
            .map_or(text.len(), |(i, _)| start + i)
    }
}

/// Tokenizes `text`; `None` when it does not tokenize (the batch parser reports that).
pub fn tokenize(text: &str) -> Option<Vec<TokenWithSpan>> {
    Tokenizer::new(&MsSqlDialect {}, text)
        .tokenize_with_location()
        .ok()
}

/// Indexes of the tokens that are neither whitespace nor comments (nor the end).
pub fn meaningful(tokens: &[TokenWithSpan]) -> Vec<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .map(|(i, _)| i)
        .collect()
}

/// An unquoted word spelled `text` (any case).
pub fn is_word(t: &Token, text: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(text))
}

/// A `@name` (a variable or parameter).
pub fn variable(t: &Token) -> Option<&str> {
    match t {
        Token::Word(w) if w.quote_style.is_none() && w.value.starts_with('@') => Some(&w.value),
        _ => None,
    }
}

/// The text tokens `from..=to` (indexes into `tokens`) were cut from.
pub fn source<'t>(
    text: &'t str,
    offsets: &Offsets,
    tokens: &[TokenWithSpan],
    from: usize,
    to: usize,
) -> &'t str {
    let start = offsets.at(text, tokens[from].span.start);
    let end = offsets.at(text, tokens[to].span.end);
    &text[start..end.max(start)]
}
