//! all-MiniLM-L6-v2 on candle CPU against sentence-transformers reference
//! values. Needs `scripts/fetch-models.sh`; skips loudly without the model
//! unless AMANMCP_REQUIRE_MODELS is set (CI), where it fails.

use amanmcp_embed::candle::{CandleEmbedder, CandleOptions, DeviceChoice};
use amanmcp_embed::models::{resolve_model, ModelKind};
use amanmcp_embed::Embedder;

#[path = "support/fetched.rs"]
mod fetched;

use fetched::fetched_model;

fn minilm(budget: usize) -> Option<CandleEmbedder> {
    let dir = fetched_model("all-MiniLM-L6-v2", "model.safetensors")?;
    let opts = CandleOptions {
        device: DeviceChoice::Cpu,
        batch_token_budget: budget,
        ..Default::default()
    };
    Some(
        CandleEmbedder::load(&dir, "sentence-transformers/all-MiniLM-L6-v2", &opts)
            .expect("load MiniLM"),
    )
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn matches_sentence_transformers_reference() {
    let Some(m) = minilm(4096) else { return };
    assert_eq!(m.info().dims, 384);
    assert_eq!(m.info().max_tokens, 256);
    assert_eq!(m.info().backend, "candle");
    let v = m
        .embed_documents(&["This is an example sentence"])
        .unwrap()
        .remove(0);
    let expected = [0.0677, 0.0635, 0.0487, 0.0793, 0.0374];
    for (i, (got, want)) in v.iter().zip(expected).enumerate() {
        assert!((got - want).abs() < 1e-4, "dim {i}: got {got}, want {want}");
    }
    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5);
    // MiniLM has no query prefix: query == document.
    let q = m.embed_query("This is an example sentence").unwrap();
    assert!(cosine(&q, &v) > 0.99999);
}

#[test]
fn batched_equals_one_by_one() {
    // A small budget forces several batches with padding inside each.
    let Some(m) = minilm(300) else { return };
    let texts = [
        "fn main() { println!(\"hello\"); }",
        "def parse_args(argv):\n    parser = argparse.ArgumentParser()\n    return parser.parse_args(argv)",
        "short",
        "The quick brown fox jumps over the lazy dog, again and again, until the dog finally wakes up and chases it away.",
        "impl Drop for Guard { fn drop(&mut self) { self.release(); } }",
        "SELECT id, name FROM users WHERE active = 1 ORDER BY name",
    ];
    let batched = m.embed_documents(&texts).unwrap();
    assert_eq!(batched.len(), texts.len());
    for (t, b) in texts.iter().zip(&batched) {
        let single = m.embed_documents(&[t]).unwrap().remove(0);
        let diff = single
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(diff < 1e-5, "text {t:?} differs by {diff}");
    }
}

#[test]
fn ranks_code_above_unrelated_sentence() {
    let Some(m) = minilm(4096) else { return };
    let query = m
        .embed_query("read a file and count the lines in it")
        .unwrap();
    let docs = m
        .embed_documents(&[
            "fn count_lines(path: &Path) -> io::Result<usize> {\n    let text = std::fs::read_to_string(path)?;\n    Ok(text.lines().count())\n}",
            "The weather in Lisbon is mild in winter and the beaches are quiet.",
        ])
        .unwrap();
    let (code, other) = (cosine(&query, &docs[0]), cosine(&query, &docs[1]));
    assert!(code > other + 0.1, "code {code} vs unrelated {other}");
}

#[test]
fn long_input_is_truncated_and_empty_input_rejected() {
    let Some(m) = minilm(4096) else { return };
    let long = "token ".repeat(5000);
    let v = m.embed_documents(&[&long]).unwrap();
    assert_eq!(v[0].len(), 384);
    assert!(m.embed_documents(&["ok", "   "]).is_err());
    let counter = m.token_counter();
    assert_eq!(counter.count("hello world"), 2);
}

#[test]
fn resolves_by_short_and_full_name() {
    let Some(dir) = fetched_model("all-MiniLM-L6-v2", "model.safetensors") else {
        return;
    };
    for name in ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"] {
        let r = resolve_model(name, false).unwrap();
        assert_eq!(r.dir, dir);
        assert_eq!(r.kind, ModelKind::Bert);
        assert_eq!(r.model_id, "sentence-transformers/all-MiniLM-L6-v2");
    }
    let r = resolve_model(dir.to_str().unwrap(), false).unwrap();
    assert_eq!(r.kind, ModelKind::Bert);
}
