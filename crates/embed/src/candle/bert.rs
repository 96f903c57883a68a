//! BERT-family encoders (MiniLM, bge, e5, gte) with sentence-transformers
//! pooling.

use std::path::Path;

use candle_core::{CpuStorage, DType, Device, Storage, Tensor, D};
use candle_transformers::models::bert::Config;

use super::bert_net::BertNet;
use tokenizers::Encoding;

use super::files::{self, load_err};
use crate::EmbedError;

/// How token vectors become one text vector (from `1_Pooling/config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pooling {
    Mean,
    Cls,
}

#[derive(serde::Deserialize, Default)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

/// A loaded BERT encoder on one device.
pub(crate) struct Bert {
    model: BertNet,
    pooling: Pooling,
    pad_id: u32,
    device: Device,
    pub(crate) hidden: usize,
    pub(crate) max_positions: usize,
}

impl Bert {
    pub(crate) fn load(dir: &Path, model_id: &str, device: &Device) -> Result<Self, EmbedError> {
        let config: Config = files::json(&dir.join("config.json"), model_id)?;
        let pooling = pooling(dir, model_id)?;
        let weights = files::weight_files(dir, model_id)?;
        let vb = files::var_builder(&weights, DType::F32, device, model_id)?;
        let model = BertNet::load(vb, &config).map_err(|e| load_err(model_id, e))?;
        Ok(Self {
            model,
            pooling,
            pad_id: config.pad_token_id as u32,
            device: device.clone(),
            hidden: config.hidden_size,
            max_positions: config.max_position_embeddings,
        })
    }

    /// Runs one batch; texts are padded to the batch's longest.
    pub(crate) fn embed(&self, batch: &[&Encoding]) -> candle_core::Result<Vec<Vec<f32>>> {
        let longest = batch.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        let n = batch.len();
        let mut ids = vec![self.pad_id; n * longest];
        let mut mask = vec![0u32; n * longest];
        for (row, enc) in batch.iter().enumerate() {
            let base = row * longest;
            ids[base..base + enc.len()].copy_from_slice(enc.get_ids());
            mask[base..base + enc.len()].copy_from_slice(enc.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (n, longest), &self.device)?;
        let mask_t = Tensor::from_vec(mask.clone(), (n, longest), &self.device)?;
        let hidden = self.model.forward(&ids, &mask_t)?;
        if let Some(pooled) = pool_cpu(&hidden, &mask, self.pooling) {
            return Ok(pooled);
        }
        let mask = mask_t;
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
            Pooling::Mean => {
                let m = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
                let summed = hidden.broadcast_mul(&m)?.sum(1)?;
                let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
                summed.broadcast_div(&counts)?
            }
        };
        pooled.to_dtype(DType::F32)?.to_vec2::<f32>()
    }
}

/// Pooling straight from the hidden states' CPU buffer `(b, l, hidden)`
/// with the host-side mask: one pass, no broadcast tensors (candle's
/// mul/sum/div took 5–10 ms per 4096-token batch). `None` off CPU.
fn pool_cpu(hidden: &Tensor, mask: &[u32], pooling: Pooling) -> Option<Vec<Vec<f32>>> {
    let (b, l, h) = hidden.dims3().ok()?;
    let (storage, layout) = hidden.storage_and_layout();
    let (Storage::Cpu(CpuStorage::F32(all)), Some((start, end))) =
        (&*storage, layout.contiguous_offsets())
    else {
        return None;
    };
    let all = &all[start..end];
    if all.len() != b * l * h || mask.len() != b * l || h == 0 || l == 0 {
        return None;
    }
    let pooled = all
        .chunks_exact(l * h)
        .zip(mask.chunks_exact(l))
        .map(|(text, m)| match pooling {
            Pooling::Cls => text[..h].to_vec(),
            Pooling::Mean => {
                let mut sum = vec![0f32; h];
                let mut count = 0f32;
                for (tok, &keep) in text.chunks_exact(h).zip(m) {
                    if keep != 0 {
                        sum.iter_mut().zip(tok).for_each(|(s, v)| *s += v);
                        count += 1.0;
                    }
                }
                let inv = 1.0 / count.max(1e-9);
                sum.iter_mut().for_each(|s| *s *= inv);
                sum
            }
        })
        .collect();
    Some(pooled)
}

fn pooling(dir: &Path, model_id: &str) -> Result<Pooling, EmbedError> {
    let path = dir.join("1_Pooling").join("config.json");
    if !path.is_file() {
        // bge models are CLS-pooled; the sentence-transformers default is mean.
        let name = model_id.to_ascii_lowercase();
        return Ok(if name.contains("bge-") {
            Pooling::Cls
        } else {
            Pooling::Mean
        });
    }
    let cfg: PoolingConfig = files::json(&path, model_id)?;
    match (cfg.pooling_mode_cls_token, cfg.pooling_mode_mean_tokens) {
        (true, _) => Ok(Pooling::Cls),
        (false, true) => Ok(Pooling::Mean),
        _ => Err(load_err(
            model_id,
            format!("{}: only mean or CLS pooling is supported", path.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_pooling_matches_tensor_ops() {
        let (b, l, h) = (3, 5, 7);
        let hidden = Tensor::randn(0f32, 1.0, (b, l, h), &Device::Cpu).unwrap();
        let mask: Vec<u32> = vec![1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
        let m = Tensor::from_vec(mask.clone(), (b, l), &Device::Cpu).unwrap();
        let m = m
            .to_dtype(DType::F32)
            .unwrap()
            .unsqueeze(D::Minus1)
            .unwrap();
        let summed = hidden.broadcast_mul(&m).unwrap().sum(1).unwrap();
        let counts = m.sum(1).unwrap().clamp(1e-9, f64::MAX).unwrap();
        let want: Vec<Vec<f32>> = summed.broadcast_div(&counts).unwrap().to_vec2().unwrap();
        let got = pool_cpu(&hidden, &mask, Pooling::Mean).unwrap();
        for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
            assert!((g - w).abs() < 1e-6, "{g} vs {w}");
        }
        let cls: Vec<Vec<f32>> = hidden
            .narrow(1, 0, 1)
            .unwrap()
            .squeeze(1)
            .unwrap()
            .to_vec2()
            .unwrap();
        assert_eq!(pool_cpu(&hidden, &mask, Pooling::Cls).unwrap(), cls);
    }
}
