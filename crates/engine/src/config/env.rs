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
    if let Some(v) = get("AMANMCP_OPENAI_INPUT_TYPE") {
        c.openai_input_type = boolean(&v, "AMANMCP_OPENAI_INPUT_TYPE")?;
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
        c.allow_download = boolean(&v, "AMANMCP_ALLOW_DOWNLOAD")?;
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

/// `1/true/yes/on` or `0/false/no/off`, any case; anything else is an error
/// naming the variable rather than a silent `false`.
fn boolean(v: &str, key: &str) -> Result<bool, EngineError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(EngineError::Config(format!(
            "`{key}`: expected true or false, got `{v}`"
        ))),
    }
}

fn num<T: std::str::FromStr>(v: &str, key: &str) -> Result<T, EngineError> {
    v.trim()
        .parse()
        .map_err(|_| EngineError::Config(format!("`{key}`: `{v}` is not a valid number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Config, EngineError> {
        let mut c = Config::default();
        apply(&mut c, |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })?;
        Ok(c)
    }

    #[test]
    fn openai_input_type_parses_like_the_other_booleans() {
        assert!(!with(&[]).unwrap().openai_input_type);
        for v in ["1", "true", "YES", "on"] {
            let c = with(&[("AMANMCP_OPENAI_INPUT_TYPE", v)]).unwrap();
            assert!(c.openai_input_type, "{v}");
            assert!(c.embedder_config().openai_input_type, "{v}");
        }
        for v in ["0", "false", "No", "off"] {
            assert!(
                !with(&[("AMANMCP_OPENAI_INPUT_TYPE", v)])
                    .unwrap()
                    .openai_input_type
            );
        }
        let e = with(&[("AMANMCP_OPENAI_INPUT_TYPE", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AMANMCP_OPENAI_INPUT_TYPE") && e.contains("maybe"),
            "{e}"
        );
        let e = with(&[("AMANMCP_ALLOW_DOWNLOAD", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("AMANMCP_ALLOW_DOWNLOAD"), "{e}");
    }
}
