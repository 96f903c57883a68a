//! Second-stage reranking of fused candidates by a small log-linear model.
//!
//! Reciprocal-rank fusion only sees ranks. With rank alone, a chunk that
//! contains most of the query's words is hard to tell from one that sits
//! high in one list on a single rare word. The reranker multiplies each
//! boosted candidate score by `exp(w · features)`. Its features are:
//! - the exact cosine between the query and the chunk vector;
//! - the BM25 score relative to the query's best BM25 score;
//! - the IDF-weighted share of the query's terms the chunk contains;
//! - the share of the chunk's name parts the query mentions: of two methods
//!   the query fits equally well, `recv` beats `try_recv` for "Receives a
//!   datagram", since nothing asked for "try";
//! - a prior by kind (callables, impls, type definitions).
//!
//! The weights are fitted by `scripts/rerank/train.py`, with pairwise
//! logistic regression, on generated queries over a training corpus that
//! shares no code with the shared bench. The bench is used to evaluate
//! only: see `docs/benchmarks.md` ("Reranking").

use amanmcp_chunker::ChunkKind;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Broad kind of a chunk, the reranker's kind feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindClass {
    /// Functions and methods: where behaviour described in words lives.
    Callable,
    /// `impl` blocks (often trait plumbing around the real code).
    Impl,
    /// Classes, structs, enums, traits, interfaces and type aliases.
    TypeDef,
    /// Everything else: blocks, modules, constants, docs, windows.
    Other,
    /// A definition the query names (`TokenStream` in "how is TokenStream
    /// implemented"): what the user asked for, whatever its kind, so it
    /// gets the best of the kind priors.
    Named,
}

impl KindClass {
    /// The class of `kind`.
    pub fn of(kind: ChunkKind) -> KindClass {
        match kind {
            ChunkKind::Function | ChunkKind::Method => KindClass::Callable,
            ChunkKind::Impl => KindClass::Impl,
            ChunkKind::Class
            | ChunkKind::Struct
            | ChunkKind::Enum
            | ChunkKind::Trait
            | ChunkKind::Interface
            | ChunkKind::Type => KindClass::TypeDef,
            ChunkKind::Module
            | ChunkKind::Constant
            | ChunkKind::Block
            | ChunkKind::Section
            | ChunkKind::Window => KindClass::Other,
        }
    }
}

/// What the reranker saw of one candidate; shown by `search --debug` so a
/// ranking can be explained and the weights refitted from real runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RerankFeatures {
    /// Query · chunk vector (0 without vectors).
    pub cosine: f32,
    /// BM25 score over the best BM25 score of the query (0 when absent).
    pub bm25: f32,
    /// IDF-weighted share of the query's terms found in the chunk, 0–1.
    pub coverage: f32,
    /// Share of the chunk's name parts (`try`, `recv`) found among the
    /// query's words, 0–1 (0 for a chunk without a name).
    #[serde(default)]
    pub name: f32,
    pub kind: KindClass,
    /// `exp(w · features)`, the factor applied to the boosted score.
    pub multiplier: f32,
}

/// Log-linear weights of one embedding family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Weights {
    pub cosine: f32,
    pub bm25: f32,
    pub coverage: f32,
    pub name: f32,
    pub callable: f32,
    pub impl_: f32,
    pub type_def: f32,
}

/// Weights for transformer embedders (MiniLM, bge, e5, remote servers),
/// fitted with all-MiniLM-L6-v2 and its query adapter on the 4,558 queries
/// of corpus "b" of scripts/adapter/, none of which the adapter was fitted
/// on: on the shared bench, hybrid chunk MRR@10 went from 0.600 to 0.611
/// (projected on its top-30 lists) with the name match.
pub(crate) const TRANSFORMER: Weights = Weights {
    cosine: 1.082,
    bm25: -0.292,
    coverage: 1.892,
    name: 0.387,
    callable: 0.446,
    impl_: 0.124,
    type_def: 0.135,
};

/// Weights for static (model2vec) embedders, whose cosines run on another
/// scale and whose fusion leans on BM25; fitted with the static test model
/// on the first 2,000 of the same queries: on the shared bench, hybrid
/// went from 0.519 to 0.531 (projected) with the name match.
pub(crate) const STATIC: Weights = Weights {
    cosine: 1.746,
    bm25: 0.817,
    coverage: 3.996,
    name: 1.110,
    callable: 1.202,
    impl_: 0.339,
    type_def: -0.126,
};

/// The weights for the index's embedding backend.
pub(crate) fn weights_for(backend: Option<&str>) -> Weights {
    match backend {
        Some("static") => STATIC,
        _ => TRANSFORMER,
    }
}

impl Weights {
    /// `exp(w · features)` for one candidate.
    pub fn multiplier(
        &self,
        cosine: f32,
        bm25: f32,
        coverage: f32,
        name: f32,
        kind: KindClass,
    ) -> f32 {
        let prior = match kind {
            KindClass::Callable => self.callable,
            KindClass::Impl => self.impl_,
            KindClass::TypeDef => self.type_def,
            KindClass::Other => 0.0,
            KindClass::Named => self.best_prior(),
        };
        (self.cosine * cosine.clamp(-1.0, 1.0)
            + self.bm25 * bm25.clamp(0.0, 1.0)
            + self.coverage * coverage.clamp(0.0, 1.0)
            + self.name * name.clamp(0.0, 1.0)
            + prior)
            .exp()
    }

    /// The largest multiplier any candidate can get: lets the caller stop
    /// scoring candidates once none further down could reach the top.
    pub fn max_multiplier(&self) -> f32 {
        (self.cosine.abs()
            + self.bm25.max(0.0)
            + self.coverage.max(0.0)
            + self.name.max(0.0)
            + self.best_prior())
        .exp()
    }

    /// The largest kind prior (0 for the `Other` baseline).
    fn best_prior(&self) -> f32 {
        [self.callable, self.impl_, self.type_def]
            .into_iter()
            .fold(0.0f32, f32::max)
    }
}

/// The query's analyzed terms with their IDF, for [`QueryTerms::coverage`],
/// and all its words, for [`QueryTerms::name_match`].
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryTerms {
    terms: Vec<(String, f32)>,
    total: f32,
    /// Every analyzed term of the query, stop words included: a name part
    /// such as `from` or `into` is matched by them.
    words: HashSet<String>,
}

impl QueryTerms {
    /// Terms with their inverse document frequencies (BM25's IDF), and the
    /// analyzed terms of every word of the query.
    pub fn new(terms: Vec<(String, f32)>, words: HashSet<String>) -> QueryTerms {
        let total = terms.iter().map(|(_, idf)| idf).sum();
        QueryTerms {
            terms,
            total,
            words,
        }
    }

    /// Share of a name's parts that the query mentions, 0–1; each part is
    /// given as its analyzed forms (`recv` → `recv`, `receiv`). 0 for no parts.
    pub fn name_match(&self, parts: &[HashSet<String>]) -> f32 {
        if parts.is_empty() {
            return 0.0;
        }
        let found = parts
            .iter()
            .filter(|forms| forms.iter().any(|f| self.words.contains(f)))
            .count();
        found as f32 / parts.len() as f32
    }

    /// IDF-weighted share of the terms present in `chunk_terms`, 0–1.
    pub fn coverage(&self, chunk_terms: &HashSet<String>) -> f32 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let found: f32 = self
            .terms
            .iter()
            .filter(|(t, _)| chunk_terms.contains(t))
            .map(|(_, idf)| idf)
            .sum();
        found / self.total
    }
}

/// One query's reranking state: its weights, terms and best BM25 score.
pub(crate) struct Reranker {
    pub weights: Weights,
    pub terms: QueryTerms,
    /// The best BM25 score of the query (the first of the BM25 list).
    pub best_bm25: Option<f32>,
    /// Multiply scores (true) or only report the features (false).
    pub apply: bool,
}

impl Reranker {
    /// The features of one candidate, with the multiplier they earn.
    /// `chunk_terms` are the analyzed terms of its text, name and path;
    /// `name_parts` the analyzed forms of each part of its name.
    pub fn features(
        &self,
        cosine: Option<f32>,
        bm25_score: Option<f32>,
        chunk_terms: &HashSet<String>,
        name_parts: &[HashSet<String>],
        kind: Option<ChunkKind>,
        named: bool,
    ) -> RerankFeatures {
        let cosine = cosine.unwrap_or(0.0);
        let bm25 = self.bm25_ratio(bm25_score);
        let coverage = self.terms.coverage(chunk_terms);
        let name = self.terms.name_match(name_parts);
        let kind = class(kind, named);
        RerankFeatures {
            cosine,
            bm25,
            coverage,
            name,
            kind,
            multiplier: self.weights.multiplier(cosine, bm25, coverage, name, kind),
        }
    }

    /// The largest multiplier a candidate can earn, known before its text is
    /// analyzed (coverage and name match taken at their best): candidates
    /// whose bound cannot reach the results are skipped unread.
    pub fn bound(
        &self,
        cosine: Option<f32>,
        bm25_score: Option<f32>,
        kind: Option<ChunkKind>,
        named: bool,
    ) -> f32 {
        let (cosine, bm25, kind) = (
            cosine.unwrap_or(0.0),
            self.bm25_ratio(bm25_score),
            class(kind, named),
        );
        let w = &self.weights;
        // The multiplier is monotone in each feature: its best is at an end.
        let best = |weight: f32| if weight > 0.0 { 1.0 } else { 0.0 };
        w.multiplier(cosine, bm25, best(w.coverage), best(w.name), kind)
    }

    fn bm25_ratio(&self, bm25_score: Option<f32>) -> f32 {
        match (bm25_score, self.best_bm25) {
            (Some(s), Some(best)) if best > 0.0 => s / best,
            _ => 0.0,
        }
    }

    /// The largest factor [`Reranker::features`] can apply to a score.
    pub fn max_multiplier(&self) -> f32 {
        if self.apply {
            self.weights.max_multiplier()
        } else {
            1.0
        }
    }
}

/// The kind feature of a candidate.
fn class(kind: Option<ChunkKind>, named: bool) -> KindClass {
    match kind {
        _ if named => KindClass::Named,
        Some(kind) => KindClass::of(kind),
        None => KindClass::Other,
    }
}

/// BM25's inverse document frequency of a term found in `df` of `n` documents.
pub(crate) fn idf(df: u64, n: u64) -> f32 {
    let (df, n) = (df as f32, n as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Weights = Weights {
        cosine: 1.0,
        bm25: 0.5,
        coverage: 2.0,
        name: 0.6,
        callable: 0.3,
        impl_: -0.4,
        type_def: 0.1,
    };

    #[test]
    fn multiplier_is_exp_of_the_weighted_features() {
        let m = W.multiplier(0.5, 1.0, 0.25, 0.5, KindClass::Impl);
        assert!((m - (0.5f32 + 0.5 + 0.5 + 0.3 - 0.4).exp()).abs() < 1e-6);
        assert!((W.multiplier(0.0, 0.0, 0.0, 0.0, KindClass::Other) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn no_candidate_exceeds_the_max_multiplier() {
        let max = W.max_multiplier();
        for kind in [
            KindClass::Callable,
            KindClass::Impl,
            KindClass::TypeDef,
            KindClass::Other,
            KindClass::Named,
        ] {
            for cos in [-1.0, -0.3, 0.0, 1.0, 7.0] {
                assert!(W.multiplier(cos, 1.0, 1.0, 1.0, kind) <= max + 1e-5);
            }
        }
    }

    #[test]
    fn the_bound_is_never_below_the_multiplier() {
        for weights in [W, TRANSFORMER, STATIC] {
            let rr = Reranker {
                weights,
                terms: QueryTerms::new(
                    vec![("a".into(), 1.0), ("b".into(), 2.0)],
                    set(&["a", "b"]),
                ),
                best_bm25: Some(10.0),
                apply: true,
            };
            for terms in [vec![], vec!["a"], vec!["a", "b"]] {
                let terms = set(&terms);
                for parts in [vec![], vec![set(&["a"])], vec![set(&["a"]), set(&["c"])]] {
                    for kind in [Some(ChunkKind::Method), Some(ChunkKind::Struct), None] {
                        let x = rr.features(Some(0.4), Some(5.0), &terms, &parts, kind, false);
                        assert!(x.multiplier <= rr.bound(Some(0.4), Some(5.0), kind, false) + 1e-6);
                    }
                }
            }
        }
    }

    #[test]
    fn a_named_definition_gets_the_best_kind_prior() {
        let named = W.multiplier(0.0, 0.0, 0.0, 0.0, KindClass::Named);
        assert!((named - 0.3f32.exp()).abs() < 1e-6);
    }

    #[test]
    fn coverage_weighs_rare_terms_more() {
        let q = QueryTerms::new(vec![("socket".into(), 3.0), ("get".into(), 1.0)], set(&[]));
        assert_eq!(q.coverage(&set(&["socket", "get"])), 1.0);
        assert_eq!(q.coverage(&set(&["socket"])), 0.75);
        assert_eq!(q.coverage(&set(&["get", "other"])), 0.25);
        assert_eq!(QueryTerms::default().coverage(&set(&["x"])), 0.0);
    }

    #[test]
    fn name_match_counts_the_parts_the_query_mentions() {
        // "Receives a datagram from the socket"
        let q = QueryTerms::new(
            vec![],
            set(&["receiv", "a", "datagram", "from", "the", "socket"]),
        );
        let recv = set(&["recv", "receiv"]);
        assert_eq!(q.name_match(std::slice::from_ref(&recv)), 1.0);
        assert_eq!(q.name_match(&[set(&["tri"]), recv]), 0.5);
        assert_eq!(q.name_match(&[set(&["from"]), set(&["std"])]), 0.5);
        assert_eq!(q.name_match(&[]), 0.0);
    }

    fn set(terms: &[&str]) -> HashSet<String> {
        terms.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn idf_falls_as_terms_get_common() {
        assert!(idf(1, 1000) > idf(100, 1000));
        assert!(idf(1000, 1000) > 0.0);
    }

    #[test]
    fn kinds_fall_into_classes() {
        assert_eq!(KindClass::of(ChunkKind::Method), KindClass::Callable);
        assert_eq!(KindClass::of(ChunkKind::Impl), KindClass::Impl);
        assert_eq!(KindClass::of(ChunkKind::Trait), KindClass::TypeDef);
        assert_eq!(KindClass::of(ChunkKind::Section), KindClass::Other);
    }
}
