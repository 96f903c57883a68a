//! What searches and status calls return to the front ends. These types are
//! the JSON contract of `search --json` and the MCP tools' structured
//! content, so field names are part of the public interface. They derive
//! `JsonSchema` so the MCP tools advertise these very types as their
//! `outputSchema`, keeping schema and content from drifting apart; doc
//! comments on the fields become the schema's descriptions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-result ranking detail shown by `--debug`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankDebug {
    pub bm25_rank: Option<u32>,
    pub bm25_score: Option<f32>,
    pub vector_rank: Option<u32>,
    pub vector_cosine: Option<f32>,
    pub boosts: Vec<String>,
    /// The reranker's features and multiplier (hybrid queries with vectors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerank: Option<amanmcp_index::RerankFeatures>,
}

/// One search or symbol hit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ResultItem {
    /// Chunk id; pass it to `get_chunk` for the full text.
    pub id: String,
    /// Relative to the project root, `/`-separated.
    pub path: String,
    /// 1-based, inclusive.
    pub start_line: u32,
    /// 1-based, inclusive.
    pub end_line: u32,
    pub symbol: Option<String>,
    /// Enclosing scope (type, module), when known.
    pub scope: Option<String>,
    /// Chunk kind: function, method, struct, class, doc, ...
    pub kind: String,
    pub language: String,
    pub signature: Option<String>,
    /// Higher is better; comparable within one answer only.
    pub score: f32,
    /// The first lines of the chunk (trimmed), for a quick look.
    pub snippet: String,
    /// Ranking detail; only with `search --debug`. Left out of the schema:
    /// the MCP tools never ask for it, and their schemas stay short.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub debug: Option<RankDebug>,
}

/// A whole search answer: `{"query", "results", "backend", "degraded", "stale", "timings_ms"}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SearchOutput {
    pub query: String,
    /// Best first.
    pub results: Vec<ResultItem>,
    /// Embedding backend that served the vector half (`candle`, `static`, `ollama`, `openai`, `none`).
    pub backend: String,
    /// True when the answer is worse than configured (e.g. BM25 only).
    pub degraded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_reason: Option<String>,
    /// True while the index lags the working tree (reconcile running, embeddings pending).
    pub stale: bool,
    /// Time spent per stage, in milliseconds.
    pub timings_ms: BTreeMap<String, f64>,
}

/// The source text of a chunk or line range.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ChunkText {
    /// Set when fetched by id.
    pub id: Option<String>,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    pub kind: Option<String>,
    pub language: Option<String>,
    /// The source text of the lines.
    pub text: String,
}

/// Counts and identity for `status` and `index_status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub root: String,
    pub index_dir: String,
    pub indexed: bool,
    pub files: u64,
    pub chunks: u64,
    pub languages: BTreeMap<String, u64>,
    pub backend: String,
    pub model: Option<String>,
    pub dims: Option<usize>,
    pub device: Option<String>,
    pub degraded: bool,
    pub degraded_reason: Option<String>,
    /// Better backends that were skipped and why.
    pub skipped_backends: Vec<(String, String)>,
    pub pending_embeddings: u64,
    pub index_bytes: u64,
    /// Unix seconds.
    pub last_update: Option<i64>,
    /// Files changed on disk since the last index run (added, modified, deleted), when checked.
    pub stale_files: Option<u64>,
}

/// What an index run did, with its stage timings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndexReport {
    pub files_scanned: u64,
    pub files_skipped: u64,
    pub files_added: u64,
    pub files_modified: u64,
    pub files_removed: u64,
    pub files_unchanged: u64,
    pub chunks_written: u64,
    /// Chunks whose vectors came from the embedding cache.
    pub chunks_cached: u64,
    /// Chunks actually sent to the embedder.
    pub chunks_embedded: u64,
    pub chunks_total: u64,
    pub pending_embeddings: u64,
    pub cancelled: bool,
    pub wall_ms: f64,
    /// Busy time per stage: scan, chunk, tokenize, embed, bm25, hnsw, store.
    pub stages_ms: BTreeMap<String, f64>,
}
