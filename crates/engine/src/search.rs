//! Search orchestration: validate, embed the query, retrieve and fuse in the
//! index, shape the answer.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Instant;

use amanmcp_chunker::ChunkKind;
use amanmcp_index::{SearchFilters, SearchHit, SearchMode, SearchRequest};
use amanmcp_scanner::Language;

use crate::query::{MAX_LIMIT, MAX_QUERY_CHARS};
use crate::{Engine, EngineError, Query, QueryScope, RankDebug, ResultItem, SearchOutput};

/// Lines of a chunk shown as its snippet.
const SNIPPET_LINES: usize = 8;
/// Characters of a snippet at most.
const SNIPPET_CHARS: usize = 600;

impl Engine {
    /// Runs one query. Invalid input is `InvalidQuery` with the reason; a
    /// missing index is `NoIndex`. When vectors cannot take part (no
    /// embedder, vectors of another model, embedding failed) the answer is
    /// BM25 only and says so in `degraded` / `degraded_reason`.
    pub fn search(&self, q: &Query) -> Result<SearchOutput, EngineError> {
        let started = Instant::now();
        let text = q.text.trim();
        if text.is_empty() {
            return Err(EngineError::InvalidQuery("the query is empty".into()));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(EngineError::InvalidQuery(format!(
                "the query is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        if q.limit == 0 || q.limit > MAX_LIMIT {
            return Err(EngineError::InvalidQuery(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {}",
                q.limit
            )));
        }
        let filters = build_filters(q)?;
        let mut timings = BTreeMap::new();

        let t = Instant::now();
        let reader = self.reader()?;
        let stored_spec = reader.embedding_spec();
        let pending = reader.has_pending_embeddings()?;
        timings.insert("open".to_string(), ms(t));

        let mut degraded_reason: Option<String> = None;
        let mut vector = None;
        if q.mode != SearchMode::Bm25Only {
            match (&self.embedder, &stored_spec, self.embedding_spec()) {
                (None, _, _) => {
                    degraded_reason = Some(
                        self.backend
                            .reason
                            .clone()
                            .unwrap_or_else(|| "no embedder available: BM25 only".into()),
                    )
                }
                (Some(_), Some(stored), Some(current)) if *stored != current => {
                    degraded_reason = Some(format!(
                        "index vectors come from {}, the current embedder is {}: BM25 only until `amanmcp index` re-embeds",
                        stored.model_id, current.model_id
                    ))
                }
                (Some(_), None, _) => {
                    degraded_reason = Some("the index has no vectors yet: BM25 only".into())
                }
                (Some(embedder), _, _) => {
                    let t = Instant::now();
                    match embedder.embed_query(text) {
                        Ok(v) => vector = Some(self.adapt_query(v)),
                        Err(e) => degraded_reason = Some(format!("query embedding failed ({e}): BM25 only")),
                    }
                    timings.insert("embed_query".to_string(), ms(t));
                }
            }
        }
        if q.mode == SearchMode::VectorOnly && vector.is_none() {
            return Err(EngineError::InvalidQuery(format!(
                "--vector-only needs vectors: {}",
                degraded_reason.unwrap_or_else(|| "none available".into())
            )));
        }
        let mode = if vector.is_none() {
            SearchMode::Bm25Only
        } else {
            q.mode
        };
        let request = SearchRequest {
            text: text.to_string(),
            vector,
            limit: q.limit,
            mode,
            filters,
            ranking: self.config.ranking.clone(),
        };
        let response = reader.search(&request)?;
        for (stage, v) in &response.timings_ms {
            timings.insert(stage.clone(), *v);
        }
        let results = response
            .hits
            .into_iter()
            .map(|h| to_item(h, q.debug))
            .collect();
        let degraded = degraded_reason.is_some() || response.degraded || self.backend.degraded;
        let degraded_reason = degraded_reason.or_else(|| self.backend.reason.clone());
        timings.insert("total".to_string(), ms(started));
        Ok(SearchOutput {
            query: text.to_string(),
            results,
            backend: self.backend.backend.clone(),
            degraded,
            degraded_reason: if degraded { degraded_reason } else { None },
            stale: self.is_stale_flag() || pending,
            timings_ms: timings,
        })
    }

    /// The query vector through the embedding model's learned adapter, when
    /// it has one and `search.query_adapter` is on (see
    /// `amanmcp_embed::query_adapter`); otherwise unchanged.
    fn adapt_query(&self, v: Vec<f32>) -> Vec<f32> {
        if !self.config.query_adapter {
            return v;
        }
        let Some(e) = &self.embedder else { return v };
        match amanmcp_embed::query_adapter::for_model(&e.info().model_id) {
            Some(adapter) => adapter.apply(&v).unwrap_or(v),
            None => v,
        }
    }

    /// Chunks defining `name` (exact, then case-insensitive, then fuzzy).
    pub fn find_symbol(
        &self,
        name: &str,
        kind: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ResultItem>, EngineError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(EngineError::InvalidQuery("the symbol name is empty".into()));
        }
        if limit == 0 || limit > MAX_LIMIT {
            return Err(EngineError::InvalidQuery(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        let kinds = match kind {
            Some(k) => vec![parse_kind(k)?],
            None => Vec::new(),
        };
        let reader = self.reader()?;
        Ok(reader
            .find_symbol(name, &kinds, limit)?
            .into_iter()
            .map(|h| to_item(h, false))
            .collect())
    }
}

fn build_filters(q: &Query) -> Result<SearchFilters, EngineError> {
    let languages = q
        .languages
        .iter()
        .map(|l| Language::from_str(l).map_err(|e| EngineError::InvalidQuery(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let kinds = q
        .kinds
        .iter()
        .map(|k| parse_kind(k))
        .collect::<Result<Vec<_>, _>>()?;
    let path_glob = match q.path_glob.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(g) => {
            globset::Glob::new(g)
                .map_err(|e| EngineError::InvalidQuery(format!("bad path glob `{g}`: {e}")))?;
            Some(g.to_string())
        }
    };
    let code_only = match q.scope {
        QueryScope::All => None,
        QueryScope::Code => Some(true),
        QueryScope::Docs => Some(false),
    };
    Ok(SearchFilters {
        languages,
        path_glob,
        kinds,
        code_only,
    })
}

fn parse_kind(k: &str) -> Result<ChunkKind, EngineError> {
    ChunkKind::parse(k).ok_or_else(|| {
        let known: Vec<&str> = ChunkKind::ALL.iter().map(|k| k.as_str()).collect();
        EngineError::InvalidQuery(format!("unknown kind `{k}` (known: {})", known.join(", ")))
    })
}

fn to_item(h: SearchHit, debug: bool) -> ResultItem {
    ResultItem {
        snippet: snippet(&h.content),
        debug: debug.then(|| RankDebug {
            bm25_rank: h.bm25_rank,
            bm25_score: h.bm25_score,
            vector_rank: h.vector_rank,
            vector_cosine: h.vector_cosine,
            boosts: h.boosts.clone(),
            rerank: h.rerank,
        }),
        id: h.id,
        path: h.path,
        start_line: h.start_line,
        end_line: h.end_line,
        symbol: h.symbol,
        scope: h.scope,
        kind: h.kind.to_string(),
        language: h.language.to_string(),
        signature: h.signature,
        score: h.score,
    }
}

/// The first few lines of a chunk, trailing blanks removed, bounded in size.
fn snippet(content: &str) -> String {
    let mut out = String::new();
    for line in content.lines().take(SNIPPET_LINES) {
        if out.len() + line.len() > SNIPPET_CHARS {
            break;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
