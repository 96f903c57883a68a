//! Qwen3-Embedding: a causal decoder pooled at the last real token.
//!
//! Batches are right-padded: with causal attention a token never sees the
//! padding after it, so the last real token's state is independent of the
//! batch it ran in. The model keeps a private KV cache, so every batch runs
//! on a fresh clone (tensors are shared, the clone is cheap).

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_transformers::models::qwen3::{Config, Model};
use tokenizers::Encoding;

use super::files::{self, load_err};
use crate::EmbedError;

/// A loaded Qwen3 embedding model on one device.
pub(crate) struct Qwen3 {
    model: Model,
    device: Device,
    pub(crate) eos_id: Option<u32>,
    pub(crate) hidden: usize,
    pub(crate) max_positions: usize,
}

impl Qwen3 {
    pub(crate) fn load(
        dir: &Path,
        model_id: &str,
        device: &Device,
        eos_id: Option<u32>,
    ) -> Result<Self, EmbedError> {
        let config: Config = files::json(&dir.join("config.json"), model_id)?;
        let weights = files::weight_files(dir, model_id)?;
        // bf16 halves memory traffic on GPUs; the CPU path stays f32 (exact
        // and, in candle 0.11, the fastest CPU matmul).
        let dtype = if device.is_cpu() {
            DType::F32
        } else {
            DType::BF16
        };
        let names = files::tensor_names(&weights[0], model_id)?;
        let mut vb = files::var_builder(&weights, dtype, device, model_id)?;
        // Qwen3-Embedding checkpoints are saved without the `model.` prefix
        // the causal-LM layout (and candle) uses.
        if !names.iter().any(|n| n.starts_with("model.")) {
            vb = vb.rename_f(|n: &str| n.strip_prefix("model.").unwrap_or(n).to_string());
        }
        let model = Model::new(&config, vb).map_err(|e| load_err(model_id, e))?;
        Ok(Self {
            model,
            device: device.clone(),
            eos_id,
            hidden: config.hidden_size,
            max_positions: config.max_position_embeddings,
        })
    }

    /// Runs one batch and returns the hidden state of each text's last token.
    pub(crate) fn embed(&self, batch: &[&Encoding]) -> candle_core::Result<Vec<Vec<f32>>> {
        let rows: Vec<Vec<u32>> = batch.iter().map(|e| self.ids_with_eos(e)).collect();
        let longest = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let n = rows.len();
        let pad = self.eos_id.unwrap_or(0);
        let mut ids = vec![pad; n * longest];
        let mut last = Vec::with_capacity(n);
        for (r, row) in rows.iter().enumerate() {
            ids[r * longest..r * longest + row.len()].copy_from_slice(row);
            last.push((r * longest + row.len().max(1) - 1) as u32);
        }
        let ids = Tensor::from_vec(ids, (n, longest), &self.device)?;
        let mut model = self.model.clone();
        let hidden = model.forward(&ids, 0)?; // (n, longest, hidden)
        let flat = hidden.reshape((n * longest, self.hidden))?;
        let last = Tensor::from_vec(last, n, &self.device)?;
        flat.index_select(&last, 0)?
            .to_dtype(DType::F32)?
            .to_vec2::<f32>()
    }

    /// Token ids ending in EOS, as Qwen3-Embedding was trained (its
    /// tokenizer.json usually appends it; older copies do not).
    fn ids_with_eos(&self, enc: &Encoding) -> Vec<u32> {
        let mut ids = enc.get_ids().to_vec();
        if let Some(eos) = self.eos_id {
            if ids.last() != Some(&eos) {
                ids.push(eos);
            }
        }
        ids
    }
}
