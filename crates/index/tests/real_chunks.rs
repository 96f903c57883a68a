//! The index on real chunker output (tree-sitter chunks, Markdown sections).

mod common;

use amanmcp_chunker::{ChunkKind, ChunkOptions, Chunker, EstimateCounter};
use amanmcp_index::*;
use amanmcp_scanner::Language;
use common::*;
use std::sync::Arc;

const JOIN_SET_RS: &str = r#"//! A set of spawned tasks.
use crate::task::{AbortHandle, JoinError, JoinHandle};

/// A collection of tasks spawned on a runtime, joined in completion order.
pub struct JoinSet<T> {
    inner: Vec<JoinHandle<T>>,
}

impl<T: Send + 'static> JoinSet<T> {
    /// Creates an empty set.
    pub fn new() -> Self {
        JoinSet { inner: Vec::new() }
    }

    /// Aborts every task in the set. The tasks stay in the set until joined.
    pub fn abort_all(&mut self) {
        for handle in &self.inner {
            handle.abort();
        }
    }

    /// Aborts all tasks and waits for them to finish shutting down.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for one task to complete and returns its output.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        let handle = self.inner.pop()?;
        Some(handle.await)
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        for handle in &self.inner {
            handle.abort();
        }
    }
}
"#;

const CONSUME_PY: &str = r#""""Reading values from a token stream."""

from .lexer import lex


class TokenStream:
    """Buffered tokens produced by the lexer."""

    def __init__(self, text):
        self.tokens = lex(text)
        self.pos = 0

    def next_token(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token


def consume_value(stream, schema):
    """Read one value from the stream and validate it against the schema."""
    token = stream.next_token()
    return schema.coerce(token)
"#;

const TEST_CONSUME_PY: &str = r#"from parser.consume import TokenStream, consume_value


def test_consume_value_reads_an_integer():
    stream = TokenStream("42")
    assert consume_value(stream, IntSchema()) == 42
"#;

const RETRY_TS: &str = r#"/** Retries a failing async call with exponential backoff and jitter. */
export async function retryWithBackoff<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(2 ** i * 100 + Math.random() * 50);
    }
  }
}

export class HttpClient {
  constructor(private readonly baseUrl: string) {}

  /** GET a path relative to the base URL, retrying transient failures. */
  async get(path: string): Promise<Response> {
    return retryWithBackoff(() => fetch(this.baseUrl + path));
  }
}
"#;

const HANDLER_GO: &str = r#"package server

import "net/http"

// ServeHTTP dispatches the request to the handler whose pattern best matches the URL.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := s.mux.Handler(r)
	h.ServeHTTP(w, r)
}

// parseConfigFile reads the YAML configuration file from disk.
func parseConfigFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeConfig(data)
}
"#;

const README_MD: &str = "# Server\n\nA small HTTP server.\n\n## Configuration\n\nThe server reads its configuration file at startup; retry limits and backoff are set here.\n\n## Logging\n\nLogs go to stderr. Set the level with the LOG_LEVEL environment variable.\n";

fn sources() -> Vec<(&'static str, Language, String)> {
    vec![
        (
            "tokio/src/task/join_set.rs",
            Language::Rust,
            JOIN_SET_RS.to_string(),
        ),
        (
            "src/parser/consume.py",
            Language::Python,
            CONSUME_PY.to_string(),
        ),
        (
            "tests/test_consume.py",
            Language::Python,
            TEST_CONSUME_PY.to_string(),
        ),
        (
            "web/src/http/retry.ts",
            Language::TypeScript,
            RETRY_TS.to_string(),
        ),
        ("go/server/handler.go", Language::Go, HANDLER_GO.to_string()),
        ("README.md", Language::Markdown, README_MD.to_string()),
    ]
}

fn chunker() -> Chunker {
    Chunker::new(ChunkOptions::default(), Arc::new(EstimateCounter))
}

fn upsert(w: &mut IndexWriter, path: &str, lang: Language, src: &str) -> usize {
    let cs = chunker().chunk(path, lang, src);
    assert!(!cs.is_empty(), "{path}");
    let f = FileRecord {
        path: path.into(),
        hash: blake3::hash(src.as_bytes()).to_hex().to_string(),
        mtime_ns: 1,
        size: src.len() as u64,
        language: lang,
    };
    w.upsert_file(&f, &cs).unwrap();
    cs.len()
}

fn build_real(dir: &std::path::Path) -> IndexWriter {
    let mut w = IndexWriter::open(dir, &opts()).unwrap();
    w.set_embedding_spec(Some(&spec())).unwrap();
    for (p, l, s) in sources() {
        upsert(&mut w, p, l, &s);
    }
    w.commit().unwrap();
    embed_pending(&mut w);
    w.commit_vectors().unwrap();
    w
}

#[test]
fn identifiers_rank_their_definitions_first_on_real_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let _w = build_real(dir.path());
    let r = IndexReader::open(dir.path()).unwrap();
    // The chunker merges small methods into their impl block: the defining
    // chunk is the one whose content holds the definition.
    for (q, def, path) in [
        (
            "JoinSet::abort_all",
            "pub fn abort_all(",
            "tokio/src/task/join_set.rs",
        ),
        (
            "abort_all",
            "pub fn abort_all(",
            "tokio/src/task/join_set.rs",
        ),
        (
            "consume_value",
            "def consume_value(",
            "src/parser/consume.py",
        ),
        (
            "retryWithBackoff",
            "function retryWithBackoff",
            "web/src/http/retry.ts",
        ),
        (
            "parseConfigFile",
            "func parseConfigFile",
            "go/server/handler.go",
        ),
        (
            "Server::ServeHTTP",
            "ServeHTTP(w http",
            "go/server/handler.go",
        ),
        (
            "how is TokenStream next_token implemented",
            "def next_token",
            "src/parser/consume.py",
        ),
        (
            "how is TokenStream implemented",
            "class TokenStream",
            "src/parser/consume.py",
        ),
    ] {
        for mode in [SearchMode::Hybrid, SearchMode::Bm25Only] {
            let mut req = request(q, 5);
            req.mode = mode;
            let hits = r.search(&req).unwrap().hits;
            assert!(
                hits[0].content.contains(def),
                "{q} {mode:?}: {:?}",
                hits.iter()
                    .map(|h| (&h.path, &h.symbol, h.start_line, &h.boosts))
                    .collect::<Vec<_>>()
            );
            assert_eq!(hits[0].path, path);
        }
    }
    // Split identifier words and natural language.
    let mut q = request("abort all tasks in the set", 3);
    q.mode = SearchMode::Bm25Only;
    let hits = r.search(&q).unwrap().hits;
    assert!(
        hits[0].content.contains("fn abort_all"),
        "{:?}",
        hits.iter().map(|h| &h.symbol).collect::<Vec<_>>()
    );
    let hits = r
        .search(&request("where is the log level configured", 3))
        .unwrap()
        .hits;
    assert_eq!(hits[0].path, "README.md");
    // Qualified lookup and kinds.
    let hits = r.find_symbol("Server::ServeHTTP", &[], 3).unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("ServeHTTP"));
    assert_eq!(hits[0].score, 1.0);
    let hits = r.find_symbol("JoinSet", &[ChunkKind::Struct], 3).unwrap();
    assert_eq!(hits[0].kind, ChunkKind::Struct);
}

#[test]
fn filters_on_real_chunks_return_limit_results() {
    let dir = tempfile::tempdir().unwrap();
    let _w = build_real(dir.path());
    let r = IndexReader::open(dir.path()).unwrap();
    let mut q = request("token stream", 2);
    q.filters.languages = vec![Language::Python];
    q.filters.path_glob = Some("src/**".into());
    let hits = r.search(&q).unwrap().hits;
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.path == "src/parser/consume.py"));
    let mut q = request("abort", 10);
    q.filters.kinds = vec![ChunkKind::Method, ChunkKind::Function];
    let hits = r.search(&q).unwrap().hits;
    assert!(
        !hits.is_empty()
            && hits
                .iter()
                .all(|h| matches!(h.kind, ChunkKind::Method | ChunkKind::Function))
    );
    let mut q = request("configuration", 10);
    q.filters.code_only = Some(true);
    assert!(r
        .search(&q)
        .unwrap()
        .hits
        .iter()
        .all(|h| h.language != Language::Markdown));
}

#[test]
fn editing_one_function_re_embeds_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = build_real(dir.path());
    let before = chunker().chunk("tokio/src/task/join_set.rs", Language::Rust, JOIN_SET_RS);
    let edited = JOIN_SET_RS.replace("handle.await", "handle.await.map_err(JoinError::from)");
    let after = chunker().chunk("tokio/src/task/join_set.rs", Language::Rust, &edited);
    let changed = after
        .iter()
        .filter(|c| {
            !before
                .iter()
                .any(|b| b.id == c.id && b.embed_text == c.embed_text)
        })
        .count();
    assert!(changed >= 1 && changed < after.len());
    upsert(
        &mut w,
        "tokio/src/task/join_set.rs",
        Language::Rust,
        &edited,
    );
    assert_eq!(w.pending_count().unwrap() as usize, changed);
    w.commit().unwrap();
    embed_pending(&mut w);
    w.commit_vectors().unwrap();
    let r = IndexReader::open(dir.path()).unwrap();
    let hits = r
        .search(&request("map_err JoinError::from", 3))
        .unwrap()
        .hits;
    assert!(hits[0].content.contains("map_err(JoinError::from)"));
    assert_eq!(r.stats().unwrap().pending_embeddings, 0);
}
