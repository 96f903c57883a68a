//! Fast tokenization for static (model2vec) models, with exactly the ids of
//! `Tokenizer::encode(text, false)`.
//!
//! A static model is a table lookup, so tokenization is nearly all of its
//! cost, and `tokenizers` spends most of that on offset bookkeeping and on
//! re-running the subword model for words it has seen before. Here the
//! text is normalized once (ASCII lines through a per-byte table built from
//! the tokenizer's own normalizer), split on whitespace, and each word's ids
//! come from a shared memo ([`crate::static_cache`]); only new words go
//! through the tokenizer's own pre-tokenizer and model. That is exact when
//! the pre-tokenizer starts by splitting on whitespace and treats each piece
//! on its own ([`crate::static_plan`]); any other tokenizer, and any text
//! containing an added token, goes through the plain pipeline. Unigram
//! models loaded with [`StaticTokenizer::from_file`] use the compact
//! [`crate::static_unigram`] model instead of `tokenizers`' (a second to
//! build and ~330 MB for a typical model2vec vocabulary).

use std::path::Path;

use amanmcp_chunker::TokenCounter;
use serde::Deserialize;
use tokenizers::{
    Model, NormalizedString, Normalizer, OffsetReferential, OffsetType, PreTokenizedString,
    PreTokenizer, Tokenizer,
};

use crate::static_cache::{Session, WordCache, DEFAULT_CAPACITY};
use crate::static_plan::{fast_plan, AsciiTable, FastPlan, NormPlan};
use crate::static_unigram::{Pieces, Unigram};
use crate::EmbedError;

/// A tokenizer plus the plan and memo that make it fast; see the module docs.
pub struct StaticTokenizer {
    /// Normalizer, pre-tokenizer and added tokens (padding and truncation
    /// off). With `own` set its model is a stub holding only the added
    /// tokens' ids, and `own` does the subword step.
    tokenizer: Tokenizer,
    own: Option<Unigram>,
    plan: Option<FastPlan>,
    cache: WordCache,
}

impl std::fmt::Debug for StaticTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticTokenizer")
            .field("fast", &self.plan.is_some())
            .field("own_unigram", &self.own.is_some())
            .finish_non_exhaustive()
    }
}

/// Tokenizer failures, reported like the other backends do.
fn tok_err(e: tokenizers::Error) -> EmbedError {
    EmbedError::Inference(format!("tokenizer: {e}"))
}

/// The fields of a Unigram `model` section of tokenizer.json.
#[derive(Deserialize)]
struct UnigramJson {
    #[serde(rename = "type")]
    kind: String,
    vocab: Pieces,
    #[serde(default)]
    unk_id: Option<usize>,
    #[serde(default)]
    byte_fallback: bool,
}

/// tokenizer.json with a Unigram model parsed straight into its vocabulary
/// (no `Value` tree for 10 MB of pieces) and every other section kept as
/// JSON for `tokenizers`.
struct UnigramFile {
    model: UnigramJson,
    rest: serde_json::Map<String, serde_json::Value>,
}

impl<'de> Deserialize<'de> for UnigramFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visits the top-level object.
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = UnigramFile;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a tokenizer.json object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut model = None;
                let mut rest = serde_json::Map::new();
                while let Some(key) = m.next_key::<String>()? {
                    if key == "model" {
                        model = Some(m.next_value::<UnigramJson>()?);
                    } else {
                        rest.insert(key, m.next_value()?);
                    }
                }
                let model = model.ok_or_else(|| serde::de::Error::missing_field("model"))?;
                Ok(UnigramFile { model, rest })
            }
        }
        d.deserialize_map(Visit)
    }
}

/// One entry of tokenizer.json's `added_tokens` (the fields ids depend on).
#[derive(Deserialize)]
struct AddedJson {
    content: String,
}

impl StaticTokenizer {
    /// Loads tokenizer.json. A Unigram model gets the compact
    /// implementation (tens of milliseconds instead of about a second);
    /// anything else, or a file this loader does not understand, goes
    /// through `Tokenizer::from_bytes`.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        if let Some(t) = Self::unigram_from_json(&bytes) {
            return Ok(t);
        }
        Tokenizer::from_bytes(&bytes)
            .map(Self::new)
            .map_err(|e| e.to_string())
    }

    /// The compact-Unigram load: the `model` section becomes [`Unigram`],
    /// and the rest is built by `tokenizers` around a WordLevel stub that
    /// gives each added token the id `tokenizers` would give it (its id in
    /// the vocabulary, or the next free one after it, in file order).
    fn unigram_from_json(bytes: &[u8]) -> Option<Self> {
        let UnigramFile { model: m, mut rest } = serde_json::from_slice(bytes).ok()?;
        if m.kind != "Unigram" || (m.unk_id.is_some() && m.vocab.is_empty()) {
            return None;
        }
        let n = m.vocab.len();
        let own = Unigram::new(m.vocab, m.unk_id, m.byte_fallback)?;
        let added: Vec<AddedJson> = match rest.get("added_tokens") {
            Some(a) => Vec::<AddedJson>::deserialize(a).ok()?,
            None => Vec::new(),
        };
        let mut ids = serde_json::Map::new();
        let mut next = u32::try_from(n).ok()?;
        for t in added.into_iter().filter(|t| !t.content.is_empty()) {
            if ids.contains_key(&t.content) {
                continue;
            }
            let id = own.token_to_id(&t.content).unwrap_or_else(|| {
                next += 1;
                next - 1
            });
            ids.insert(t.content, id.into());
        }
        let unk = ids.keys().next().cloned().unwrap_or_else(|| "<unk>".into());
        rest.insert(
            "model".into(),
            serde_json::json!({"type": "WordLevel", "vocab": ids, "unk_token": unk}),
        );
        let tokenizer: Tokenizer = serde_json::from_value(rest.into()).ok()?;
        let mut t = Self::new(tokenizer);
        t.own = Some(own);
        Some(t)
    }

    /// Wraps `tokenizer` (padding and truncation are switched off; callers
    /// pass the limit per call) and works out whether the fast path is exact
    /// for it.
    pub fn new(mut tokenizer: Tokenizer) -> Self {
        tokenizer.with_padding(None);
        // Clearing truncation cannot fail (only a stride check can).
        let _ = tokenizer.with_truncation(None);
        let plan = fast_plan(&tokenizer);
        Self {
            tokenizer,
            own: None,
            plan,
            cache: WordCache::new(DEFAULT_CAPACITY),
        }
    }

    /// Whether texts go through the memoized path (false: plain pipeline).
    pub fn is_fast(&self) -> bool {
        self.plan.is_some()
    }

    /// Whether the compact Unigram model does the subword step.
    pub fn is_own_unigram(&self) -> bool {
        self.own.is_some()
    }

    /// Words currently memoized.
    pub fn cached_words(&self) -> usize {
        self.cache.len()
    }

    /// The id of a token (added tokens first), as `Tokenizer::token_to_id`.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.tokenizer
            .token_to_id(token)
            .or_else(|| self.own.as_ref().and_then(|u| u.token_to_id(token)))
    }

    /// Ids of `text` without special tokens, cut to `max` when given:
    /// exactly `Tokenizer::encode(text, false)` with right truncation.
    pub fn ids(&self, text: &str, max: Option<usize>) -> Result<Vec<u32>, EmbedError> {
        let mut out = self.ids_batch(&[text], max);
        out.pop()
            .unwrap_or_else(|| Err(EmbedError::Inference("tokenizer: no output".into())))
    }

    /// [`Self::ids`] for many texts, sharing one cache session.
    pub fn ids_batch(
        &self,
        texts: &[&str],
        max: Option<usize>,
    ) -> Vec<Result<Vec<u32>, EmbedError>> {
        let Some(plan) = &self.plan else {
            return texts.iter().map(|t| self.plain(t, max)).collect();
        };
        let mut session = self.cache.session();
        let mut buf = String::new();
        let out = texts
            .iter()
            .map(|t| self.fast(plan, t, max, &mut session, &mut buf))
            .collect();
        session.commit();
        out
    }

    /// The full pipeline, for texts or tokenizers the fast path cannot
    /// mirror: `encode` itself, or with the compact model the same steps
    /// `encode` takes (added tokens split off, normalize, pre-tokenize,
    /// model per pre-token).
    fn plain(&self, text: &str, max: Option<usize>) -> Result<Vec<u32>, EmbedError> {
        let mut ids = match &self.own {
            None => self
                .tokenizer
                .encode_fast(text, false)
                .map_err(tok_err)?
                .get_ids()
                .to_vec(),
            Some(own) => self.plain_own(own, text).map_err(tok_err)?,
        };
        ids.truncate(max.unwrap_or(usize::MAX));
        Ok(ids)
    }

    /// `encode`'s steps with the compact model; see [`Self::plain`].
    fn plain_own(&self, own: &Unigram, text: &str) -> tokenizers::Result<Vec<u32>> {
        let mut pts = self
            .tokenizer
            .get_added_vocabulary()
            .extract_and_normalize(self.tokenizer.get_normalizer(), text);
        if let Some(pt) = self.tokenizer.get_pre_tokenizer() {
            pt.pre_tokenize(&mut pts)?;
        }
        let mut ids = Vec::new();
        for (piece, _, tokens) in pts.get_splits(OffsetReferential::Original, OffsetType::None) {
            match tokens {
                Some(ts) => ids.extend(ts.iter().map(|t| t.id)),
                None => own.tokenize(piece, &mut ids)?,
            }
        }
        Ok(ids)
    }

    /// Normalize once, split on whitespace, memoized ids per word.
    fn fast(
        &self,
        plan: &FastPlan,
        text: &str,
        max: Option<usize>,
        session: &mut Session<'_>,
        buf: &mut String,
    ) -> Result<Vec<u32>, EmbedError> {
        if plan.raw_patterns.found_in(text) {
            return self.plain(text, max);
        }
        buf.clear();
        let normalized: &str = match &plan.norm {
            NormPlan::Identity => text,
            NormPlan::Ascii(table) => {
                self.normalize_lines(table, text, buf).map_err(tok_err)?;
                buf
            }
            NormPlan::Whole => {
                self.normalize_generic(text, buf).map_err(tok_err)?;
                buf
            }
        };
        if plan.norm_patterns.found_in(normalized) {
            return self.plain(text, max);
        }
        let limit = max.unwrap_or(usize::MAX);
        let mut ids = Vec::with_capacity(normalized.len() / 3);
        for word in normalized.split_whitespace() {
            if ids.len() >= limit {
                break;
            }
            session
                .extend_ids(word, &mut ids, |w, out| self.word_ids(w, out))
                .map_err(tok_err)?;
        }
        ids.truncate(limit);
        Ok(ids)
    }

    /// Normalizes line by line: a line break ends a grapheme, so for a
    /// grapheme-local normalizer the lines normalize independently.
    fn normalize_lines(
        &self,
        table: &AsciiTable,
        text: &str,
        out: &mut String,
    ) -> tokenizers::Result<()> {
        for line in text.split_inclusive('\n') {
            if line.is_ascii() {
                table.push(line, out);
            } else {
                self.normalize_generic(line, out)?;
            }
        }
        Ok(())
    }

    /// The tokenizer's normalizer on `text`, appended to `out`.
    fn normalize_generic(&self, text: &str, out: &mut String) -> tokenizers::Result<()> {
        match self.tokenizer.get_normalizer() {
            Some(n) => {
                let mut ns = NormalizedString::from(text);
                n.normalize(&mut ns)?;
                out.push_str(ns.get());
            }
            None => out.push_str(text),
        }
        Ok(())
    }

    /// Ids of one normalized whitespace-free word: the tokenizer's own
    /// pre-tokenizer and model, as `encode` would run them on this word.
    fn word_ids(&self, word: &str, out: &mut Vec<u32>) -> tokenizers::Result<()> {
        let mut pts = PreTokenizedString::from(word);
        if let Some(pt) = self.tokenizer.get_pre_tokenizer() {
            pt.pre_tokenize(&mut pts)?;
        }
        let model = self.tokenizer.get_model();
        for (piece, _, _) in pts.get_splits(OffsetReferential::Original, OffsetType::None) {
            match &self.own {
                Some(own) => own.tokenize(piece, out)?,
                None => out.extend(model.tokenize(piece)?.into_iter().map(|t| t.id)),
            }
        }
        Ok(())
    }
}

impl TokenCounter for StaticTokenizer {
    /// Token count without special tokens, as [`crate::TokenizerCounter`]
    /// gives, falling back to a byte estimate if tokenization fails.
    fn count(&self, text: &str) -> usize {
        match self.ids(text, None) {
            Ok(ids) => ids.len(),
            Err(_) => text.len().div_ceil(3),
        }
    }
}
