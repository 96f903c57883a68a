//! model2vec static embeddings: a token → vector table, averaged per text.
//!
//! No neural network runs, so a repository embeds in about a second; quality
//! is below the transformer models. Supports f32/f16/bf16/int8 tables and the
//! vocabulary-quantized layout (`mapping` token → row, `weights` per token).

use std::path::Path;
use std::sync::Arc;

use amanmcp_chunker::TokenCounter;
use safetensors::{Dtype, SafeTensors};
use tokenizers::{Tokenizer, TruncationParams};

use crate::{vectors, EmbedError, Embedder, EmbedderInfo, TokenizerCounter};

/// Tokens per text considered; model2vec uses the same limit.
const MAX_TOKENS: usize = 512;

/// A model2vec model loaded into memory.
pub struct StaticEmbedder {
    table: Vec<f32>,
    dims: usize,
    rows: usize,
    mapping: Option<Vec<u32>>,
    weights: Option<Vec<f32>>,
    unk_id: Option<u32>,
    tokenizer: Tokenizer,
    counter: Arc<TokenizerCounter>,
    info: EmbedderInfo,
    tokenize_clock: crate::BusyClock,
}

impl std::fmt::Debug for StaticEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticEmbedder")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

fn err(model: &str, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::Load {
        model: model.to_string(),
        reason: reason.to_string(),
    }
}

impl StaticEmbedder {
    /// Loads `model.safetensors` (tensor `embeddings`, optional `mapping`
    /// and `weights`) and `tokenizer.json` from `model_dir`.
    pub fn load(model_dir: &Path, model_id: &str) -> Result<Self, EmbedError> {
        let path = model_dir.join("model.safetensors");
        let bytes =
            std::fs::read(&path).map_err(|e| err(model_id, format!("{}: {e}", path.display())))?;
        let st = SafeTensors::deserialize(&bytes)
            .map_err(|e| err(model_id, format!("{}: {e}", path.display())))?;
        let emb = st
            .tensor("embeddings")
            .map_err(|e| err(model_id, format!("no `embeddings` tensor: {e}")))?;
        let (rows, dims) = match emb.shape() {
            [r, d] if *r > 0 && *d > 0 => (*r, *d),
            other => {
                return Err(err(
                    model_id,
                    format!("`embeddings` has shape {other:?}, expected 2-D"),
                ))
            }
        };
        let table = to_f32(emb.dtype(), emb.data()).ok_or_else(|| {
            err(
                model_id,
                format!("unsupported embeddings dtype {:?}", emb.dtype()),
            )
        })?;
        let mapping = match st.tensor("mapping") {
            Ok(m) => Some(to_ids(m.dtype(), m.data(), rows).ok_or_else(|| {
                err(
                    model_id,
                    "`mapping` must be integer row indices within the table",
                )
            })?),
            Err(_) => None,
        };
        let weights = match st.tensor("weights") {
            Ok(w) => Some(to_f32(w.dtype(), w.data()).ok_or_else(|| {
                err(
                    model_id,
                    format!("unsupported weights dtype {:?}", w.dtype()),
                )
            })?),
            Err(_) => None,
        };
        if let (Some(m), Some(w)) = (&mapping, &weights) {
            if m.len() != w.len() {
                return Err(err(model_id, "`mapping` and `weights` lengths differ"));
            }
        }
        let tok_path = model_dir.join("tokenizer.json");
        let raw = Tokenizer::from_file(&tok_path)
            .map_err(|e| err(model_id, format!("{}: {e}", tok_path.display())))?;
        let mut tokenizer = raw.clone();
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| err(model_id, e))?;
        let unk_id = ["[UNK]", "<unk>"].iter().find_map(|t| raw.token_to_id(t));
        Ok(Self {
            table,
            dims,
            rows,
            mapping,
            weights,
            unk_id,
            tokenizer,
            counter: Arc::new(TokenizerCounter::new(raw)),
            info: EmbedderInfo {
                backend: "static".to_string(),
                model_id: model_id.to_string(),
                dims,
                max_tokens: MAX_TOKENS,
                device: "cpu".to_string(),
            },
            tokenize_clock: crate::BusyClock::default(),
        })
    }

    /// Weighted mean of the token rows, normalized. Unknown and
    /// out-of-table tokens are skipped.
    fn pool(&self, ids: &[u32], index: usize) -> Result<Vec<f32>, EmbedError> {
        let mut acc = vec![0f32; self.dims];
        let mut n = 0usize;
        for &id in ids {
            if Some(id) == self.unk_id {
                continue;
            }
            let (row, w) = match &self.mapping {
                Some(m) => match m.get(id as usize) {
                    Some(&r) => (
                        r as usize,
                        self.weights.as_ref().map_or(1.0, |w| w[id as usize]),
                    ),
                    None => continue,
                },
                None => (
                    id as usize,
                    self.weights
                        .as_ref()
                        .and_then(|w| w.get(id as usize).copied())
                        .unwrap_or(1.0),
                ),
            };
            if row >= self.rows {
                continue;
            }
            let src = &self.table[row * self.dims..(row + 1) * self.dims];
            acc.iter_mut().zip(src).for_each(|(a, s)| *a += w * s);
            n += 1;
        }
        if n == 0 {
            return Err(vectors::empty_input(index));
        }
        vectors::finish(acc, None)
    }
}

impl Embedder for StaticEmbedder {
    fn info(&self) -> &EmbedderInfo {
        &self.info
    }

    fn embed_documents(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encs = self
            .tokenize_clock
            .time(|| self.tokenizer.encode_batch_fast(texts.to_vec(), false))
            .map_err(|e| EmbedError::Inference(format!("tokenizer: {e}")))?;
        encs.iter()
            .enumerate()
            .map(|(i, e)| self.pool(e.get_ids(), i))
            .collect()
    }

    fn embed_query(&self, query: &str) -> Result<Vec<f32>, EmbedError> {
        let enc = self
            .tokenizer
            .encode_fast(query, false)
            .map_err(|e| EmbedError::Inference(format!("tokenizer: {e}")))?;
        self.pool(enc.get_ids(), 0)
    }

    fn token_counter(&self) -> Arc<dyn TokenCounter> {
        self.counter.clone()
    }

    fn tokenize_busy(&self) -> Option<std::time::Duration> {
        Some(self.tokenize_clock.total())
    }
}

/// Decodes a little-endian float or int8 buffer to f32. Int8 tables carry
/// no scale; normalization makes the missing scale irrelevant.
fn to_f32(dtype: Dtype, data: &[u8]) -> Option<Vec<f32>> {
    Some(match dtype {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::I8 => data.iter().map(|&b| b as i8 as f32).collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        _ => return None,
    })
}

/// Decodes an integer index tensor, rejecting rows outside the table.
fn to_ids(dtype: Dtype, data: &[u8], rows: usize) -> Option<Vec<u32>> {
    let ids: Vec<i64> = match dtype {
        Dtype::I64 => data
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect(),
        Dtype::I32 => data
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)
            .collect(),
        _ => return None,
    };
    ids.into_iter()
        .map(|i| (i >= 0 && (i as usize) < rows).then_some(i as u32))
        .collect()
}
