//! Plain data exchanged with the index: file records, embedding identity,
//! search requests and hits.

use amanmcp_chunker::ChunkKind;
use amanmcp_scanner::Language;
use serde::{Deserialize, Serialize};

/// What the index remembers about a file to skip it when unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative, `/`-separated path.
    pub path: String,
    /// blake3 hex of the content.
    pub hash: String,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    pub size: u64,
    pub language: Language,
}

/// Identity of the vectors stored; a change means vectors are rebuilt
/// (from the embedding cache where possible), never mixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingSpec {
    pub backend: String,
    pub model_id: String,
    pub dims: usize,
}

/// Which retrieval lists take part in a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// BM25 and vectors fused; BM25 alone when no vectors exist (reported as degraded).
    #[default]
    Hybrid,
    Bm25Only,
    VectorOnly,
}

/// Restricts results; applied inside retrieval so `limit` results still come back.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchFilters {
    /// Keep only these languages (empty = all).
    pub languages: Vec<Language>,
    /// Keep only paths matching this glob (`src/**/*.rs`); a bare directory prefix also works.
    pub path_glob: Option<String>,
    /// Keep only these kinds (empty = all).
    pub kinds: Vec<ChunkKind>,
    /// Keep only code (`Some(true)`) or only docs/data (`Some(false)`).
    pub code_only: Option<bool>,
}

/// Ranking knobs; defaults are the tuned values.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankingOptions {
    /// Weight of the BM25 list in reciprocal-rank fusion.
    pub bm25_weight: f32,
    /// Weight of the vector list in reciprocal-rank fusion.
    pub vector_weight: f32,
    /// RRF constant k.
    pub rrf_k: f32,
    /// Multiplier applied to results in test files (1.0 = no change), unless
    /// the query asks for tests.
    pub test_penalty: f32,
    /// Multiplier applied when the query names the chunk's symbol exactly.
    pub symbol_boost: f32,
    /// Multiplier applied when query terms match the chunk's path.
    pub path_boost: f32,
    /// Rerank the fused candidates of a hybrid query (see `rerank.rs`).
    pub rerank: bool,
}

impl Default for RankingOptions {
    fn default() -> Self {
        RankingOptions {
            bm25_weight: 1.0,
            // Since chunk vectors blend in symbol names the vector list is the
            // stronger one on the shared bench (0.452 vs BM25 0.404): 1.2–1.3
            // measured +0.006 hybrid over 1.0 (docs/benchmarks.md, session 3).
            vector_weight: 1.2,
            // Tuned on the shared bench (docs/benchmarks.md, "Retrieval quality"):
            // a small k lets a confident first place in either list count.
            rrf_k: 10.0,
            // Test files rarely answer a question about behaviour, and agents'
            // users complain when they crowd the results; a query that asks
            // for tests lifts the penalty (`ranking::asks_for_tests`). 0.3
            // measured +0.003 over 0.5 on the shared bench (session 5).
            test_penalty: 0.3,
            symbol_boost: 1.2,
            path_boost: 1.1,
            rerank: true,
        }
    }
}

/// One query. `vector` is the embedded query (None when no embedder is available).
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    pub vector: Option<Vec<f32>>,
    pub limit: usize,
    pub mode: SearchMode,
    pub filters: SearchFilters,
    pub ranking: RankingOptions,
}

/// One result with enough detail for `--debug`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchHit {
    pub id: String,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    pub scope: Option<String>,
    pub kind: ChunkKind,
    pub language: Language,
    pub signature: Option<String>,
    /// Final fused score (higher is better).
    pub score: f32,
    pub content: String,
    /// 1-based rank in the BM25 list, if present there.
    pub bm25_rank: Option<u32>,
    pub bm25_score: Option<f32>,
    /// 1-based rank in the vector list, if present there.
    pub vector_rank: Option<u32>,
    pub vector_cosine: Option<f32>,
    /// Multipliers applied after fusion, e.g. `symbol×1.5`, `test×0.8`.
    pub boosts: Vec<String>,
    /// The reranker's view of this hit (hybrid queries with vectors only).
    pub rerank: Option<crate::rerank::RerankFeatures>,
}

/// Results plus how they were obtained.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResponse {
    pub hits: Vec<SearchHit>,
    /// True when vectors were asked for but not available (BM25 only).
    pub degraded: bool,
    /// Milliseconds per stage: `bm25`, `vector`, `fuse`, `fetch`.
    pub timings_ms: Vec<(String, f64)>,
}

/// Counts for `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndexStats {
    pub files: u64,
    pub chunks: u64,
    /// Chunks without a vector for the current embedding spec.
    pub pending_embeddings: u64,
    pub vectors: u64,
    /// Chunk counts per language name.
    pub languages: Vec<(String, u64)>,
    pub embedding: Option<EmbeddingSpec>,
    pub bytes_on_disk: u64,
    /// Unix seconds of the last committed change.
    pub updated_at: Option<i64>,
    pub created_at: Option<i64>,
    pub schema_version: u32,
}

/// A chunk still waiting for its vector.
#[derive(Debug, Clone)]
pub struct PendingChunk {
    pub chunk_id: String,
    /// blake3 hex of `embed_text` and `name_text`, the embedding-cache key
    /// with model and dims.
    pub text_hash: String,
    pub embed_text: String,
    /// The symbol in plain words, embedded apart and blended into the
    /// chunk's vector (None for chunks without a symbol).
    pub name_text: Option<String>,
}
