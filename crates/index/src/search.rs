//! Hybrid search: BM25 + HNSW (+ exact-symbol lookups), weighted RRF, boosts.

use crate::bm25;
use crate::error::IndexError;
use crate::filters::{self, Catalog, CidSet};
use crate::graph;
use crate::queries;
use crate::ranking::{self, Fused};
use crate::reader::IndexReader;
use crate::rerank::{self, QueryTerms, RerankFeatures, Reranker};
use crate::rows::{self, ChunkRow, CHUNK_COLUMNS};
use crate::types::{SearchHit, SearchMode, SearchRequest, SearchResponse};
use rusqlite::OptionalExtension;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

/// Exact-symbol lookups per query word.
const SYMBOL_LOOKUP: usize = 20;
/// Best fused candidates scanned for definitions of query identifiers.
const DEFINITION_SCAN: usize = 30;
/// Filters leaving at most this many chunks are answered by exact cosine.
const EXACT_VECTOR_LIMIT: usize = 5000;
/// Graphs up to this many points are searched by a flat scan (a few ms,
/// exact); the HNSW walk is for larger indexes.
const EXACT_SCAN_LIMIT: usize = 30_000;

/// A fused candidate after boosts.
struct Scored<'a> {
    cid: i64,
    score: f32,
    boosts: Vec<String>,
    fused: &'a Fused,
    path: String,
    rerank: Option<RerankFeatures>,
}

/// Applies the post-fusion multipliers; returns the score and their labels.
fn boost(
    fused: f32,
    r: &crate::types::RankingOptions,
    words: &[String],
    path_terms: &[String],
    m: &queries::CandidateMeta,
    defines: bool,
    wants_tests: bool,
) -> (f32, Vec<String>) {
    let mut score = fused;
    let mut boosts = Vec::new();
    if r.symbol_boost != 1.0 {
        if ranking::names_symbol(words, m.symbol.as_deref(), m.qualified.as_deref()) {
            score *= r.symbol_boost;
            boosts.push(format!("symbol×{}", r.symbol_boost));
        } else if defines {
            score *= r.symbol_boost;
            boosts.push(format!("defines×{}", r.symbol_boost));
        }
    }
    if r.path_boost != 1.0 && ranking::path_matches(path_terms, &m.path) {
        score *= r.path_boost;
        boosts.push(format!("path×{}", r.path_boost));
    }
    if r.test_penalty != 1.0 && !wants_tests && ranking::is_test_path(&m.path) {
        score *= r.test_penalty;
        boosts.push(format!("test×{}", r.test_penalty));
    }
    (score, boosts)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl IndexReader {
    /// Runs one query (call `refresh` first to see the latest commit).
    ///
    /// A commit landing mid-query can leave this reader briefly between the
    /// SQLite rows and the BM25 segment of two generations, which shows as
    /// an empty answer; then it refreshes and asks once more.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, IndexError> {
        let first = self.search_once(req)?;
        if first.hits.is_empty() && req.limit > 0 && self.refresh()? {
            return self.search_once(req);
        }
        Ok(first)
    }

    fn search_once(&self, req: &SearchRequest) -> Result<SearchResponse, IndexError> {
        let mut timings = Vec::new();
        if req.limit == 0 {
            return Ok(SearchResponse {
                hits: Vec::new(),
                degraded: false,
                timings_ms: timings,
            });
        }
        let text = req.text.trim();
        if text.is_empty() && req.vector.is_none() {
            return Err(IndexError::InvalidQuery(
                "empty query: give text or a vector".into(),
            ));
        }
        let snap = self.snapshot();
        let n = (5 * req.limit).max(100);
        let ef = (4 * req.limit).max(n);
        let allowed = self.allowed(req, snap.data_gen)?;

        // Vector availability decides degradation.
        let want_vectors = req.mode != SearchMode::Bm25Only;
        let graph = snap.graph.as_ref().filter(|g| g.graph.len() > 0);
        let query_vec = match (&req.vector, &snap.spec, graph) {
            (Some(v), Some(spec), Some(_)) if want_vectors => Some(graph::normalize(v, spec.dims)?),
            _ => None,
        };
        let degraded = want_vectors && query_vec.is_none();
        let use_text = (req.mode != SearchMode::VectorOnly || degraded) && !text.is_empty();

        let t = Instant::now();
        let bm25_list = if use_text {
            match self.bm25.query(text)? {
                Some(q) => {
                    let searcher = self.searcher.searcher();
                    bm25::search(&searcher, q.as_ref(), n, allowed.clone())?
                }
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        timings.push(("bm25".to_string(), ms(t)));

        let t = Instant::now();
        let vector_list = match (&query_vec, graph) {
            (Some(q), Some(g)) => {
                let fetch = n + n / 4;
                let hits = match &allowed {
                    Some(set) if set.len() <= EXACT_VECTOR_LIMIT => {
                        g.graph.exact_search(q, set.iter(), fetch)
                    }
                    Some(set) => {
                        let keep = |id: &usize| set.contains(*id as i64);
                        g.graph.search(q, fetch, ef.max(fetch), Some(&keep))
                    }
                    None if g.graph.len() <= EXACT_SCAN_LIMIT => g.graph.exact_all(q, fetch),
                    None => g.graph.search(q, fetch, ef.max(fetch), None),
                };
                let mut seen = HashSet::new();
                hits.into_iter()
                    .filter(|(cid, _)| seen.insert(*cid))
                    .collect()
            }
            _ => Vec::new(),
        };
        timings.push(("vector".to_string(), ms(t)));

        let t = Instant::now();
        let words = ranking::symbol_candidates(text);
        let conn = self.conn();
        let mut symbol_list = Vec::new();
        // Exact-symbol lookups are their own list only for identifier queries;
        // inside a sentence a named identifier earns the symbol boost instead.
        if use_text && ranking::is_short_query(text) {
            for w in words.iter().filter(|w| w.len() >= 2) {
                for (cid, _) in queries::symbol_matches(&conn, w, SYMBOL_LOOKUP)? {
                    if allowed.as_ref().is_none_or(|a| a.contains(cid))
                        && !symbol_list.contains(&cid)
                    {
                        symbol_list.push(cid);
                    }
                }
            }
        }
        let fused = ranking::fuse(
            &bm25_list,
            &vector_list,
            &symbol_list,
            req.ranking.bm25_weight,
            req.ranking.vector_weight
                * ranking::vector_backend_factor(snap.spec.as_ref().map(|s| s.backend.as_str())),
            req.ranking.rrf_k,
        );
        // Score candidates best-fused first, in batches, until no remaining one
        // could reach the top `limit` even with every boost.
        let r = &req.ranking;
        let reranker = match (&query_vec, graph) {
            (Some(_), Some(_)) if req.mode == SearchMode::Hybrid && use_text => {
                let searcher = self.searcher.searcher();
                Some(Reranker {
                    weights: rerank::weights_for(snap.spec.as_ref().map(|s| s.backend.as_str())),
                    terms: QueryTerms::new(
                        self.bm25.query_terms(&searcher, text)?,
                        self.bm25.chunk_terms(&[text])?,
                    ),
                    best_bm25: bm25_list.first().map(|(_, s)| *s),
                    apply: r.rerank,
                })
            }
            _ => None,
        };
        let max_mult = r.symbol_boost.max(1.0)
            * r.path_boost.max(1.0)
            * r.test_penalty.max(1.0)
            * reranker.as_ref().map_or(1.0, Reranker::max_multiplier);
        let mut order: Vec<(i64, &Fused)> = fused.iter().map(|(c, f)| (*c, f)).collect();
        order.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        let batch = (3 * req.limit).max(DEFINITION_SCAN);
        let path_terms = ranking::path_terms(text);
        let wants_tests = ranking::asks_for_tests(text);
        let mut scored: Vec<Scored<'_>> = Vec::with_capacity(batch);
        let mut finals: Vec<f32> = Vec::new();
        // The current last place once `limit` candidates are scored.
        let mut kth: Option<f32> = None;
        let mut done = 0;
        while done < order.len() {
            let end = (done + batch).min(order.len());
            let slice: Vec<i64> = order[done..end].iter().map(|(c, _)| *c).collect();
            let metas = queries::candidate_meta(&conn, &slice)?;
            let defining = if done == 0 {
                self.defining(&conn, &slice, &words, ranking::is_short_query(text))?
            } else {
                HashSet::new()
            };
            // Exact cosines for the batch: BM25-only candidates have none yet.
            let cosines: HashMap<i64, f32> = match (&reranker, &query_vec, graph) {
                (Some(_), Some(q), Some(g)) => g
                    .graph
                    .exact_search(q, slice.iter().copied(), slice.len())
                    .into_iter()
                    .collect(),
                _ => HashMap::new(),
            };
            for (cid, f) in &order[done..end] {
                // Candidates without a row were deleted after the list was built (tombstones).
                let Some(m) = metas.get(cid) else { continue };
                let (mut score, boosts) = boost(
                    f.score,
                    r,
                    &words,
                    &path_terms,
                    m,
                    defining.contains(cid),
                    wants_tests,
                );
                // A definition of an identifier the query names in code form.
                let named = defining.contains(cid);
                let features = match &reranker {
                    Some(rr) => {
                        let cosine = cosines.get(cid).copied().or(f.vector.map(|v| v.1));
                        let bm25 = f.bm25.map(|b| b.1);
                        // Analyzing text is the costly part: skip candidates
                        // that cannot reach the results even at full coverage.
                        if rr.apply
                            && kth
                                .is_some_and(|k| score * rr.bound(cosine, bm25, m.kind, named) < k)
                        {
                            continue;
                        }
                        let qualified = m.qualified.as_deref().unwrap_or_default();
                        let terms = self.bm25.chunk_terms(&[&m.content, qualified, &m.path])?;
                        let name = self
                            .bm25
                            .name_parts(m.symbol.as_deref().unwrap_or_default())?;
                        let x = rr.features(cosine, bm25, &terms, &name, m.kind, named);
                        if rr.apply {
                            score *= x.multiplier;
                        }
                        Some(x)
                    }
                    None => None,
                };
                finals.push(score);
                scored.push(Scored {
                    cid: *cid,
                    score,
                    boosts,
                    fused: f,
                    path: m.path.clone(),
                    rerank: features,
                });
            }
            done = end;
            if finals.len() >= req.limit {
                finals.sort_by(|a, b| b.total_cmp(a));
                finals.truncate(req.limit);
                let last = finals[req.limit - 1];
                kth = Some(last);
                if order
                    .get(done)
                    .is_none_or(|(_, f)| f.score * max_mult < last)
                {
                    break;
                }
            }
        }
        // Start lines only matter for ties; they come with the rows below.
        scored.sort_by(|a, b| {
            ranking::order((a.score, &a.path, 0), (b.score, &b.path, 0)).then(a.cid.cmp(&b.cid))
        });
        // Keep everything tied with the last place so ties are ordered by start line.
        let cut = scored
            .get(req.limit.saturating_sub(1))
            .map(|x| x.score)
            .unwrap_or(f32::NEG_INFINITY);
        scored.retain(|x| x.score >= cut);
        timings.push(("fuse".to_string(), ms(t)));

        let t = Instant::now();
        let wanted: Vec<i64> = scored.iter().map(|x| x.cid).collect();
        let mut rows = rows::load_by_cid(&conn, &wanted)?;
        drop(conn);
        let mut hits: Vec<SearchHit> = Vec::with_capacity(scored.len());
        for Scored {
            cid,
            score,
            boosts,
            fused: f,
            rerank,
            ..
        } in scored
        {
            let Some(row) = rows.remove(&cid) else {
                continue;
            };
            let mut hit = row.into_hit();
            hit.score = score;
            hit.boosts = boosts;
            hit.bm25_rank = f.bm25.map(|b| b.0);
            hit.bm25_score = f.bm25.map(|b| b.1);
            hit.vector_rank = f.vector.map(|v| v.0);
            hit.vector_cosine = f.vector.map(|v| v.1);
            hit.rerank = rerank;
            hits.push(hit);
        }
        hits.sort_by(|a, b| {
            ranking::order(
                (a.score, &a.path, a.start_line),
                (b.score, &b.path, b.start_line),
            )
        });
        hits.truncate(req.limit);
        timings.push(("fetch".to_string(), ms(t)));
        Ok(SearchResponse {
            hits,
            degraded,
            timings_ms: timings,
        })
    }

    /// Candidates whose content defines an identifier named in the query
    /// (chunks holding several definitions, e.g. a whole small impl block).
    fn defining(
        &self,
        conn: &rusqlite::Connection,
        cids: &[i64],
        words: &[String],
        short: bool,
    ) -> Result<HashSet<i64>, IndexError> {
        let idents = ranking::code_identifiers(words, short);
        if idents.is_empty() {
            return Ok(HashSet::new());
        }
        let contents = queries::contents(conn, cids)?;
        Ok(contents
            .into_iter()
            .filter(|(_, content)| idents.iter().any(|i| ranking::defines(content, i)))
            .map(|(cid, _)| cid)
            .collect())
    }

    /// The allowed cid set for the request's filters (cached per data generation).
    fn allowed(
        &self,
        req: &SearchRequest,
        data_gen: i64,
    ) -> Result<Option<Arc<CidSet>>, IndexError> {
        if !filters::is_active(&req.filters) {
            return Ok(None);
        }
        let key = filters::cache_key(&req.filters);
        let mut cache = self.filter_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((k, g, set)) = cache.as_ref() {
            if *k == key && *g == data_gen {
                return Ok(Some(set.clone()));
            }
        }
        let catalog = {
            let mut slot = self.catalog.lock().unwrap_or_else(|p| p.into_inner());
            match slot.as_ref() {
                Some(c) if c.data_gen == data_gen => c.clone(),
                _ => {
                    let c = Arc::new(Catalog::load(&self.conn(), data_gen)?);
                    *slot = Some(c.clone());
                    c
                }
            }
        };
        let set = Arc::new(catalog.allowed(&req.filters)?);
        *cache = Some((key, data_gen, set.clone()));
        Ok(Some(set))
    }

    /// One chunk by id, with no scores.
    pub fn chunk(&self, id: &str) -> Result<Option<SearchHit>, IndexError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                &format!("SELECT {CHUNK_COLUMNS} FROM chunks INDEXED BY chunks_id WHERE id = ?1 ORDER BY cid LIMIT 1"),
                [id],
                ChunkRow::from_row,
            )
            .optional()?;
        Ok(row.map(ChunkRow::into_hit))
    }
}
