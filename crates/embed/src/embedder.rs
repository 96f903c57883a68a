//! The one trait every embedding backend implements.

use amanmcp_chunker::TokenCounter;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::EmbedError;

/// Identity of an embedder: what the index manifest records so vectors from
/// different models are never mixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedderInfo {
    /// Backend name: `candle`, `static`, `ollama`, `openai`.
    pub backend: String,
    /// Model identity, e.g. `sentence-transformers/all-MiniLM-L6-v2` or a local dir name.
    pub model_id: String,
    /// Output vector length (after any Matryoshka truncation).
    pub dims: usize,
    /// Longest input in tokens the model accepts; longer inputs are truncated.
    pub max_tokens: usize,
    /// Device the model runs on (`cpu`, `metal`, `cuda:0`, `remote`).
    pub device: String,
}

/// Turns texts into L2-normalized vectors. Implementations batch and
/// parallelise internally, so callers pass large slices (hundreds of texts).
pub trait Embedder: Send + Sync {
    /// Identity and shape of the vectors this embedder produces.
    fn info(&self) -> &EmbedderInfo;

    /// Embeds documents (chunks). Output order matches input order; every
    /// vector has `info().dims` finite components and unit length.
    fn embed_documents(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;

    /// Embeds a search query, applying the model's query instruction/prefix.
    fn embed_query(&self, query: &str) -> Result<Vec<f32>, EmbedError>;

    /// A counter using this model's tokenizer, for the chunker's size budget.
    fn token_counter(&self) -> Arc<dyn TokenCounter>;

    /// Total time spent tokenizing since load, for the pipeline's stage
    /// breakdown; `None` when the backend does not tokenize locally.
    fn tokenize_busy(&self) -> Option<Duration> {
        None
    }
}

/// Accumulates busy time across threads (e.g. tokenization overlapped with
/// the model), cheaply enough to wrap every call.
#[derive(Debug, Default)]
pub struct BusyClock(AtomicU64);

impl BusyClock {
    /// Runs `f`, adding its wall time to the total.
    pub fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(ns, Ordering::Relaxed);
        out
    }

    /// The total so far.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}
