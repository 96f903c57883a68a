//! The Qwen3 path on a tiny random Qwen3 built here (VarMap → safetensors,
//! config.json, a WordLevel tokenizer.json): shape, last-token pooling,
//! padding invariance, query prefix and Matryoshka truncation.

use std::collections::HashMap;
use std::path::Path;

use amanmcp_embed::candle::{CandleEmbedder, CandleOptions, DeviceChoice};
use amanmcp_embed::models::{detect_kind, ModelKind};
use amanmcp_embed::Embedder;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::qwen3::{Config, Model};

const WORDS: &[&str] = &[
    "<|endoftext|>",
    "[UNK]",
    "fn",
    "main",
    "parse",
    "args",
    "return",
    "value",
    "the",
    "a",
    "query",
    "code",
    "search",
    "file",
    "read",
    "write",
    "Instruct",
    ":",
    "Query",
    "Given",
    "retrieve",
    "relevant",
    "snippets",
    ",",
    "(",
    ")",
    "{",
    "}",
];
const HIDDEN: usize = 32;

fn config_json() -> serde_json::Value {
    serde_json::json!({
        "model_type": "qwen3",
        "vocab_size": WORDS.len(),
        "hidden_size": HIDDEN,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "head_dim": 8,
        "attention_bias": false,
        "num_key_value_heads": 2,
        "max_position_embeddings": 128,
        "sliding_window": null,
        "max_window_layers": 2,
        "tie_word_embeddings": true,
        "rope_theta": 10000.0,
        "rms_norm_eps": 1e-6,
        "use_sliding_window": false,
        "hidden_act": "silu"
    })
}

/// Writes a random tiny Qwen3 into `dir`; with `strip_prefix` the tensors are
/// saved without `model.`, like the real Qwen3-Embedding checkpoints.
fn build_model(dir: &Path, strip_prefix: bool) -> Model {
    let cfg_json = config_json();
    std::fs::write(dir.join("config.json"), cfg_json.to_string()).unwrap();
    let cfg: Config = serde_json::from_value(cfg_json).unwrap();
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = Model::new(&cfg, vb).unwrap();
    let tensors: HashMap<String, Tensor> = varmap
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let name = if strip_prefix {
                k.strip_prefix("model.").unwrap_or(k).to_string()
            } else {
                k.clone()
            };
            (name, v.as_tensor().clone())
        })
        .collect();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).unwrap();
    let vocab: serde_json::Map<String, serde_json::Value> = WORDS
        .iter()
        .enumerate()
        .map(|(i, w)| (w.to_string(), serde_json::json!(i)))
        .collect();
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    model
}

fn opts(budget: usize, truncate: Option<usize>) -> CandleOptions {
    CandleOptions {
        device: DeviceChoice::Cpu,
        batch_token_budget: budget,
        truncate_dims: truncate,
        ..Default::default()
    }
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max)
}

fn ids(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .map(|w| WORDS.iter().position(|x| *x == w).unwrap_or(1) as u32)
        .collect()
}

#[test]
fn shape_pooling_and_padding_invariance() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = build_model(tmp.path(), true);
    assert_eq!(detect_kind(tmp.path()).unwrap(), ModelKind::Qwen3);
    let m = CandleEmbedder::load(tmp.path(), "test/Qwen3-Embedding-tiny", &opts(64, None)).unwrap();
    assert_eq!(m.info().dims, HIDDEN);

    let texts = [
        "fn main",
        "read the file and write the value",
        "parse args",
        "query",
    ];
    let batched = m.embed_documents(&texts).unwrap();
    assert_eq!(batched.len(), texts.len());
    for (t, v) in texts.iter().zip(&batched) {
        assert_eq!(v.len(), HIDDEN);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        // Padding invariance: alone (no padding) == inside a padded batch.
        let alone = m.embed_documents(&[t]).unwrap().remove(0);
        assert!(max_diff(&alone, v) < 1e-5, "{t:?}: {}", max_diff(&alone, v));
        // Pooling position: the hidden state of the appended EOS token.
        let mut tokens = ids(t);
        tokens.push(0);
        let n = tokens.len();
        let input = Tensor::from_vec(tokens, (1, n), &Device::Cpu).unwrap();
        let hidden = reference.clone().forward(&input, 0).unwrap();
        let mut last: Vec<f32> = hidden
            .get(0)
            .unwrap()
            .get(n - 1)
            .unwrap()
            .to_vec1()
            .unwrap();
        let norm = last.iter().map(|x| x * x).sum::<f32>().sqrt();
        last.iter_mut().for_each(|x| *x /= norm);
        assert!(max_diff(&last, v) < 1e-5, "{t:?} is not last-token pooled");
    }
    assert!(
        max_diff(&batched[0], &batched[1]) > 1e-3,
        "different texts, same vector"
    );
}

#[test]
fn query_prefix_only_on_queries() {
    let tmp = tempfile::tempdir().unwrap();
    build_model(tmp.path(), false);
    let m =
        CandleEmbedder::load(tmp.path(), "test/Qwen3-Embedding-tiny", &opts(4096, None)).unwrap();
    let q = m.embed_query("search code").unwrap();
    let plain = m.embed_documents(&["search code"]).unwrap().remove(0);
    let prefixed = m
        .embed_documents(&["Instruct: Given a code search query, retrieve relevant code snippets\nQuery:search code"])
        .unwrap()
        .remove(0);
    assert!(
        max_diff(&q, &prefixed) < 1e-5,
        "query must carry the instruction"
    );
    assert!(
        max_diff(&q, &plain) > 1e-3,
        "documents must not carry the instruction"
    );
}

#[test]
fn matryoshka_truncation_renormalizes() {
    let tmp = tempfile::tempdir().unwrap();
    build_model(tmp.path(), true);
    let full = CandleEmbedder::load(tmp.path(), "tiny-qwen3", &opts(4096, None)).unwrap();
    let cut = CandleEmbedder::load(tmp.path(), "tiny-qwen3", &opts(4096, Some(8))).unwrap();
    assert_eq!(cut.info().dims, 8);
    let a = full.embed_documents(&["fn main ( )"]).unwrap().remove(0);
    let b = cut.embed_documents(&["fn main ( )"]).unwrap().remove(0);
    assert_eq!(b.len(), 8);
    let head_norm = a[..8].iter().map(|x| x * x).sum::<f32>().sqrt();
    let expect: Vec<f32> = a[..8].iter().map(|x| x / head_norm).collect();
    assert!(max_diff(&expect, &b) < 1e-5);
    assert!(CandleEmbedder::load(tmp.path(), "tiny-qwen3", &opts(4096, Some(64))).is_err());
}
