//! Ollama client: batched `POST /api/embed` (`input` array, `truncate:
//! true`), model presence checks via `/api/tags` and `/api/show`, and the
//! `ollama pull` hint when the model is missing.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use amanmcp_chunker::{EstimateCounter, TokenCounter};
use serde::Deserialize;

use super::http::{Failure, HttpClient, RequestError};
use super::pipeline::{check_batch, embed_batched};
use super::RemoteOptions;
use crate::prefix::{self, Prefixes};
use crate::{EmbedError, Embedder, EmbedderInfo};

/// Ollama's default port when a host is given without scheme and port.
const DEFAULT_PORT: u16 = 11434;
/// Longest input assumed when `/api/show` does not say; Ollama truncates
/// longer inputs (we send `truncate: true`).
const FALLBACK_MAX_TOKENS: usize = 512;
/// Cap on the advertised context: Ollama runs embedding models with a
/// context (`num_ctx`) of 2048 unless the Modelfile raises it, whatever the
/// model could do.
const OLLAMA_CONTEXT_CAP: usize = 2048;

/// Embeds through an Ollama server, several batched requests in flight.
pub struct OllamaEmbedder {
    client: HttpClient,
    host: String,
    model: String,
    info: EmbedderInfo,
    prefixes: Prefixes,
}

impl std::fmt::Debug for OllamaEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OllamaEmbedder")
            .field("host", &self.host)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct EmbedResponse {
    embeddings: Vec<Vec<f32>>,
}

#[derive(Deserialize)]
struct TagsResponse {
    #[serde(default)]
    models: Vec<TagEntry>,
}

#[derive(Deserialize)]
struct TagEntry {
    #[serde(default)]
    name: String,
    #[serde(default)]
    model: String,
}

impl OllamaEmbedder {
    /// Connects to `host` and learns the model's dimensions with one small
    /// embedding request. Fails with [`EmbedError::ModelNotFound`] (carrying
    /// the exact `ollama pull` command) when the server lacks the model, and
    /// with [`EmbedError::Remote`] when it is unreachable.
    pub fn connect(host: &str, model: &str, options: &RemoteOptions) -> Result<Self, EmbedError> {
        let host = normalize_host(host)?;
        let model = model.trim();
        if model.is_empty() {
            return Err(EmbedError::Config("Ollama model name is empty".into()));
        }
        let client = HttpClient::new(options, None);
        let max_tokens = context_length(&client, &host, model)
            .map(|n| n.min(OLLAMA_CONTEXT_CAP))
            .unwrap_or(FALLBACK_MAX_TOKENS);
        let mut embedder = Self {
            client,
            model: model.to_string(),
            info: EmbedderInfo {
                backend: "ollama".into(),
                model_id: model.to_string(),
                dims: 0,
                max_tokens,
                device: "remote".into(),
            },
            prefixes: prefix::for_model(model),
            host,
        };
        let raw = embedder.request(&[Cow::Borrowed("dimension probe")])?;
        let first = check_batch(raw, 1, None, &embedder.endpoint())?;
        embedder.info.dims = first.first().map(Vec::len).unwrap_or(0);
        tracing::info!(
            "ollama: {} at {} gives {}-dimensional vectors",
            embedder.model,
            embedder.host,
            embedder.info.dims
        );
        Ok(embedder)
    }

    /// Quick check for the fallback chain: is the server reachable within
    /// `timeout` and does it list `model`? No retries, no embedding.
    pub fn probe(host: &str, model: &str, timeout: Duration) -> Result<(), EmbedError> {
        let host = normalize_host(host)?;
        let opts = RemoteOptions {
            timeout,
            max_retries: 0,
            ..RemoteOptions::default()
        };
        let client = HttpClient::new(&opts, None);
        let endpoint = endpoint_name(&host);
        let body = client
            .get_once(&format!("{host}/api/tags"), timeout)
            .map_err(|f| EmbedError::Remote {
                endpoint: endpoint.clone(),
                reason: format!("not reachable: {f}"),
            })?;
        let tags: TagsResponse = serde_json::from_slice(&body).map_err(|e| EmbedError::Remote {
            endpoint: endpoint.clone(),
            reason: format!("/api/tags answered with something that is not Ollama's JSON: {e}"),
        })?;
        let present = tags
            .models
            .iter()
            .any(|t| same_model(&t.name, model) || same_model(&t.model, model));
        if present {
            Ok(())
        } else {
            Err(not_found(&host, model))
        }
    }

    /// The normalized server URL, e.g. `http://localhost:11434`.
    pub fn host(&self) -> &str {
        &self.host
    }

    fn endpoint(&self) -> String {
        endpoint_name(&self.host)
    }

    /// One `/api/embed` call (with retries) returning raw vectors.
    fn request(&self, batch: &[Cow<'_, str>]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let body = serde_json::json!({
            "model": self.model,
            "input": batch,
            "truncate": true,
        });
        let url = format!("{}/api/embed", self.host);
        let bytes = self
            .client
            .post_json(&url, &body)
            .map_err(|e| self.map_failure(e))?;
        let parsed: EmbedResponse =
            serde_json::from_slice(&bytes).map_err(|e| EmbedError::Remote {
                endpoint: self.endpoint(),
                reason: malformed("/api/embed", &bytes, &e),
            })?;
        Ok(parsed.embeddings)
    }

    fn map_failure(&self, err: RequestError) -> EmbedError {
        if let Failure::Status { code, message, .. } = &err.failure {
            let lower = message.to_ascii_lowercase();
            if lower.contains("page not found") {
                return EmbedError::Remote {
                    endpoint: self.endpoint(),
                    reason: "this server has no /api/embed endpoint (Ollama 0.3.4 or newer is required; is this really Ollama?)".into(),
                };
            }
            if *code == 404 || (lower.contains("not found") && lower.contains("model")) {
                return not_found(&self.host, &self.model);
            }
        }
        EmbedError::Remote {
            endpoint: self.endpoint(),
            reason: err.to_string(),
        }
    }

    fn embed_prefixed(&self, texts: &[&str], prefix: &str) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prepared: Vec<Cow<'_, str>> = texts.iter().map(|t| prefix::apply(prefix, t)).collect();
        embed_batched(
            &prepared,
            self.client.options(),
            Some(self.info.dims),
            &self.endpoint(),
            |batch| self.request(batch),
        )
    }
}

impl Embedder for OllamaEmbedder {
    fn info(&self) -> &EmbedderInfo {
        &self.info
    }

    fn embed_documents(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_prefixed(texts, &self.prefixes.document)
    }

    fn embed_query(&self, query: &str) -> Result<Vec<f32>, EmbedError> {
        let mut out = self.embed_prefixed(&[query], &self.prefixes.query)?;
        out.pop().ok_or_else(|| EmbedError::Remote {
            endpoint: self.endpoint(),
            reason: "no vector for the query".into(),
        })
    }

    fn token_counter(&self) -> Arc<dyn TokenCounter> {
        Arc::new(EstimateCounter)
    }
}

/// `/api/show`'s `<arch>.context_length`, best effort (older servers and
/// errors give `None`).
fn context_length(client: &HttpClient, host: &str, model: &str) -> Option<usize> {
    let body = serde_json::json!({ "model": model });
    let bytes = client
        .post_once(&format!("{host}/api/show"), &body, Duration::from_secs(5))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let info = value.get("model_info")?;
    let arch = info.get("general.architecture")?.as_str()?;
    let n = info.get(format!("{arch}.context_length"))?.as_u64()?;
    usize::try_from(n).ok()
}

fn not_found(host: &str, model: &str) -> EmbedError {
    EmbedError::ModelNotFound {
        model: model.to_string(),
        hint: format!("the Ollama server at {host} does not have it; run `ollama pull {model}`"),
    }
}

fn endpoint_name(host: &str) -> String {
    format!("Ollama at {host}")
}

/// Explains a JSON parse failure, naming NaN/Infinity when the server sent
/// them (they are not JSON; the model produced non-finite values).
pub(super) fn malformed(route: &str, body: &[u8], e: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(body);
    if text.contains("NaN") || text.contains("Infinity") {
        format!("{route} answered with non-finite numbers (NaN/Infinity) — the model produced broken vectors: {e}")
    } else {
        format!("{route} answered with malformed JSON: {e}")
    }
}

/// Ollama names match with or without the implicit `:latest` tag.
fn same_model(listed: &str, wanted: &str) -> bool {
    let strip = |s: &str| s.strip_suffix(":latest").unwrap_or(s).to_string();
    !listed.is_empty() && strip(listed) == strip(wanted)
}

/// Accepts `host`, `host:port` or a full URL (as `OLLAMA_HOST` does) and
/// returns `scheme://host:port` without a trailing slash.
pub(crate) fn normalize_host(host: &str) -> Result<String, EmbedError> {
    let h = host.trim().trim_end_matches('/');
    if h.is_empty() {
        return Err(EmbedError::Config("Ollama host is empty".into()));
    }
    if let Some((scheme, _)) = h.split_once("://") {
        if scheme != "http" && scheme != "https" {
            return Err(EmbedError::Config(format!(
                "Ollama host `{h}` must use http:// or https://"
            )));
        }
        return Ok(h.to_string());
    }
    let has_port = if h.starts_with('[') {
        h.contains("]:")
    } else {
        h.contains(':')
    };
    Ok(if has_port {
        format!("http://{h}")
    } else {
        format!("http://{h}:{DEFAULT_PORT}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_like_ollama_host() {
        assert_eq!(
            normalize_host("localhost").unwrap(),
            "http://localhost:11434"
        );
        assert_eq!(
            normalize_host("10.0.0.2:9999").unwrap(),
            "http://10.0.0.2:9999"
        );
        assert_eq!(
            normalize_host("https://gpu.example/").unwrap(),
            "https://gpu.example"
        );
        assert!(normalize_host("ftp://x").is_err());
        assert!(normalize_host(" ").is_err());
    }

    #[test]
    fn latest_tag_is_implicit() {
        assert!(same_model("nomic-embed-text:latest", "nomic-embed-text"));
        assert!(same_model("qwen3-embedding:0.6b", "qwen3-embedding:0.6b"));
        assert!(!same_model("qwen3-embedding:4b", "qwen3-embedding:0.6b"));
    }
}
