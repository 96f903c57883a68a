//! A compact re-implementation of `tokenizers`' Unigram model, giving the
//! same ids for every input.
//!
//! Why: `tokenizers` builds its Unigram vocabulary trie as one hash map per
//! node. For a 276k-piece model2vec vocabulary that takes about a second and
//! ~330 MB, for a model whose embedding table is 4 MB, and walking it is
//! most of the cost of tokenizing a new word. Here the pieces live in one
//! byte buffer behind an open-addressing table (~10 MB, built in tens of
//! milliseconds), and the Viterbi search is a line-for-line copy of
//! `Unigram::encode_optimized` (same candidate order, same strict `>` tie
//! rule, same unknown-character fusing), checked against `tokenizers` by the
//! `static_tokenize` tests.

/// `tokenizers`' penalty for an unknown character, below the worst piece.
const UNK_PENALTY: f64 = 10.0;

/// Unigram failures, mirroring `tokenizers`' messages.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UnigramError {
    /// Some character has no piece and the model has no unknown id.
    #[error("Encountered an unknown token but `unk_id` is missing")]
    MissingUnkId,
}

/// A Unigram vocabulary as parsed from tokenizer.json: pieces appended to
/// one buffer straight from the JSON text (no string per piece).
#[derive(Default)]
pub(crate) struct Pieces {
    bytes: Vec<u8>,
    /// Start of each piece in `bytes` (the end is appended by the model).
    starts: Vec<u32>,
    scores: Vec<f64>,
}

impl Pieces {
    /// Number of pieces.
    pub(crate) fn len(&self) -> usize {
        self.scores.len()
    }

    /// Whether there are no pieces.
    pub(crate) fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for Pieces {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, SeqAccess, Visitor};
        /// The `[[piece, score], ...]` array.
        struct List;
        /// One `[piece, score]` entry, appended to the buffers.
        struct Entry<'p>(&'p mut Pieces);
        /// The piece string, appended to the buffer.
        struct Piece<'p>(&'p mut Vec<u8>);
        impl<'de> Visitor<'de> for List {
            type Value = Pieces;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of [piece, score]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pieces, A::Error> {
                let mut p = Pieces::default();
                while seq.next_element_seed(Entry(&mut p))?.is_some() {}
                if u32::try_from(p.bytes.len()).is_err()
                    || p.scores.len() >= (u32::MAX / 2) as usize
                {
                    return Err(A::Error::custom("vocabulary too large"));
                }
                Ok(p)
            }
        }
        impl<'de> serde::de::DeserializeSeed<'de> for Entry<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_seq(self)
            }
        }
        impl<'de> Visitor<'de> for Entry<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[piece, score]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                let start = u32::try_from(self.0.bytes.len()).map_err(A::Error::custom)?;
                seq.next_element_seed(Piece(&mut self.0.bytes))?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let score: f64 = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(3, &self));
                }
                self.0.starts.push(start);
                self.0.scores.push(score);
                Ok(())
            }
        }
        impl<'de> serde::de::DeserializeSeed<'de> for Piece<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_str(self)
            }
        }
        impl<'de> Visitor<'de> for Piece<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a piece string")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
                self.0.extend_from_slice(v.as_bytes());
                Ok(())
            }
        }
        d.deserialize_seq(List)
    }
}

/// The model; see the module docs.
pub(crate) struct Unigram {
    /// All pieces, concatenated.
    bytes: Vec<u8>,
    /// Piece `i` is `bytes[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    scores: Vec<f64>,
    /// Open addressing: `(id + 1, hash tag)`, 0 = empty.
    slots: Vec<(u32, u32)>,
    shift: u32,
    /// One bit per hash of every proper prefix of a piece: a clear bit
    /// means no longer piece starts here, so the search stops (what the
    /// trie walk in `tokenizers` gets from a missing child).
    prefixes: Bits,
    /// One bit per hash of every piece, checked before the table.
    pieces: Bits,
    max_len: usize,
    unk_id: Option<u32>,
    unk_score: f64,
    byte_fallback: bool,
}

/// Per-byte hash step (multiply-rotate, as in rustc's FxHasher), so the
/// hashes of all prefixes of a string come out of one pass.
#[inline]
fn step(h: u64, b: u8) -> u64 {
    (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// Hash of a whole piece, equal to the incremental one.
fn hash(s: &[u8]) -> u64 {
    s.iter().fold(0, |h, &b| step(h, b))
}

/// A one-hash Bloom filter over piece hashes: no false negatives, so it can
/// only skip work, never change a result.
struct Bits {
    words: Vec<u64>,
    shift: u32,
}

impl Bits {
    /// Room for `n` entries with at most one bit in four set.
    fn with_capacity(n: usize) -> Self {
        let bits = (n.max(64) * 4).next_power_of_two().trailing_zeros();
        Self {
            words: vec![0; 1 << (bits - 6)],
            shift: 64 - bits,
        }
    }

    /// Bit index of a hash (a different mix from the table's).
    #[inline]
    fn index(&self, h: u64) -> usize {
        (h.wrapping_mul(0xd6e8_feb8_6659_fd93) >> self.shift) as usize
    }

    /// Records a hash.
    fn set(&mut self, h: u64) {
        let i = self.index(h);
        if let Some(w) = self.words.get_mut(i >> 6) {
            *w |= 1 << (i & 63);
        }
    }

    /// Whether a hash may have been recorded (never a false "no").
    #[inline]
    fn get(&self, h: u64) -> bool {
        let i = self.index(h);
        self.words
            .get(i >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }
}

impl Unigram {
    /// Builds the model from the `vocab` (parsed into [`Pieces`]), `unk_id`
    /// and `byte_fallback` of a tokenizer.json; `None` where `tokenizers`
    /// would refuse the model (empty vocabulary with an unknown id, or the
    /// id out of range).
    pub(crate) fn new(vocab: Pieces, unk_id: Option<usize>, byte_fallback: bool) -> Option<Self> {
        let Pieces {
            bytes,
            mut starts,
            scores,
        } = vocab;
        let n = scores.len();
        if unk_id.is_some_and(|u| u >= n) {
            return None;
        }
        starts.push(u32::try_from(bytes.len()).ok()?);
        let min_score = scores
            .iter()
            .fold(f64::INFINITY, |m, &s| if s < m { s } else { m });
        let bits = (n + n / 2).max(16).next_power_of_two().trailing_zeros();
        let mut model = Self {
            prefixes: Bits::with_capacity(bytes.len()),
            pieces: Bits::with_capacity(n),
            max_len: starts
                .windows(2)
                .map(|w| (w[1] - w[0]) as usize)
                .max()
                .unwrap_or(0),
            bytes,
            starts,
            scores,
            slots: vec![(0, 0); 1 << bits],
            shift: 64 - bits,
            unk_id: unk_id.and_then(|u| u32::try_from(u).ok()),
            unk_score: min_score - UNK_PENALTY,
            byte_fallback,
        };
        for id in 0..n as u32 {
            let (a, b) = (model.starts[id as usize], model.starts[id as usize + 1]);
            let mut h = 0;
            for i in a..b {
                h = step(h, model.bytes[i as usize]);
                if i + 1 < b {
                    model.prefixes.set(h);
                }
            }
            model.pieces.set(h);
            model.insert(h, a as usize..b as usize, id);
        }
        Some(model)
    }

    /// Bytes of piece `id`.
    #[inline]
    fn piece(&self, id: u32) -> &[u8] {
        let i = id as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.bytes.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Slot index and tag of a hash.
    #[inline]
    fn place(&self, h: u64) -> (usize, u32) {
        let mixed = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        ((mixed >> self.shift) as usize, (mixed >> 32) as u32 | 1)
    }

    /// Maps piece `id` (hash `h`, bytes at `range`) to `id`; a later
    /// duplicate wins, as in `tokenizers`' map.
    fn insert(&mut self, h: u64, range: std::ops::Range<usize>, id: u32) {
        let (mut i, tag) = self.place(h);
        let mask = self.slots.len() - 1;
        loop {
            let (slot, t) = self.slots[i];
            if slot == 0 {
                self.slots[i] = (id + 1, tag);
                return;
            }
            if t == tag && self.piece(slot - 1) == &self.bytes[range.clone()] {
                self.slots[i].0 = id + 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `s` given its hash.
    #[inline]
    fn find(&self, h: u64, s: &[u8]) -> Option<u32> {
        let (mut i, tag) = self.place(h);
        let mask = self.slots.len() - 1;
        loop {
            let (slot, t) = *self.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            if t == tag && self.piece(slot - 1) == s {
                return Some(slot - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of a piece.
    pub(crate) fn token_to_id(&self, s: &str) -> Option<u32> {
        self.find(hash(s.as_bytes()), s.as_bytes())
    }

    /// Appends the ids of `sentence` (one pre-token): `Unigram::tokenize`.
    pub(crate) fn tokenize(&self, sentence: &str, out: &mut Vec<u32>) -> Result<(), UnigramError> {
        let mut pieces = Vec::new();
        self.encode(sentence, &mut pieces)?;
        for (a, b) in pieces {
            let s = &sentence[a..b];
            if let Some(id) = self.token_to_id(s) {
                out.push(id);
                continue;
            }
            if self.byte_fallback {
                let ids: Option<Vec<u32>> = s
                    .bytes()
                    .map(|b| self.token_to_id(&format!("<0x{b:02X}>")))
                    .collect();
                if let Some(ids) = ids {
                    out.extend(ids);
                    continue;
                }
            }
            out.push(self.unk_id.ok_or(UnigramError::MissingUnkId)?);
        }
        Ok(())
    }

    /// Best segmentation as byte ranges, unknown runs fused:
    /// `Unigram::encode_optimized`.
    fn encode(&self, sentence: &str, out: &mut Vec<(usize, usize)>) -> Result<(), UnigramError> {
        /// Best path ending at a position.
        #[derive(Clone, Copy)]
        struct Node {
            id: u32,
            score: f64,
            starts_at: Option<usize>,
        }
        let s = sentence.as_bytes();
        let size = s.len();
        if size == 0 {
            return Ok(());
        }
        let empty = Node {
            id: 0,
            score: 0.0,
            starts_at: None,
        };
        let mut best = vec![empty; size + 1];
        for (pos, ch) in sentence.char_indices() {
            let here = best[pos].score;
            let mblen = ch.len_utf8();
            let mut has_single = false;
            let mut h = 0u64;
            for len in 1..=self.max_len.min(size - pos) {
                h = step(h, s[pos + len - 1]);
                let id = if self.pieces.get(h) && sentence.is_char_boundary(pos + len) {
                    self.find(h, &s[pos..pos + len])
                } else {
                    None
                };
                if let Some(id) = id {
                    let candidate = self.scores[id as usize] + here;
                    let target = &mut best[pos + len];
                    if target.starts_at.is_none() || candidate > target.score {
                        *target = Node {
                            id,
                            score: candidate,
                            starts_at: Some(pos),
                        };
                    }
                    has_single |= len == mblen;
                }
                if !self.prefixes.get(h) {
                    break;
                }
            }
            if !has_single {
                let candidate = self.unk_score + here;
                let target = &mut best[pos + mblen];
                if target.starts_at.is_none() || candidate > target.score {
                    *target = Node {
                        id: self.unk_id.ok_or(UnigramError::MissingUnkId)?,
                        score: candidate,
                        starts_at: Some(pos),
                    };
                }
            }
        }
        let first = out.len();
        let mut ends_at = size;
        let mut fused: Option<(usize, usize)> = None;
        while ends_at > 0 {
            let node = best[ends_at];
            let starts_at = node.starts_at.ok_or(UnigramError::MissingUnkId)?;
            if Some(node.id) == self.unk_id {
                fused = Some((starts_at, fused.map_or(ends_at, |f| f.1)));
            } else {
                if let Some(f) = fused.take() {
                    out.push(f);
                }
                out.push((starts_at, ends_at));
            }
            ends_at = starts_at;
        }
        if let Some(f) = fused {
            out.push(f);
        }
        out[first..].reverse();
        Ok(())
    }
}
