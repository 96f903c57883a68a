//! In-process transformer embeddings on candle: BERT-family encoders and
//! Qwen3-Embedding, on CPU by default and Metal/CUDA behind features.

mod attention;
/// Kernel timings for `examples/embed_bench/` (not a stable API).
#[doc(hidden)]
pub mod bench;
mod bert;
mod bert_net;
mod device;
mod fast_ops;
mod files;
mod layer_norm;
mod packed_linear;
mod qwen3;
mod tile;

use std::path::Path;
use std::sync::Arc;

use amanmcp_chunker::TokenCounter;
use tokenizers::{Encoding, Tokenizer};

pub use device::{gpu_available, DeviceChoice};

use crate::models::{detect_kind, ModelKind};
use crate::prefix::{self, Prefixes};
use crate::{batching, vectors, EmbedError, Embedder, EmbedderInfo, TokenizerCounter};

/// Knobs for the candle backend. The defaults are what the benchmarks
/// found fastest on CPU; change them only with a measurement in hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandleOptions {
    /// Device to run on.
    pub device: DeviceChoice,
    /// Padded tokens per forward pass (batch size × longest text). Bounds
    /// memory and keeps padding waste low with length-sorted batches.
    pub batch_token_budget: usize,
    /// Compute threads; `None` lets candle use one per physical core.
    pub threads: Option<usize>,
    /// Matryoshka truncation of output vectors (Qwen3), re-normalized.
    pub truncate_dims: Option<usize>,
    /// Inputs longer than this many tokens are truncated; `None` = the
    /// model's own limit (256 for all-MiniLM-L6-v2, which was trained at 256).
    pub max_tokens: Option<usize>,
}

impl Default for CandleOptions {
    fn default() -> Self {
        Self {
            device: DeviceChoice::Auto,
            batch_token_budget: 4096,
            threads: None,
            truncate_dims: None,
            max_tokens: None,
        }
    }
}

enum Net {
    Bert(bert::Bert),
    Qwen3(qwen3::Qwen3),
}

/// A BERT-family or Qwen3 embedding model running in process; which one is
/// read from `config.json`.
pub struct CandleEmbedder {
    net: Net,
    tokenizer: Tokenizer,
    counter: Arc<TokenizerCounter>,
    info: EmbedderInfo,
    prefixes: Prefixes,
    budget: usize,
    truncate_dims: Option<usize>,
    pool: Option<rayon::ThreadPool>,
    tokenize_clock: crate::BusyClock,
}

impl std::fmt::Debug for CandleEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CandleEmbedder")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl CandleEmbedder {
    /// Loads a model directory (config.json, tokenizer.json, safetensors).
    /// `model_id` names the model in the index manifest and selects the
    /// query/document prefixes of its family.
    pub fn load(
        model_dir: &Path,
        model_id: &str,
        opts: &CandleOptions,
    ) -> Result<Self, EmbedError> {
        let kind = detect_kind(model_dir)?;
        let (device, device_name) = device::open(opts.device)?;
        let raw_tok = Tokenizer::from_file(model_dir.join("tokenizer.json")).map_err(|e| {
            files::load_err(
                model_id,
                format!("{}/tokenizer.json: {e}", model_dir.display()),
            )
        })?;
        let (net, dims, model_max) = match kind {
            ModelKind::Bert => {
                let b = bert::Bert::load(model_dir, model_id, &device)?;
                let limit = if model_id.to_ascii_lowercase().contains("all-minilm") {
                    256
                } else {
                    b.max_positions.min(512)
                };
                let dims = b.hidden;
                (Net::Bert(b), dims, limit)
            }
            ModelKind::Qwen3 => {
                let eos = raw_tok.token_to_id("<|endoftext|>");
                let q = qwen3::Qwen3::load(model_dir, model_id, &device, eos)?;
                let dims = q.hidden;
                let limit = q.max_positions.min(8192);
                (Net::Qwen3(q), dims, limit)
            }
            ModelKind::Static => {
                return Err(EmbedError::Config(format!(
                "{model_id} is a static model2vec model; load it with static_model::StaticEmbedder"
            )))
            }
        };
        let max_tokens = opts.max_tokens.unwrap_or(model_max).clamp(2, model_max);
        // Qwen3 appends EOS after truncation, so leave room for it.
        let tok_limit = if matches!(net, Net::Qwen3(_)) {
            max_tokens - 1
        } else {
            max_tokens
        };
        let tokenizer = files::tokenizer(model_dir, model_id, tok_limit)?;
        let out_dims = match opts.truncate_dims {
            Some(d) if d == 0 || d > dims => {
                return Err(EmbedError::Config(format!(
                    "truncate_dims {d} must be between 1 and the model's {dims} dimensions"
                )))
            }
            Some(d) => d,
            None => dims,
        };
        let pool = match opts.threads {
            Some(n) if n > 0 => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("amanmcp-embed-{i}"))
                    .build()
                    .map_err(|e| EmbedError::Config(format!("thread pool: {e}")))?,
            ),
            _ => None,
        };
        Ok(Self {
            net,
            counter: Arc::new(TokenizerCounter::new(raw_tok)),
            tokenizer,
            info: EmbedderInfo {
                backend: "candle".to_string(),
                model_id: model_id.to_string(),
                dims: out_dims,
                max_tokens,
                device: device_name,
            },
            prefixes: prefix::for_model(model_id),
            budget: opts.batch_token_budget.max(1),
            truncate_dims: opts.truncate_dims,
            pool,
            tokenize_clock: crate::BusyClock::default(),
        })
    }

    fn tokenize(&self, texts: &[&str], prefix: &str) -> Result<Vec<Encoding>, EmbedError> {
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| prefix::apply(prefix, t).into_owned())
            .collect();
        self.tokenize_clock
            .time(|| self.tokenizer.encode_batch_fast(inputs, true))
            .map_err(|e| EmbedError::Inference(format!("tokenizer: {e}")))
    }

    fn run_batch(&self, batch: &[&Encoding]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let forward = || match &self.net {
            Net::Bert(b) => b.embed(batch),
            Net::Qwen3(q) => q.embed(batch),
        };
        let raw = match &self.pool {
            Some(pool) => pool.install(forward),
            None => forward(),
        }
        .map_err(|e| EmbedError::Inference(e.to_string()))?;
        raw.into_iter()
            .map(|v| vectors::finish(v, self.truncate_dims))
            .collect()
    }

    fn embed_with_prefix(&self, texts: &[&str], prefix: &str) -> Result<Vec<Vec<f32>>, EmbedError> {
        if let Some(i) = texts.iter().position(|t| t.trim().is_empty()) {
            return Err(vectors::empty_input(i));
        }
        batching::embed_pipelined(
            texts,
            self.budget,
            |chunk| self.tokenize(chunk, prefix),
            |batch| self.run_batch(batch),
        )
    }
}

impl Embedder for CandleEmbedder {
    fn info(&self) -> &EmbedderInfo {
        &self.info
    }

    fn embed_documents(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_with_prefix(texts, &self.prefixes.document)
    }

    fn embed_query(&self, query: &str) -> Result<Vec<f32>, EmbedError> {
        let mut v = self.embed_with_prefix(&[query], &self.prefixes.query)?;
        v.pop()
            .ok_or_else(|| EmbedError::Inference("no vector for the query".to_string()))
    }

    fn token_counter(&self) -> Arc<dyn TokenCounter> {
        self.counter.clone()
    }

    fn tokenize_busy(&self) -> Option<std::time::Duration> {
        Some(self.tokenize_clock.total())
    }
}
