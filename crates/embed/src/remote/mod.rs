//! Embedding through a server: Ollama (`/api/embed`) and any
//! OpenAI-compatible endpoint (`/v1/embeddings`: TEI, vLLM, llama.cpp,
//! LM Studio, OpenAI).
//!
//! Both clients share one pipeline: texts are split into batches, up to
//! `concurrency` requests are in flight at once so the server never idles
//! between batches, failed requests are retried with exponential backoff on
//! 5xx/429/connection errors (never on other 4xx), and every vector is checked
//! (count, dimensions, finite values) and L2-normalized before it is returned.
//! A call either returns a vector for every input, in input order, or an
//! error: never a partial result.

mod http;
mod ollama;
mod openai;
mod pipeline;

use std::time::Duration;

pub use ollama::OllamaEmbedder;
pub use openai::{OpenAiConfig, OpenAiEmbedder};

/// How a remote embedder batches, parallelises and retries requests; shared
/// by both backends so they behave the same under load and failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOptions {
    /// Requests in flight at once (at least 1). Keeps the server busy while
    /// the previous response is parsed and the next request is uploaded.
    pub concurrency: usize,
    /// Texts per request (at least 1).
    pub batch_size: usize,
    /// Limit for one request, from connect to the last body byte.
    pub timeout: Duration,
    /// Extra attempts after a retryable failure (5xx, 429, connection error,
    /// timeout). 4xx answers are never retried.
    pub max_retries: u32,
    /// Wait before the first retry; doubles on every further retry.
    pub initial_backoff: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            batch_size: 64,
            timeout: Duration::from_secs(60),
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
        }
    }
}

impl RemoteOptions {
    /// Copy with zero values raised to 1, so a bad config cannot deadlock or
    /// divide by zero.
    fn sanitized(&self) -> Self {
        Self {
            concurrency: self.concurrency.max(1),
            batch_size: self.batch_size.max(1),
            ..self.clone()
        }
    }
}
