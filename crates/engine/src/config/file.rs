//! The YAML file format (`.amanmcp.yaml`, user config). Unknown keys are
//! errors so a typo never silently does nothing.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{parse_device, parse_kind, Config};
use crate::EngineError;

/// One config file as written; every field optional so files layer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    embedder: Option<String>,
    model: Option<String>,
    static_model: Option<String>,
    device: Option<String>,
    ollama: Option<OllamaSection>,
    openai: Option<OpenAiSection>,
    remote: Option<RemoteSection>,
    embedding: Option<EmbeddingSection>,
    chunking: Option<ChunkingSection>,
    scan: Option<ScanSection>,
    search: Option<SearchSection>,
    index: Option<IndexSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OllamaSection {
    host: Option<String>,
    model: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenAiSection {
    url: Option<String>,
    model: Option<String>,
    dimensions: Option<usize>,
    input_type: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoteSection {
    concurrency: Option<usize>,
    batch_size: Option<usize>,
    timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmbeddingSection {
    batch_token_budget: Option<usize>,
    threads: Option<usize>,
    allow_download: Option<bool>,
    cache_path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChunkingSection {
    max_tokens: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanSection {
    max_file_size: Option<u64>,
    ignore: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchSection {
    bm25_weight: Option<f32>,
    vector_weight: Option<f32>,
    rrf_k: Option<f32>,
    test_penalty: Option<f32>,
    symbol_boost: Option<f32>,
    path_boost: Option<f32>,
    rerank: Option<bool>,
    query_adapter: Option<bool>,
    default_limit: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexSection {
    lock_timeout_secs: Option<u64>,
}

impl FileConfig {
    /// Reads and parses one file; errors name the file and the offending key.
    pub fn read(path: &Path) -> Result<FileConfig, EngineError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EngineError::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Parses YAML text; `origin` is only used in messages.
    pub fn parse(text: &str, origin: &Path) -> Result<FileConfig, EngineError> {
        if text.trim().is_empty() {
            return Ok(FileConfig::default());
        }
        serde_yaml::from_str(text)
            .map_err(|e| EngineError::Config(format!("{}: {e}", origin.display())))
    }

    /// Overlays the keys present in this file onto `c`.
    pub fn apply(self, c: &mut Config, origin: &Path) -> Result<(), EngineError> {
        let at = |key: &str| format!("{key} in {}", origin.display());
        if let Some(v) = self.embedder {
            c.embedder = parse_kind(&v, &at("embedder"))?;
        }
        set(&mut c.model, self.model);
        set(&mut c.static_model, self.static_model);
        if let Some(v) = self.device {
            c.device = parse_device(&v, &at("device"))?;
        }
        if let Some(s) = self.ollama {
            if let Some(v) = s.host {
                c.ollama_host = v;
            }
            if let Some(v) = s.model {
                c.ollama_model = v;
            }
        }
        if let Some(s) = self.openai {
            set(&mut c.openai_url, s.url);
            set(&mut c.openai_model, s.model);
            set(&mut c.openai_dimensions, s.dimensions);
            assign(&mut c.openai_input_type, s.input_type);
        }
        if let Some(s) = self.remote {
            assign(&mut c.remote_concurrency, s.concurrency);
            assign(&mut c.remote_batch_size, s.batch_size);
            if let Some(v) = s.timeout_secs {
                c.remote_timeout = Duration::from_secs(v);
            }
        }
        if let Some(s) = self.embedding {
            assign(&mut c.batch_token_budget, s.batch_token_budget);
            set(&mut c.threads, s.threads);
            assign(&mut c.allow_download, s.allow_download);
            set(&mut c.cache_path, s.cache_path.map(|p| expand_tilde(&p)));
        }
        if let Some(s) = self.chunking {
            assign(&mut c.max_chunk_tokens, s.max_tokens);
        }
        if let Some(s) = self.scan {
            assign(&mut c.max_file_size, s.max_file_size);
            if let Some(v) = s.ignore {
                c.ignore.extend(v);
            }
        }
        if let Some(s) = self.search {
            assign(&mut c.ranking.bm25_weight, s.bm25_weight);
            assign(&mut c.ranking.vector_weight, s.vector_weight);
            assign(&mut c.ranking.rrf_k, s.rrf_k);
            assign(&mut c.ranking.test_penalty, s.test_penalty);
            assign(&mut c.ranking.symbol_boost, s.symbol_boost);
            assign(&mut c.ranking.path_boost, s.path_boost);
            assign(&mut c.ranking.rerank, s.rerank);
            assign(&mut c.query_adapter, s.query_adapter);
            assign(&mut c.default_limit, s.default_limit);
        }
        if let Some(s) = self.index {
            if let Some(v) = s.lock_timeout_secs {
                c.lock_timeout = Duration::from_secs(v);
            }
        }
        Ok(())
    }
}

fn set<T>(slot: &mut Option<T>, v: Option<T>) {
    if v.is_some() {
        *slot = v;
    }
}

fn assign<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

/// `~/x` → `$HOME/x`, as users write paths in YAML.
pub(super) fn expand_tilde(p: &str) -> std::path::PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(p),
    }
}
