//! Every key documented in `.amanmcp.yaml.example` is read: setting it to a
//! value other than the default changes the effective configuration, and
//! the example itself loads. Unknown keys and bad values are errors naming
//! the key.

use std::collections::BTreeMap;
use std::path::Path;

use amanmcp_engine::{Config, ConfigOverrides};
use serde_yaml::Value;

const EXAMPLE: &str = include_str!("../../../.amanmcp.yaml.example");

fn load(dir: &Path, yaml: &str) -> Result<Config, String> {
    std::fs::write(dir.join(".amanmcp.yaml"), yaml).unwrap();
    let overrides = ConfigOverrides {
        ignore_user_config: true,
        ..Default::default()
    };
    Config::load(dir, &overrides).map_err(|e| e.to_string())
}

fn described(c: &Config) -> BTreeMap<String, String> {
    c.describe().into_iter().collect()
}

/// Leaf key paths (`search.rrf_k`) with their example values.
fn leaves(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                let k = k.as_str().unwrap();
                let path = if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&path, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// A valid value that differs from the default for `key`.
fn perturb(key: &str, example: &Value) -> Value {
    match key {
        "embedder" => Value::from("static"),
        "device" => Value::from("cpu"),
        _ => match example {
            Value::Bool(b) => Value::from(!b),
            Value::Number(n) if n.is_f64() => Value::from(n.as_f64().unwrap() * 0.5),
            Value::Number(n) => Value::from(n.as_u64().unwrap() + 7),
            Value::Sequence(_) => Value::Sequence(vec![Value::from("perturbed/")]),
            _ => Value::from("perturbed-value"),
        },
    }
}

/// `a.b` = v as a nested YAML document.
fn nested(key: &str, v: Value) -> String {
    let mut doc = v;
    for part in key.rsplit('.') {
        let mut m = serde_yaml::Mapping::new();
        m.insert(Value::from(part), doc);
        doc = Value::Mapping(m);
    }
    serde_yaml::to_string(&doc).unwrap()
}

#[test]
fn every_example_key_has_an_effect() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = described(&load(dir.path(), "").unwrap());
    let example: Value = serde_yaml::from_str(EXAMPLE).unwrap();
    let mut keys = Vec::new();
    leaves("", &example, &mut keys);
    assert!(keys.len() >= 25, "example lists {} keys", keys.len());
    for (key, value) in keys {
        let yaml = nested(&key, perturb(&key, &value));
        let config = load(dir.path(), &yaml).unwrap_or_else(|e| panic!("{key}: {e}\n{yaml}"));
        let now = described(&config);
        let before = defaults
            .get(&key)
            .unwrap_or_else(|| panic!("`{key}` missing from describe()"));
        assert_ne!(&now[&key], before, "setting `{key}` changed nothing");
    }
}

#[test]
fn the_example_loads_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(dir.path(), EXAMPLE).unwrap();
    assert_eq!(c.max_chunk_tokens, 384);
}

#[test]
fn unknown_keys_and_bad_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(dir.path(), "search:\n  rrf_kk: 3\n").unwrap_err();
    assert!(e.contains("rrf_kk"), "{e}");
    let e = load(dir.path(), "embedder: magic\n").unwrap_err();
    assert!(e.contains("embedder") && e.contains("magic"), "{e}");
    let e = load(dir.path(), "chunking:\n  max_tokens: 5\n").unwrap_err();
    assert!(e.contains("chunking.max_tokens"), "{e}");
    let e = load(dir.path(), "search:\n  bm25_weight: lots\n").unwrap_err();
    assert!(e.contains("bm25_weight"), "{e}");
    let e = load(dir.path(), "embedder: openai\n").unwrap_err();
    assert!(e.contains("openai.url"), "{e}");
}

#[test]
fn openai_input_type_reaches_the_embedder() {
    let dir = tempfile::tempdir().unwrap();
    let example: Value = serde_yaml::from_str(EXAMPLE).unwrap();
    let mut keys = Vec::new();
    leaves("", &example, &mut keys);
    assert!(
        keys.iter().any(|(k, _)| k == "openai.input_type"),
        "the example must document openai.input_type"
    );
    assert!(!load(dir.path(), "").unwrap().openai_input_type);
    let c = load(dir.path(), "openai:\n  input_type: true\n").unwrap();
    assert!(c.openai_input_type && c.embedder_config().openai_input_type);
    assert_eq!(described(&c)["openai.input_type"], "true");
    let e = load(dir.path(), "openai:\n  input_type: maybe\n").unwrap_err();
    assert!(e.contains("input_type"), "{e}");
}
