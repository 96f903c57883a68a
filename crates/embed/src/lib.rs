//! Embedding backends behind one trait.
//!
//! Local: [`candle`] runs BERT-family models and Qwen3-Embedding in process
//! (CPU by default, Metal/CUDA behind features); [`static_model`] is a
//! model2vec lookup table, fast enough to embed a repository in a second.
//! Remote: [`remote`] talks to Ollama and OpenAI-compatible servers.
//! [`select`] picks a backend from configuration, with an explicit,
//! reported fallback chain.

mod embedder;
mod error;

pub mod candle;
pub mod remote;
pub mod select;
pub mod static_model;

pub use embedder::{Embedder, EmbedderInfo};
pub use error::EmbedError;
