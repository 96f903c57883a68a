//! When and how the static tokenizer's fast path is exact: which
//! normalizers and pre-tokenizers it can mirror, the per-byte ASCII table,
//! and the added-token substrings that send a text to plain `encode`.

use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::metaspace::PrependScheme;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::{NormalizedString, Normalizer, Tokenizer};

/// What the fast path needs besides the tokenizer itself.
pub(crate) struct FastPlan {
    pub(crate) norm: NormPlan,
    /// Added tokens matched on the raw text; any occurrence → plain encode.
    pub(crate) raw_patterns: Patterns,
    /// Added tokens matched on the normalized text (content and its
    /// normalized form); any occurrence → plain encode.
    pub(crate) norm_patterns: Patterns,
}

/// How the whole text gets normalized.
pub(crate) enum NormPlan {
    /// No normalizer.
    Identity,
    /// A normalizer that maps each ASCII grapheme on its own (CR LF is the
    /// only multi-byte one): ASCII lines go through the table, other lines
    /// through the normalizer.
    Ascii(Box<AsciiTable>),
    /// Anything else: the normalizer on the whole text.
    Whole,
}

/// The normalizer's output for every ASCII byte and for CR LF.
pub(crate) struct AsciiTable {
    map: Vec<String>,
    identity: [bool; 128],
    crlf: String,
}

/// Substrings that force the plain path, with a first-byte filter so the
/// common case is one pass over the text.
#[derive(Default)]
pub(crate) struct Patterns {
    list: Vec<String>,
    first: Vec<bool>,
}

impl Patterns {
    /// Records `p` (non-empty).
    fn add(&mut self, p: &str) {
        if self.first.is_empty() {
            self.first = vec![false; 256];
        }
        if let Some(&b) = p.as_bytes().first() {
            self.first[usize::from(b)] = true;
            self.list.push(p.to_string());
        }
    }

    /// Whether any pattern occurs in `text`.
    pub(crate) fn found_in(&self, text: &str) -> bool {
        if self.list.is_empty() {
            return false;
        }
        let bytes = text.as_bytes();
        bytes.iter().enumerate().any(|(i, &b)| {
            self.first[usize::from(b)]
                && self
                    .list
                    .iter()
                    .any(|p| bytes[i..].starts_with(p.as_bytes()))
        })
    }
}

impl AsciiTable {
    /// Builds the table by running `n` on each ASCII character and CR LF;
    /// `None` if any output is non-ASCII (later normalizers in a sequence
    /// could then combine across graphemes).
    fn build(n: &NormalizerWrapper) -> Option<Self> {
        let run = |s: &str| -> Option<String> {
            let mut ns = NormalizedString::from(s);
            n.normalize(&mut ns).ok()?;
            let out = ns.get().to_string();
            out.is_ascii().then_some(out)
        };
        let mut map = Vec::with_capacity(128);
        let mut identity = [false; 128];
        for b in 0u8..128 {
            let s = char::from(b).to_string();
            let out = run(&s)?;
            identity[usize::from(b)] = out == s && b != b'\r';
            map.push(out);
        }
        let crlf = run("\r\n")?;
        Some(Self {
            map,
            identity,
            crlf,
        })
    }

    /// Appends the normalization of an ASCII `line`.
    pub(crate) fn push(&self, line: &str, out: &mut String) {
        let b = line.as_bytes();
        let (mut run, mut i) = (0, 0);
        while i < b.len() {
            let c = usize::from(b[i]);
            if self.identity.get(c).copied().unwrap_or(false) {
                i += 1;
                continue;
            }
            out.push_str(&line[run..i]);
            if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                out.push_str(&self.crlf);
                i += 2;
            } else {
                out.push_str(self.map.get(c).map_or("", String::as_str));
                i += 1;
            }
            run = i;
        }
        out.push_str(&line[run..]);
    }
}

/// The fast path's plan, or `None` when it could differ from `encode`.
/// Only the tokenizer's normalizer, pre-tokenizer and added tokens matter:
/// the model runs per pre-token in both paths.
pub(crate) fn fast_plan(tok: &Tokenizer) -> Option<FastPlan> {
    if !tok.get_pre_tokenizer().is_some_and(|p| word_local(p, true)) {
        return None;
    }
    let norm = match tok.get_normalizer() {
        None => NormPlan::Identity,
        Some(n) if ascii_local(n, true) => {
            AsciiTable::build(n).map_or(NormPlan::Whole, |t| NormPlan::Ascii(Box::new(t)))
        }
        Some(_) => NormPlan::Whole,
    };
    let mut raw_patterns = Patterns::default();
    let mut norm_patterns = Patterns::default();
    for t in tok.get_added_tokens_decoder().values() {
        if t.content.is_empty() {
            return None;
        }
        if t.normalized {
            norm_patterns.add(&t.content);
            if let Some(n) = tok.get_normalizer() {
                let mut ns = NormalizedString::from(t.content.as_str());
                n.normalize(&mut ns).ok()?;
                if ns.get().is_empty() {
                    return None;
                }
                norm_patterns.add(ns.get());
            }
        } else {
            raw_patterns.add(&t.content);
        }
    }
    Some(FastPlan {
        norm,
        raw_patterns,
        norm_patterns,
    })
}

/// Whether the pre-tokenizer's output on a text is the concatenation of its
/// output on each whitespace-separated word: the first stage must drop
/// whitespace and split on it, later stages must look only at the content
/// of each piece (Metaspace's `first` scheme looks at the position).
fn word_local(p: &PreTokenizerWrapper, first: bool) -> bool {
    use PreTokenizerWrapper as P;
    match p {
        P::WhitespaceSplit(_) | P::Whitespace(_) | P::BertPreTokenizer(_) => true,
        P::Sequence(s) => {
            let stages = s.as_ref();
            !stages.is_empty()
                && stages
                    .iter()
                    .enumerate()
                    .all(|(i, st)| word_local(st, first && i == 0))
        }
        _ if first => false,
        P::Metaspace(m) => m.prepend_scheme != PrependScheme::First,
        P::Punctuation(_)
        | P::Digits(_)
        | P::Split(_)
        | P::Delimiter(_)
        | P::UnicodeScripts(_)
        | P::ByteLevel(_)
        | P::FixedLength(_) => true,
    }
}

/// Whether the normalizer maps each ASCII grapheme independently of its
/// neighbours: char-by-char ones, and the SentencePiece charsmap (which
/// works grapheme by grapheme) as the first stage.
fn ascii_local(n: &NormalizerWrapper, first: bool) -> bool {
    use NormalizerWrapper as N;
    match n {
        N::Precompiled(_) => first,
        N::BertNormalizer(_)
        | N::Lowercase(_)
        | N::NFC(_)
        | N::NFD(_)
        | N::NFKC(_)
        | N::NFKD(_)
        | N::StripAccents(_) => true,
        N::Sequence(s) => s
            .as_ref()
            .iter()
            .enumerate()
            .all(|(i, st)| ascii_local(st, first && i == 0)),
        _ => false,
    }
}
