//! Embedding backends behind one trait.
//!
//! Local: [`candle`] runs BERT-family models and Qwen3-Embedding in process
//! (CPU by default, Metal/CUDA behind features); [`static_model`] is a
//! model2vec lookup table, fast enough to embed a repository in a second.
//! Remote: [`remote`] talks to Ollama and OpenAI-compatible servers.
//! [`select`] picks a backend from configuration, with an explicit,
//! reported fallback chain. [`models`] turns a model id or path into files
//! on disk.

mod batching;
mod embedder;
mod error;
mod prefix;
mod static_cache;
mod static_plan;
mod static_unigram;
mod tokens;
mod vectors;

pub mod candle;
pub mod models;
pub mod query_adapter;
pub mod remote;
pub mod select;
pub mod static_model;
pub mod static_tokenize;

pub use embedder::{BusyClock, Embedder, EmbedderInfo};
pub use error::EmbedError;
pub use tokens::TokenizerCounter;

/// Default model when embedding runs on the CPU: all-MiniLM-L6-v2.
///
/// Why: 6 layers × 384 wide is the best quality per CPU-second among the
/// common sentence embedders; on 2 shared AVX-512 cores it embeds ~200-token
/// code chunks at 10–15 texts/s (0.8–1.0× ONNX Runtime fp32 measured side by
/// side, see `docs/benchmarks.md`), while a bge-small-shaped model is ~2.2×
/// and a Qwen3-0.6B-shaped one ~100× slower there.
pub fn default_cpu_model() -> &'static str {
    "sentence-transformers/all-MiniLM-L6-v2"
}

/// Default model when a Metal or CUDA device is available: Qwen3-Embedding-0.6B.
///
/// Why: it is markedly better on code retrieval than small BERT models, and
/// on a GPU (bf16) its 28 layers are affordable; on CPU it measured ~20
/// tokens/s on 2 cores (hours per repository), so it is never the CPU
/// default. GPU speed was not measured here (no GPU on the build machines).
pub fn default_gpu_model() -> &'static str {
    "Qwen/Qwen3-Embedding-0.6B"
}
