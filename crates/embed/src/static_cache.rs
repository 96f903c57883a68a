//! Bounded, shared memo of word → token ids for the static tokenizer.
//!
//! Code repeats identifiers and keywords massively, so after a few hundred
//! texts almost every word is a hit and the subword model (Unigram Viterbi,
//! WordPiece, BPE) runs only on new words. Two generations bound the memory:
//! when the young map is full it becomes the old one and the previous old
//! one is dropped; a hit in the old map is copied back into the young one,
//! so words in use survive (an LRU approximation at O(1) per lookup).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

/// Words per generation: ~5 MB each at typical word and id lengths, enough
/// for the vocabulary of a large repository.
pub(crate) const DEFAULT_CAPACITY: usize = 1 << 16;

/// The rustc hasher: keys are short words from local files, so speed
/// matters and hash flooding does not (a slow bucket only costs time).
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

/// FxHasher's multiplier.
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    /// Mixes one 64-bit word into the state.
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Word → ids map with the fast hasher.
type Map = HashMap<Box<str>, Box<[u32]>, BuildHasherDefault<FxHasher>>;

/// The two generations behind one lock.
#[derive(Default)]
struct Generations {
    young: Map,
    old: Map,
}

/// Shared word memo; see the module docs.
pub(crate) struct WordCache {
    gens: RwLock<Generations>,
    capacity: usize,
}

impl WordCache {
    /// An empty cache holding at most `capacity` words per generation.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            gens: RwLock::new(Generations::default()),
            capacity: capacity.max(1),
        }
    }

    /// Opens a read session: lookups share the lock with other threads, new
    /// words collect locally and are published once by [`Session::commit`].
    /// One session per batch of texts keeps locking off the per-word path.
    pub(crate) fn session(&self) -> Session<'_> {
        Session {
            gens: self.gens.read().unwrap_or_else(PoisonError::into_inner),
            pending: Map::default(),
            cache: self,
        }
    }

    /// Words currently held (both generations), for tests and diagnostics.
    pub(crate) fn len(&self) -> usize {
        let g = self.gens.read().unwrap_or_else(PoisonError::into_inner);
        g.young.len() + g.old.len()
    }

    /// Inserts words, rotating generations when the young one is full.
    fn publish(&self, pending: Map) {
        let mut g = self.gens.write().unwrap_or_else(PoisonError::into_inner);
        for (k, v) in pending {
            if g.young.len() >= self.capacity && !g.young.contains_key(&k) {
                let young = std::mem::take(&mut g.young);
                g.old = young;
            }
            g.young.insert(k, v);
        }
    }
}

/// A read session over the cache; see [`WordCache::session`].
pub(crate) struct Session<'a> {
    gens: RwLockReadGuard<'a, Generations>,
    pending: Map,
    cache: &'a WordCache,
}

impl Session<'_> {
    /// Appends the ids of `word` to `out`, computing them with `compute` on
    /// a miss (the model runs only for words this cache has not seen).
    pub(crate) fn extend_ids<E>(
        &mut self,
        word: &str,
        out: &mut Vec<u32>,
        compute: impl FnOnce(&str, &mut Vec<u32>) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(ids) = self.gens.young.get(word) {
            out.extend_from_slice(ids);
        } else if let Some(ids) = self.pending.get(word) {
            out.extend_from_slice(ids);
        } else if let Some(ids) = self.gens.old.get(word) {
            out.extend_from_slice(ids);
            self.pending.insert(word.into(), ids.clone());
        } else {
            let start = out.len();
            compute(word, out)?;
            self.pending.insert(word.into(), out[start..].into());
        }
        Ok(())
    }

    /// Publishes the words this session computed or revived.
    pub(crate) fn commit(self) {
        let Session {
            gens,
            pending,
            cache,
        } = self;
        drop(gens);
        if !pending.is_empty() {
            cache.publish(pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids of `w` (its bytes), counting model calls.
    fn ids(s: &mut Session<'_>, w: &str, calls: &mut usize) -> Vec<u32> {
        let mut out = Vec::new();
        s.extend_ids(w, &mut out, |w, o| {
            *calls += 1;
            o.extend(w.bytes().map(u32::from));
            Ok::<(), ()>(())
        })
        .unwrap();
        out
    }

    #[test]
    fn memoizes_and_bounds() {
        let c = WordCache::new(2);
        let mut calls = 0;
        let mut s = c.session();
        assert_eq!(ids(&mut s, "ab", &mut calls), vec![97, 98]);
        assert_eq!(ids(&mut s, "ab", &mut calls), vec![97, 98]);
        assert_eq!(calls, 1);
        s.commit();
        let mut s = c.session();
        for w in ["ab", "c", "d", "e"] {
            ids(&mut s, w, &mut calls);
        }
        s.commit();
        assert_eq!(calls, 4);
        assert!(c.len() <= 4);
        // "e" is young, "d" old or young: both hits.
        let mut s = c.session();
        ids(&mut s, "e", &mut calls);
        ids(&mut s, "d", &mut calls);
        assert_eq!(calls, 4);
        s.commit();
    }
}
