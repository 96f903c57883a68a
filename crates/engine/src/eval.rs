//! Retrieval-quality evaluation on queries with known answers, in the
//! shared bench's JSONL format, so users can measure amanmcp on their repos.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError, Query, SearchMode};

/// One line of the queries file: the answer is the chunk of `path` that
/// contains `line`.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    #[serde(default)]
    pub id: Option<String>,
    pub query: String,
    pub path: String,
    pub line: u32,
    #[serde(default)]
    pub language: Option<String>,
}

/// How to run the evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Cut-off rank.
    pub k: usize,
    pub mode: SearchMode,
}

/// Metrics over a set of queries (a failed query scores 0).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    pub queries: u64,
    pub chunk_mrr: f64,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub recall_at_k: f64,
    pub file_mrr: f64,
    pub errors: u64,
}

/// Overall and per-language metrics plus latency.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub k: usize,
    pub mode: SearchMode,
    pub backend: String,
    pub overall: Metrics,
    pub per_language: BTreeMap<String, Metrics>,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    /// Every query's outcome, in input order, so misses can be inspected.
    pub per_query: Vec<QueryOutcome>,
}

/// Where one query's answer ranked and what ranked first instead.
#[derive(Debug, Clone, Serialize)]
pub struct QueryOutcome {
    pub id: Option<String>,
    pub query: String,
    pub path: String,
    pub line: u32,
    /// 1-based rank of the first result containing the answer line.
    pub chunk_rank: Option<usize>,
    /// 1-based rank of the answer's file among distinct result files.
    pub file_rank: Option<usize>,
    /// `path:start-end` of the top result, when there was one.
    pub top: Option<String>,
    pub error: bool,
}

/// Reads a JSONL queries file; blank lines are skipped, a bad line is an
/// error naming its number.
pub fn read_queries(path: &Path) -> Result<Vec<EvalQuery>, EngineError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EngineError::io(format!("cannot read {}", path.display()), e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                EngineError::InvalidQuery(format!("{}:{}: {e}", path.display(), i + 1))
            })
        })
        .collect()
}

#[derive(Default)]
struct Acc {
    n: u64,
    mrr: f64,
    r1: u64,
    r5: u64,
    rk: u64,
    file_mrr: f64,
    errors: u64,
}

impl Acc {
    fn add(&mut self, chunk_rank: Option<usize>, file_rank: Option<usize>, error: bool) {
        self.n += 1;
        self.errors += error as u64;
        if let Some(r) = chunk_rank {
            self.mrr += 1.0 / r as f64;
            self.r1 += (r == 1) as u64;
            self.r5 += (r <= 5) as u64;
            self.rk += 1;
        }
        if let Some(r) = file_rank {
            self.file_mrr += 1.0 / r as f64;
        }
    }

    fn metrics(&self) -> Metrics {
        let n = self.n.max(1) as f64;
        Metrics {
            queries: self.n,
            chunk_mrr: self.mrr / n,
            recall_at_1: self.r1 as f64 / n,
            recall_at_5: self.r5 as f64 / n,
            recall_at_k: self.rk as f64 / n,
            file_mrr: self.file_mrr / n,
            errors: self.errors,
        }
    }
}

/// Runs every query through [`Engine::search`] and scores the answers the
/// way the shared `eval.py` does (chunk hit: same path and the line inside
/// the result's range; file rank among distinct files in result order).
pub fn evaluate(
    engine: &Engine,
    queries: &[EvalQuery],
    opts: &EvalOptions,
) -> Result<EvalReport, EngineError> {
    let mut overall = Acc::default();
    let mut per_lang: BTreeMap<String, Acc> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(queries.len());
    let mut per_query = Vec::with_capacity(queries.len());
    for q in queries {
        let mut query = Query::new(q.query.clone(), opts.k);
        query.mode = opts.mode;
        let t = Instant::now();
        let mut top = None;
        let (chunk_rank, file_rank, error) = match engine.search(&query) {
            Ok(out) => {
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                top = out
                    .results
                    .first()
                    .map(|r| format!("{}:{}-{}", r.path, r.start_line, r.end_line));
                let chunk_rank = out
                    .results
                    .iter()
                    .position(|r| {
                        r.path == q.path && r.start_line <= q.line && q.line <= r.end_line
                    })
                    .map(|i| i + 1);
                let mut files: Vec<&str> = Vec::new();
                for r in &out.results {
                    if !files.contains(&r.path.as_str()) {
                        files.push(&r.path);
                    }
                }
                let file_rank = files.iter().position(|p| *p == q.path).map(|i| i + 1);
                (chunk_rank, file_rank, false)
            }
            Err(e @ EngineError::NoIndex(_)) => return Err(e),
            Err(e) => {
                tracing::warn!(query = %q.query, "query failed: {e}");
                (None, None, true)
            }
        };
        overall.add(chunk_rank, file_rank, error);
        let lang = q.language.clone().unwrap_or_else(|| "unknown".into());
        per_lang
            .entry(lang)
            .or_default()
            .add(chunk_rank, file_rank, error);
        per_query.push(QueryOutcome {
            id: q.id.clone(),
            query: q.query.clone(),
            path: q.path.clone(),
            line: q.line,
            chunk_rank,
            file_rank,
            top,
            error,
        });
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let idx = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[idx]
    };
    Ok(EvalReport {
        k: opts.k,
        mode: opts.mode,
        backend: engine.backend().backend.clone(),
        overall: overall.metrics(),
        per_language: per_lang
            .into_iter()
            .map(|(k, v)| (k, v.metrics()))
            .collect(),
        latency_p50_ms: pct(0.50),
        latency_p95_ms: pct(0.95),
        per_query,
    })
}
