//! Loading the pieces every transformer model shares: tokenizer, config
//! JSON and safetensors weights.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::{Tokenizer, TruncationParams};

use crate::EmbedError;

pub(crate) fn load_err(model: &str, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::Load {
        model: model.to_string(),
        reason: reason.to_string(),
    }
}

/// tokenizer.json with truncation at `max_tokens` and padding off (batches
/// are padded by the backend, per length-sorted batch).
pub(crate) fn tokenizer(
    dir: &Path,
    model: &str,
    max_tokens: usize,
) -> Result<Tokenizer, EmbedError> {
    let path = dir.join("tokenizer.json");
    let mut tok = Tokenizer::from_file(&path)
        .map_err(|e| load_err(model, format!("{}: {e}", path.display())))?;
    tok.with_padding(None);
    tok.with_truncation(Some(TruncationParams {
        max_length: max_tokens,
        ..Default::default()
    }))
    .map_err(|e| load_err(model, format!("truncation: {e}")))?;
    Ok(tok)
}

/// Parses a JSON file into `T`, naming the file in errors.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    path: &Path,
    model: &str,
) -> Result<T, EmbedError> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| load_err(model, format!("{}: {e}", path.display())))?;
    serde_json::from_str(&raw).map_err(|e| load_err(model, format!("{}: {e}", path.display())))
}

/// The model's safetensors files: `model.safetensors`, or the shards named
/// by `model.safetensors.index.json`.
pub(crate) fn weight_files(dir: &Path, model: &str) -> Result<Vec<PathBuf>, EmbedError> {
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = dir.join("model.safetensors.index.json");
    if index.is_file() {
        let files: Vec<PathBuf> = crate::models::shard_files(&index)?
            .into_iter()
            .map(|f| dir.join(f))
            .collect();
        if let Some(missing) = files.iter().find(|f| !f.is_file()) {
            return Err(load_err(
                model,
                format!("missing shard {}", missing.display()),
            ));
        }
        return Ok(files);
    }
    Err(load_err(
        model,
        format!("no model.safetensors in {}", dir.display()),
    ))
}

/// Memory-maps the weights into a `VarBuilder` of `dtype` on `device`.
pub(crate) fn var_builder(
    files: &[PathBuf],
    dtype: DType,
    device: &Device,
    model: &str,
) -> Result<VarBuilder<'static>, EmbedError> {
    // SAFETY: the files are memory-mapped read-only; modifying them while
    // amanmcp runs is outside its contract (same as every mmap-based loader).
    unsafe { VarBuilder::from_mmaped_safetensors(files, dtype, device) }
        .map_err(|e| load_err(model, e))
}

/// Tensor names in the first weight file, to adapt to checkpoints saved with
/// or without a `model.` prefix.
pub(crate) fn tensor_names(file: &Path, model: &str) -> Result<Vec<String>, EmbedError> {
    use std::io::Read;
    let mut f = std::fs::File::open(file).map_err(|e| load_err(model, e))?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len).map_err(|e| load_err(model, e))?;
    let n = u64::from_le_bytes(len);
    if n > 100_000_000 {
        return Err(load_err(model, "safetensors header too large"));
    }
    let mut header = vec![0u8; n as usize];
    f.read_exact(&mut header).map_err(|e| load_err(model, e))?;
    let v: serde_json::Value = serde_json::from_slice(&header).map_err(|e| load_err(model, e))?;
    Ok(v.as_object()
        .map(|o| o.keys().filter(|k| *k != "__metadata__").cloned().collect())
        .unwrap_or_default())
}
