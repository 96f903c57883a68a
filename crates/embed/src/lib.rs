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
mod tokens;
mod vectors;

pub mod candle;
pub mod models;
pub mod remote;
pub mod select;
pub mod static_model;

pub use embedder::{Embedder, EmbedderInfo};
pub use error::EmbedError;
pub use tokens::TokenizerCounter;

/// Default model when embedding runs on the CPU: all-MiniLM-L6-v2.
///
/// Why: 6 layers × 384 wide is the best quality per CPU-second among the
/// common sentence embedders; on a 2-core AVX-512 machine it embeds ~200-token
/// code chunks at tens of texts per second (see `docs/benchmarks.md`), which
/// keeps a first index of a mid-sized repository within a few minutes, while
/// bge-base or Qwen3-0.6B are 4× and 40× slower there.
pub fn default_cpu_model() -> &'static str {
    "sentence-transformers/all-MiniLM-L6-v2"
}

/// Default model when a Metal or CUDA device is available: Qwen3-Embedding-0.6B.
///
/// Why: it is markedly better on code retrieval than small BERT models and a
/// GPU runs it at hundreds of chunks per second in bf16, so quality is worth
/// its 28 layers there; on CPU it is far too slow to be a default.
pub fn default_gpu_model() -> &'static str {
    "Qwen/Qwen3-Embedding-0.6B"
}
