//! Code-aware tokenizer: identifiers are emitted whole and split into their
//! camelCase / PascalCase / snake_case / kebab-case / digit parts, lowercased;
//! known abbreviations also emit their words (see `amanmcp_chunker::abbreviations`).

use amanmcp_chunker::abbreviations;
use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};

/// Name under which the plain code analyzer is registered in tantivy.
pub(crate) const CODE: &str = "amanmcp_code";
/// Same analyzer followed by an English stemmer (doc text and code bodies).
pub(crate) const CODE_STEM: &str = "amanmcp_code_stem";

/// Longest token kept; longer runs are usually hashes or encoded blobs.
const MAX_TOKEN_BYTES: usize = 64;

/// tantivy adapter around [`split_code`].
#[derive(Clone, Default)]
pub(crate) struct CodeTokenizer {
    tokens: Vec<Token>,
}

/// Iterates the tokens produced for one text.
pub(crate) struct CodeTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    index: usize,
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        self.tokens.clear();
        let mut position = 0usize;
        for_each_token(text, |from, to, term, part| {
            // Known abbreviations (`recv`) also stand for their words (`receive`).
            let expansion = abbreviations::expand(&term, part);
            self.tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: term,
                position_length: 1,
            });
            for word in expansion.into_iter().flatten() {
                self.tokens.push(Token {
                    offset_from: from,
                    offset_to: to,
                    position,
                    text: (*word).to_string(),
                    position_length: 1,
                });
            }
            position += 1;
        });
        CodeTokenStream {
            tokens: &mut self.tokens,
            index: 0,
        }
    }
}

impl TokenStream for CodeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.index += 1;
        self.index <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

/// The analyzers registered on every index.
pub(crate) fn analyzers() -> [(&'static str, TextAnalyzer); 2] {
    [
        (
            CODE,
            TextAnalyzer::builder(CodeTokenizer::default()).build(),
        ),
        (
            CODE_STEM,
            TextAnalyzer::builder(CodeTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        ),
    ]
}

/// All lowercase tokens of `text` in order (whole identifiers then their parts).
pub fn split_code(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, |_, _, t, _| out.push(t));
    out
}

/// The parts of a definition's name, lowercased, for the reranker's name
/// match: the last segment of a path (`Console.print` → `print`), split
/// at `_`, `-` and case changes, letters glued to a number kept as one
/// unit (`read_i32_le` → `read`, `i32`, `le`).
pub(crate) fn name_units(name: &str) -> Vec<String> {
    let last = name
        .rsplit(['.', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    for word in last.split(|c: char| !c.is_alphanumeric()) {
        let mut prev_letters = false;
        for (from, to) in word_parts(word) {
            let part = word[from..to].to_lowercase();
            let digits = part.starts_with(|c: char| c.is_ascii_digit());
            match out.last_mut() {
                Some(last) if digits && prev_letters => last.push_str(&part),
                _ => out.push(part),
            }
            prev_letters = !digits;
        }
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Calls `emit(byte_from, byte_to, lowercase_term, is_part)` for each token;
/// `is_part` is true for the sub-words of a longer identifier.
fn for_each_token(text: &str, mut emit: impl FnMut(usize, usize, String, bool)) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        // A word: alphanumerics and '_', plus '-' joining two alphanumerics (kebab-case).
        while i < chars.len() {
            let c = chars[i].1;
            let joins = c == '-'
                && i > start
                && chars[i - 1].1.is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.1.is_alphabetic());
            if is_word_char(c) || joins {
                i += 1;
            } else {
                break;
            }
        }
        let from = chars[start].0;
        let to = chars.get(i).map(|c| c.0).unwrap_or(text.len());
        emit_word(&text[from..to], from, &mut emit);
    }
}

fn emit_word(word: &str, base: usize, emit: &mut impl FnMut(usize, usize, String, bool)) {
    let trimmed = word.trim_matches(|c| c == '_' || c == '-');
    if trimmed.is_empty() {
        return;
    }
    let offset = base + (word.len() - word.trim_start_matches(['_', '-']).len());
    let parts = word_parts(trimmed);
    let whole = trimmed.to_lowercase();
    if whole.len() <= MAX_TOKEN_BYTES {
        emit(offset, offset + trimmed.len(), whole, false);
    }
    if parts.len() <= 1 {
        return;
    }
    for (k, &(from, to)) in parts.iter().enumerate() {
        let part = trimmed[from..to].to_lowercase();
        if part.len() <= MAX_TOKEN_BYTES {
            emit(offset + from, offset + to, part, true);
        }
        // Letters glued to a number form one unit too (`i32` in
        // `read_i32_le`, `v4` in `set_multicast_loop_v4`), unless that
        // unit is the whole identifier, already emitted.
        let glued = k > 0 && parts[k - 1].1 == from && parts.len() > 2;
        if glued && trimmed[from..to].starts_with(|c: char| c.is_ascii_digit()) {
            let start = parts[k - 1].0;
            if trimmed[start..from].chars().all(|c| c.is_alphabetic()) {
                emit(
                    offset + start,
                    offset + to,
                    trimmed[start..to].to_lowercase(),
                    true,
                );
            }
        }
    }
}

/// Byte ranges of the sub-words of one identifier.
fn word_parts(word: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    for k in 0..chars.len() {
        let (pos, c) = chars[k];
        if c == '_' || c == '-' {
            if let Some(s) = start.take() {
                parts.push((s, pos));
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(pos);
            continue;
        };
        let prev = chars[k - 1].1;
        let next = chars.get(k + 1).map(|n| n.1);
        let boundary = (prev.is_lowercase() && c.is_uppercase())
            || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            || (prev.is_ascii_digit() != c.is_ascii_digit() && prev != '_');
        if boundary {
            parts.push((s, pos));
            start = Some(pos);
        }
    }
    if let Some(s) = start {
        parts.push((s, word.len()));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::{name_units, split_code};

    #[test]
    fn name_units_are_the_parts_of_the_last_segment() {
        assert_eq!(name_units("try_recv"), ["try", "recv"]);
        assert_eq!(name_units("read_i32_le"), ["read", "i32", "le"]);
        assert_eq!(
            name_units("set_multicast_loop_v4"),
            ["set", "multicast", "loop", "v4"]
        );
        assert_eq!(name_units("Console.print"), ["print"]);
        assert_eq!(name_units("JoinSet::abort_all"), ["abort", "all"]);
        assert_eq!(name_units("parseHTTPRequest"), ["parse", "http", "request"]);
        assert_eq!(name_units("sha256"), ["sha256"]);
        assert_eq!(name_units("(IpAddr, u16)"), ["ip", "addr", "u16"]);
        assert_eq!(name_units("__init__"), ["init"]);
        assert!(name_units("").is_empty());
    }

    #[test]
    fn splits_identifier_styles() {
        assert_eq!(
            split_code("parseHTTPRequest"),
            ["parsehttprequest", "parse", "http", "request"]
        );
        assert_eq!(
            split_code("JoinSet::abort_all"),
            ["joinset", "join", "set", "abort_all", "abort", "all"]
        );
        assert_eq!(
            split_code("kebab-case-name"),
            ["kebab-case-name", "kebab", "case", "name"]
        );
        assert_eq!(
            split_code("sha256sum"),
            ["sha256sum", "sha", "256", "sha256", "sum"]
        );
        assert_eq!(
            split_code("read_i32_le"),
            ["read_i32_le", "read", "i", "32", "i32", "le"]
        );
        assert_eq!(split_code("u8"), ["u8", "u", "8"]);
        assert_eq!(split_code("__init__"), ["__init__".trim_matches('_')]);
        assert_eq!(split_code("x - y"), ["x", "y"]);
        assert_eq!(split_code("Ünïcode wörds"), ["ünïcode", "wörds"]);
        assert!(split_code(&"a".repeat(100)).is_empty());
    }

    #[test]
    fn abbreviations_are_indexed_with_their_words() {
        use tantivy::tokenizer::{TokenStream, Tokenizer};
        let mut tok = super::CodeTokenizer::default();
        let mut stream = tok.token_stream("fn try_recv(buf)");
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push((stream.token().text.clone(), stream.token().position));
        }
        let expected = [
            ("fn", 0),
            ("function", 0),
            ("try_recv", 1),
            ("try", 2),
            ("recv", 3),
            ("receive", 3),
            ("buf", 4),
            ("buffer", 4),
        ];
        let expected: Vec<(String, usize)> =
            expected.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        assert_eq!(terms, expected);
    }
}
