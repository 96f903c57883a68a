//! model2vec static embeddings: a token → vector table, averaged per text.
//!
//! No neural network runs, so a repository embeds in about a second; quality
//! is below the transformer models. Supports f32/f16/bf16/int8 tables and the
//! vocabulary-quantized layout (`mapping` token → row, `weights` per token).

use std::path::Path;
use std::sync::Arc;

use amanmcp_chunker::TokenCounter;
use rayon::prelude::*;
use safetensors::{Dtype, SafeTensors};

use crate::static_tokenize::StaticTokenizer;
use crate::{vectors, EmbedError, Embedder, EmbedderInfo};

/// Tokens per text considered; model2vec uses the same limit.
const MAX_TOKENS: usize = 512;

/// Texts per parallel task: large enough that the shared word cache is
/// locked once per many texts, small enough to balance the threads.
const TEXTS_PER_TASK: usize = 32;

/// Row marker in [`StaticEmbedder::tokens`] for tokens pooling skips.
const SKIP: u32 = u32::MAX;

/// Embedding rows. Int8 tables stay int8: a quarter of the memory to walk,
/// and each value converts to f32 exactly, so sums are the same.
enum Table {
    F32(Vec<f32>),
    I8(Vec<i8>),
}

/// A model2vec model loaded into memory.
pub struct StaticEmbedder {
    table: Table,
    dims: usize,
    /// Per token id: table row (or [`SKIP`]) and weight, resolved once at
    /// load from `mapping`, `weights` and the unknown token, so pooling
    /// does one lookup per token.
    tokens: Vec<(u32, f32)>,
    /// Also the chunker's token counter, so both share one tokenizer and
    /// one word cache.
    tokenizer: Arc<StaticTokenizer>,
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
        let table =
            match emb.dtype() {
                Dtype::I8 => Table::I8(emb.data().iter().map(|&b| b as i8).collect()),
                dtype => Table::F32(to_f32(dtype, emb.data()).ok_or_else(|| {
                    err(model_id, format!("unsupported embeddings dtype {dtype:?}"))
                })?),
            };
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
        let tokenizer = StaticTokenizer::from_file(&tok_path)
            .map_err(|e| err(model_id, format!("{}: {e}", tok_path.display())))?;
        let unk_id = ["[UNK]", "<unk>"]
            .iter()
            .find_map(|t| tokenizer.token_to_id(t));
        let tokenizer = Arc::new(tokenizer);
        Ok(Self {
            table,
            dims,
            tokens: token_rows(rows, mapping, weights, unk_id),
            tokenizer,
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
        let d = self.dims;
        let mut acc = vec![0f32; d];
        let mut n = 0usize;
        for &id in ids {
            let Some(&(row, w)) = self.tokens.get(id as usize) else {
                continue;
            };
            if row == SKIP {
                continue;
            }
            let r = row as usize * d;
            match &self.table {
                Table::F32(t) => acc
                    .iter_mut()
                    .zip(&t[r..r + d])
                    .for_each(|(a, s)| *a += w * s),
                Table::I8(t) => acc
                    .iter_mut()
                    .zip(&t[r..r + d])
                    .for_each(|(a, &s)| *a += w * f32::from(s)),
            }
            n += 1;
        }
        if n == 0 {
            return Err(vectors::empty_input(index));
        }
        vectors::finish(acc, None)
    }
}

/// Resolves every token id to (row, weight): through `mapping` when the
/// vocabulary is quantized (weight from `weights`, else 1), else the id is
/// the row (weight from `weights` where present, else 1). Ids past the
/// table and the unknown token map to [`SKIP`].
fn token_rows(
    rows: usize,
    mapping: Option<Vec<u32>>,
    weights: Option<Vec<f32>>,
    unk_id: Option<u32>,
) -> Vec<(u32, f32)> {
    let weight = |id: usize| weights.as_ref().and_then(|w| w.get(id).copied());
    let mut out: Vec<(u32, f32)> = match &mapping {
        Some(m) => m
            .iter()
            .enumerate()
            .map(|(id, &r)| (r, weight(id).unwrap_or(1.0)))
            .collect(),
        None => (0..rows)
            .map(|id| {
                let row = u32::try_from(id).unwrap_or(SKIP);
                (row, weight(id).unwrap_or(1.0))
            })
            .collect(),
    };
    if let Some(t) = unk_id.and_then(|u| out.get_mut(u as usize)) {
        t.0 = SKIP;
    }
    out
}

impl Embedder for StaticEmbedder {
    fn info(&self) -> &EmbedderInfo {
        &self.info
    }

    fn embed_documents(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        // Tasks of many texts share one word-cache session; results stay in
        // order so the first failing text is the one reported.
        let parts: Vec<Vec<Result<Vec<f32>, EmbedError>>> = texts
            .par_chunks(TEXTS_PER_TASK)
            .enumerate()
            .map(|(c, chunk)| {
                let ids = self
                    .tokenize_clock
                    .time(|| self.tokenizer.ids_batch(chunk, Some(MAX_TOKENS)));
                ids.into_iter()
                    .enumerate()
                    .map(|(i, ids)| self.pool(&ids?, c * TEXTS_PER_TASK + i))
                    .collect()
            })
            .collect();
        parts.into_iter().flatten().collect()
    }

    fn embed_query(&self, query: &str) -> Result<Vec<f32>, EmbedError> {
        let ids = self.tokenizer.ids(query, Some(MAX_TOKENS))?;
        self.pool(&ids, 0)
    }

    fn token_counter(&self) -> Arc<dyn TokenCounter> {
        self.tokenizer.clone()
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
