//! Model resolution through the Hugging Face hub cache, offline: the layout
//! `hf-hub` writes (`models--owner--name/refs/main` naming a snapshot whose
//! files link to the real weights) is built here around the MiniLM files
//! from `scripts/fetch-models.sh`, since no hub is reachable from these
//! machines. One test, because it sets process-wide environment variables.

use std::path::{Path, PathBuf};

use amanmcp_embed::candle::{CandleEmbedder, CandleOptions, DeviceChoice};
use amanmcp_embed::models::{resolve_model, ModelKind};
use amanmcp_embed::{EmbedError, Embedder};

#[path = "support/fetched.rs"]
mod fetched;

use fetched::fetched_model;

const ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
const REVISION: &str = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf";

/// A hub-cache snapshot of `ID` whose files are symlinks to `source`.
fn hub_snapshot(cache: &Path, source: &Path) -> PathBuf {
    let repo = cache.join("models--sentence-transformers--all-MiniLM-L6-v2");
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs").join("main"), REVISION).unwrap();
    let snapshot = repo.join("snapshots").join(REVISION);
    std::fs::create_dir_all(snapshot.join("1_Pooling")).unwrap();
    for file in [
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "1_Pooling/config.json",
    ] {
        std::os::unix::fs::symlink(source.join(file), snapshot.join(file)).unwrap();
    }
    snapshot
}

#[test]
fn models_resolve_from_the_hub_cache_offline() {
    let Some(source) = fetched_model("all-MiniLM-L6-v2", "model.safetensors") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("hub");
    let empty_models = tmp.path().join("models");
    std::fs::create_dir_all(&empty_models).unwrap();
    // Only this test runs in this binary, so the variables race with nothing.
    std::env::set_var("AMANMCP_MODELS_DIR", &empty_models);
    std::env::set_var("HF_HUB_CACHE", &cache);
    std::env::set_var("HF_HUB_OFFLINE", "1");

    // Not cached and downloads off: a clear error naming the model and the way out.
    match resolve_model(ID, true) {
        Err(EmbedError::ModelNotFound { model, hint }) => {
            assert_eq!(model, ID);
            assert!(hint.contains("amanmcp model fetch"), "{hint}");
            assert!(hint.contains(&cache.display().to_string()), "{hint}");
        }
        other => panic!("expected ModelNotFound, got {other:?}"),
    }

    let snapshot = hub_snapshot(&cache, &source);
    // The full id and the short name both find the snapshot and record the full id.
    for asked in [ID, "all-MiniLM-L6-v2"] {
        let resolved = resolve_model(asked, false).expect("resolved from the hub cache");
        assert_eq!(resolved.dir, snapshot, "{asked}");
        assert_eq!(resolved.model_id, ID, "{asked}");
        assert_eq!(resolved.kind, ModelKind::Bert, "{asked}");
    }

    // The snapshot loads and embeds like the original files.
    let resolved = resolve_model(ID, false).unwrap();
    let opts = CandleOptions {
        device: DeviceChoice::Cpu,
        ..Default::default()
    };
    let embedder = CandleEmbedder::load(&resolved.dir, &resolved.model_id, &opts).unwrap();
    let v = embedder
        .embed_documents(&["This is an example sentence"])
        .unwrap();
    let reference = [0.0677, 0.0635, 0.0487, 0.0793, 0.0374];
    for (got, want) in v[0].iter().zip(reference) {
        assert!((got - want).abs() < 1e-4, "{got} vs {want}");
    }
}
