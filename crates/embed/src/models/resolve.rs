//! Turning a model id or path into a directory of model files.

use std::path::{Path, PathBuf};

use super::registry::{find_known, ModelKind};
use crate::EmbedError;

/// A model located on disk, ready for a backend's `load`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedModel {
    /// Directory holding config.json, tokenizer.json and the safetensors.
    pub dir: PathBuf,
    /// Canonical id recorded in the index manifest (the full Hugging Face id
    /// for known models, whichever way they were named).
    pub model_id: String,
    /// Backend that runs it.
    pub kind: ModelKind,
}

/// amanmcp's own model directory: `$AMANMCP_MODELS_DIR`, else
/// `$HOME/.cache/amanmcp/models`. `scripts/fetch-models.sh` installs there.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AMANMCP_MODELS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("amanmcp").join("models")
}

/// Finds a model: an existing directory path; `models_dir()/<name>`; the
/// Hugging Face hub cache (`HF_HUB_CACHE`, else `HF_HOME/hub`, else
/// `~/.cache/huggingface/hub`); then, when `allow_download` and
/// `HF_HUB_OFFLINE` is unset, a one-time download into that cache.
pub fn resolve_model(id_or_path: &str, allow_download: bool) -> Result<ResolvedModel, EmbedError> {
    let trimmed = id_or_path.trim();
    if trimmed.is_empty() {
        return Err(EmbedError::Config("empty model name".to_string()));
    }
    let as_path = Path::new(trimmed);
    if as_path.is_dir() {
        let name = as_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| trimmed.to_string());
        return finish(as_path.to_path_buf(), canonical_id(&name), trimmed);
    }
    let name = trimmed
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(trimmed);
    let local = models_dir().join(name);
    if local.join("config.json").is_file() {
        return finish(local, canonical_id(trimmed), trimmed);
    }
    let hub_id = hub_id(trimmed);
    let cache = hf_cache();
    if let Some(id) = &hub_id {
        if let Some(dir) = cached_snapshot(&cache, id) {
            return finish(dir, id.clone(), trimmed);
        }
        let offline = std::env::var_os("HF_HUB_OFFLINE").is_some_and(|v| !v.is_empty() && v != "0");
        if allow_download && !offline {
            let dir = download(&cache, id)?;
            return finish(dir, id.clone(), trimmed);
        }
    }
    Err(EmbedError::ModelNotFound {
        model: trimmed.to_string(),
        hint: format!(
            "not a directory, not in {} and not in the Hugging Face cache ({}){}; run `amanmcp model fetch {}` or put config.json, tokenizer.json and model.safetensors in {}",
            models_dir().display(),
            cache.path().display(),
            if allow_download { "; downloads are off (HF_HUB_OFFLINE) or the id is not a hub id" } else { "" },
            hub_id.as_deref().unwrap_or(trimmed),
            local.display()
        ),
    })
}

/// Reads which backend a model directory needs: `model_type` in
/// config.json for transformers, an `embeddings` tensor for model2vec.
pub fn detect_kind(dir: &Path) -> Result<ModelKind, EmbedError> {
    let load_err = |reason: String| EmbedError::Load {
        model: dir.display().to_string(),
        reason,
    };
    let config_path = dir.join("config.json");
    let raw = std::fs::read_to_string(&config_path)
        .map_err(|e| load_err(format!("{}: {e}", config_path.display())))?;
    let config: serde_json::Value = serde_json::from_str(&raw)
        .map_err(|e| load_err(format!("{}: {e}", config_path.display())))?;
    match config.get("model_type").and_then(|v| v.as_str()) {
        Some("bert") => return Ok(ModelKind::Bert),
        Some("qwen3") => return Ok(ModelKind::Qwen3),
        Some("model2vec") => return Ok(ModelKind::Static),
        _ => {}
    }
    if safetensors_has(&dir.join("model.safetensors"), "embeddings") {
        return Ok(ModelKind::Static);
    }
    Err(load_err(format!(
        "unsupported model type {:?}: amanmcp runs BERT-family, Qwen3 and model2vec models",
        config.get("model_type")
    )))
}

fn finish(dir: PathBuf, model_id: String, asked: &str) -> Result<ResolvedModel, EmbedError> {
    let kind = detect_kind(&dir).map_err(|e| match e {
        EmbedError::Load { reason, .. } => EmbedError::Load {
            model: asked.to_string(),
            reason,
        },
        other => other,
    })?;
    Ok(ResolvedModel {
        dir,
        model_id,
        kind,
    })
}

/// Full id for known short names, else the name as given.
fn canonical_id(name: &str) -> String {
    find_known(name)
        .map(|m| m.id.to_string())
        .unwrap_or_else(|| name.to_string())
}

/// A hub id (`owner/name`) for the request, expanding known short names.
fn hub_id(name: &str) -> Option<String> {
    if let Some(known) = find_known(name) {
        return Some(known.id.to_string());
    }
    let parts: Vec<&str> = name.split('/').collect();
    (parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != ".."))
    .then(|| name.to_string())
}

fn hf_cache() -> hf_hub::Cache {
    match std::env::var_os("HF_HUB_CACHE").filter(|v| !v.is_empty()) {
        Some(dir) => hf_hub::Cache::new(PathBuf::from(dir)),
        None => hf_hub::Cache::from_env(),
    }
}

/// Snapshot directory of a cached model, when its essential files are there.
fn cached_snapshot(cache: &hf_hub::Cache, id: &str) -> Option<PathBuf> {
    let repo = cache.model(id.to_string());
    let config = repo.get("config.json")?;
    repo.get("tokenizer.json")?;
    let dir = config.parent()?.to_path_buf();
    has_weights(&dir).then_some(dir)
}

fn has_weights(dir: &Path) -> bool {
    dir.join("model.safetensors").is_file() || dir.join("model.safetensors.index.json").is_file()
}

/// Downloads the files a backend needs into the HF cache; returns the snapshot dir.
fn download(cache: &hf_hub::Cache, id: &str) -> Result<PathBuf, EmbedError> {
    let fail = |reason: String| {
        EmbedError::ModelNotFound {
        model: id.to_string(),
        hint: format!("download from the Hugging Face hub failed: {reason}; check the id and network, or put the files in {}", models_dir().join(id.rsplit('/').next().unwrap_or(id)).display()),
    }
    };
    let api = hf_hub::api::sync::ApiBuilder::from_cache(cache.clone())
        .with_progress(false)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let repo = api.model(id.to_string());
    tracing::info!(model = id, "downloading model from the Hugging Face hub");
    let config = repo.get("config.json").map_err(|e| fail(e.to_string()))?;
    repo.get("tokenizer.json")
        .map_err(|e| fail(e.to_string()))?;
    // Optional: sentence-transformers pooling config.
    let _ = repo.get("1_Pooling/config.json");
    if repo.get("model.safetensors").is_err() {
        let index = repo
            .get("model.safetensors.index.json")
            .map_err(|e| fail(format!("no model.safetensors nor index: {e}")))?;
        for shard in shard_files(&index)? {
            repo.get(&shard).map_err(|e| fail(e.to_string()))?;
        }
    }
    config
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| fail("cache path has no parent".to_string()))
}

/// Shard file names listed in a `model.safetensors.index.json`.
pub(crate) fn shard_files(index: &Path) -> Result<Vec<String>, EmbedError> {
    let raw = std::fs::read_to_string(index).map_err(|e| EmbedError::Load {
        model: index.display().to_string(),
        reason: e.to_string(),
    })?;
    let v: serde_json::Value = serde_json::from_str(&raw).map_err(|e| EmbedError::Load {
        model: index.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut files: Vec<String> = v
        .get("weight_map")
        .and_then(|m| m.as_object())
        .map(|m| {
            m.values()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.dedup();
    Ok(files)
}

/// True when a safetensors file's header names `tensor` (reads the header only).
fn safetensors_has(path: &Path, tensor: &str) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut len = [0u8; 8];
    if f.read_exact(&mut len).is_err() {
        return false;
    }
    let n = u64::from_le_bytes(len);
    if n > 100_000_000 {
        return false;
    }
    let mut header = vec![0u8; n as usize];
    if f.read_exact(&mut header).is_err() {
        return false;
    }
    serde_json::from_slice::<serde_json::Value>(&header)
        .ok()
        .and_then(|v| v.get(tensor).map(|_| ()))
        .is_some()
}
