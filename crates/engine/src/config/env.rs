//! `AMANMCP_*` environment variables, one per config key.

use std::time::Duration;

use super::{parse_device, parse_kind, Config};
use crate::EngineError;

/// Overlays environment variables read through `get` onto `c`. Values that
/// do not parse are errors naming the variable.
pub(super) fn apply(
    c: &mut Config,
    get: impl Fn(&str) -> Option<String>,
) -> Result<(), EngineError> {
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    if let Some(v) = get("AMANMCP_EMBEDDER") {
        c.embedder = parse_kind(&v, "AMANMCP_EMBEDDER")?;
    }
    if let Some(v) = get("AMANMCP_MODEL") {
        c.model = Some(v);
    }
    if let Some(v) = get("AMANMCP_STATIC_MODEL") {
        c.static_model = Some(v);
    }
    if let Some(v) = get("AMANMCP_DEVICE") {
        c.device = parse_device(&v, "AMANMCP_DEVICE")?;
    }
    if let Some(v) = get("AMANMCP_OLLAMA_HOST") {
        c.ollama_host = v;
    }
    if let Some(v) = get("AMANMCP_OLLAMA_MODEL") {
        c.ollama_model = v;
    }
    if let Some(v) = get("AMANMCP_OPENAI_URL") {
        c.openai_url = Some(v);
    }
    if let Some(v) = get("AMANMCP_OPENAI_MODEL") {
        c.openai_model = Some(v);
    }
    if let Some(v) = get("AMANMCP_OPENAI_API_KEY") {
        c.openai_api_key = Some(v);
    }
    if let Some(v) = get("AMANMCP_OPENAI_DIMENSIONS") {
        c.openai_dimensions = Some(num(&v, "AMANMCP_OPENAI_DIMENSIONS")?);
    }
    if let Some(v) = get("AMANMCP_REMOTE_CONCURRENCY") {
        c.remote_concurrency = num(&v, "AMANMCP_REMOTE_CONCURRENCY")?;
    }
    if let Some(v) = get("AMANMCP_REMOTE_TIMEOUT_SECS") {
        c.remote_timeout = Duration::from_secs(num(&v, "AMANMCP_REMOTE_TIMEOUT_SECS")?);
    }
    if let Some(v) = get("AMANMCP_THREADS") {
        c.threads = Some(num(&v, "AMANMCP_THREADS")?);
    }
    if let Some(v) = get("AMANMCP_ALLOW_DOWNLOAD") {
        c.allow_download = match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" => false,
            _ => {
                return Err(EngineError::Config(format!(
                    "`AMANMCP_ALLOW_DOWNLOAD`: expected true or false, got `{v}`"
                )))
            }
        };
    }
    if let Some(v) = get("AMANMCP_CACHE_PATH") {
        c.cache_path = Some(super::file::expand_tilde(&v));
    }
    if let Some(v) = get("AMANMCP_MAX_CHUNK_TOKENS") {
        c.max_chunk_tokens = num(&v, "AMANMCP_MAX_CHUNK_TOKENS")?;
    }
    if let Some(v) = get("AMANMCP_MAX_FILE_SIZE") {
        c.max_file_size = num(&v, "AMANMCP_MAX_FILE_SIZE")?;
    }
    if let Some(v) = get("AMANMCP_BM25_WEIGHT") {
        c.ranking.bm25_weight = num(&v, "AMANMCP_BM25_WEIGHT")?;
    }
    if let Some(v) = get("AMANMCP_VECTOR_WEIGHT") {
        c.ranking.vector_weight = num(&v, "AMANMCP_VECTOR_WEIGHT")?;
    }
    Ok(())
}

fn num<T: std::str::FromStr>(v: &str, key: &str) -> Result<T, EngineError> {
    v.trim()
        .parse()
        .map_err(|_| EngineError::Config(format!("`{key}`: `{v}` is not a valid number")))
}
