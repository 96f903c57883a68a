//! Shared test helpers: chunk construction, a deterministic bag-of-words
//! embedder and small index drivers.
#![allow(dead_code)]

use amanmcp_chunker::{Chunk, ChunkKind};
use amanmcp_index::*;
use amanmcp_scanner::Language;
use std::path::Path;

pub const DIMS: usize = 32;

pub fn spec() -> EmbeddingSpec {
    EmbeddingSpec {
        backend: "test".into(),
        model_id: "bag-of-words-32".into(),
        dims: DIMS,
    }
}

/// Deterministic embedding: sum of per-token pseudo-random vectors, so texts
/// sharing words are close.
pub fn embed(text: &str) -> Vec<f32> {
    let mut v = vec![0f32; DIMS];
    for tok in split_code(text) {
        let h = blake3::hash(tok.as_bytes());
        for (i, b) in h.as_bytes().iter().enumerate().take(DIMS) {
            v[i] += (*b as f32 - 127.5) / 127.5;
        }
    }
    if v.iter().all(|x| *x == 0.0) {
        v[0] = 1.0;
    }
    v
}

pub struct ChunkSpec<'a> {
    pub kind: ChunkKind,
    pub symbol: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub content: &'a str,
}

pub fn def<'a>(
    kind: ChunkKind,
    symbol: &'a str,
    scope: Option<&'a str>,
    content: &'a str,
) -> ChunkSpec<'a> {
    ChunkSpec {
        kind,
        symbol: Some(symbol),
        scope,
        content,
    }
}

/// Builds chunks for a file laid out one after another.
pub fn chunks(path: &str, language: Language, specs: &[ChunkSpec<'_>]) -> Vec<Chunk> {
    let mut line = 1u32;
    let mut byte = 0usize;
    specs
        .iter()
        .map(|s| {
            let lines = s.content.lines().count().max(1) as u32;
            let id = blake3::hash(format!("{path}\0{}", s.content).as_bytes()).to_hex()[..32]
                .to_string();
            let header = format!(
                "// {path}{}\n",
                s.scope.map(|x| format!(" > {x}")).unwrap_or_default()
            );
            let c = Chunk {
                id,
                path: path.into(),
                language,
                start_line: line,
                end_line: line + lines - 1,
                start_byte: byte,
                end_byte: byte + s.content.len(),
                symbol: s.symbol.map(String::from),
                scope: s.scope.map(String::from),
                kind: s.kind,
                signature: s.content.lines().next().map(|l| l.trim().to_string()),
                content: s.content.into(),
                embed_text: format!("{header}{}", s.content),
            };
            line += lines;
            byte += s.content.len() + 1;
            c
        })
        .collect()
}

pub fn record(path: &str, language: Language, chunks: &[Chunk]) -> FileRecord {
    let all: String = chunks.iter().map(|c| c.content.as_str()).collect();
    FileRecord {
        path: path.into(),
        hash: blake3::hash(all.as_bytes()).to_hex().to_string(),
        mtime_ns: 1,
        size: all.len() as u64,
        language,
    }
}

/// Embeds every pending chunk (cache first, like the engine does).
pub fn embed_pending(w: &mut IndexWriter) -> usize {
    let mut done = 0;
    loop {
        let pending = w.pending_embeddings(256).unwrap();
        if pending.is_empty() {
            return done;
        }
        let items: Vec<(String, String, Vec<f32>)> = pending
            .into_iter()
            .map(|p| {
                let v = embed(&p.embed_text);
                (p.chunk_id, p.text_hash, v)
            })
            .collect();
        done += items.len();
        w.add_vectors(&items).unwrap();
    }
}

pub fn request(text: &str, limit: usize) -> SearchRequest {
    SearchRequest {
        text: text.into(),
        vector: Some(embed(text)),
        limit,
        mode: SearchMode::Hybrid,
        filters: SearchFilters::default(),
        ranking: RankingOptions::default(),
    }
}

pub fn opts() -> IndexOptions {
    IndexOptions {
        hnsw_ef_construction: 64,
        ..IndexOptions::default()
    }
}

/// A small multi-language corpus modelled on real code.
pub fn corpus() -> Vec<(FileRecord, Vec<Chunk>)> {
    use ChunkKind::*;
    let files: Vec<(&str, Language, Vec<ChunkSpec<'_>>)> = vec![
        ("tokio/src/task/join_set.rs", Language::Rust, vec![
            def(Struct, "JoinSet", None, "/// A collection of tasks spawned on a Tokio runtime.\npub struct JoinSet<T> {\n    inner: IdleNotifiedSet<JoinHandle<T>>,\n}"),
            def(Method, "abort_all", Some("impl<T> JoinSet<T>"), "/// Aborts all tasks on this JoinSet.\n/// This does not remove the tasks from the set.\npub fn abort_all(&mut self) {\n    self.inner.for_each(|jh| jh.abort());\n}"),
            def(Method, "shutdown", Some("impl<T> JoinSet<T>"), "/// Aborts all tasks and waits for them to finish shutting down.\npub async fn shutdown(&mut self) {\n    self.abort_all();\n    while self.join_next().await.is_some() {}\n}"),
            def(Method, "join_next", Some("impl<T> JoinSet<T>"), "/// Waits until one of the tasks in the set completes and returns its output.\npub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {\n    std::future::poll_fn(|cx| self.poll_join_next(cx)).await\n}"),
        ]),
        ("tokio/src/task/abort.rs", Language::Rust, vec![
            def(Struct, "AbortHandle", None, "/// An owned permission to abort a spawned task, without awaiting its completion.\npub struct AbortHandle {\n    raw: RawTask,\n}"),
            def(Method, "abort", Some("impl AbortHandle"), "/// Abort the task associated with the handle.\npub fn abort(&self) {\n    self.raw.remote_abort();\n}"),
        ]),
        ("serde_json/src/de.rs", Language::Rust, vec![
            def(Function, "from_str", None, "/// Deserialize an instance of type T from a string of JSON text.\npub fn from_str<'a, T>(s: &'a str) -> Result<T>\nwhere T: de::Deserialize<'a> {\n    from_trait(read::StrRead::new(s))\n}"),
            def(Method, "parse_number", Some("impl<'de, R: Read<'de>> Deserializer<R>"), "fn parse_number(&mut self, positive: bool, significand: u64) -> Result<ParserNumber> {\n    // parse the integer part, then an optional fraction and exponent\n    self.parse_decimal(positive, significand, 0)\n}"),
        ]),
        ("src/parser/consume.py", Language::Python, vec![
            def(Function, "consume_value", None, "def consume_value(stream, schema):\n    \"\"\"Read one value from the token stream and validate it against the schema.\"\"\"\n    token = stream.next_token()\n    return schema.coerce(token)"),
            def(Class, "TokenStream", None, "class TokenStream:\n    \"\"\"Buffered tokens produced by the lexer.\"\"\"\n    def __init__(self, text):\n        self.tokens = lex(text)"),
        ]),
        ("tests/test_consume.py", Language::Python, vec![
            def(Function, "test_consume_value", None, "def test_consume_value():\n    stream = TokenStream('42')\n    assert consume_value(stream, IntSchema()) == 42"),
        ]),
        ("web/src/http/retry.ts", Language::TypeScript, vec![
            def(Function, "retryWithBackoff", None, "export async function retryWithBackoff<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {\n  // exponential backoff with jitter between failed HTTP requests\n  for (let i = 0; ; i++) {\n    try { return await fn(); } catch (e) { if (i >= attempts) throw e; await sleep(2 ** i * 100); }\n  }\n}"),
            def(Class, "HttpClient", None, "export class HttpClient {\n  constructor(private baseUrl: string) {}\n  get(path: string) { return retryWithBackoff(() => fetch(this.baseUrl + path)); }\n}"),
        ]),
        ("web/src/http/retry.spec.ts", Language::TypeScript, vec![
            def(Function, "retries", None, "it('retries failed requests with backoff', async () => {\n  const fn = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(1);\n  expect(await retryWithBackoff(fn)).toBe(1);\n});"),
        ]),
        ("go/server/handler.go", Language::Go, vec![
            def(Function, "ServeHTTP", Some("Server"), "// ServeHTTP dispatches the request to the handler whose pattern most closely matches the request URL.\nfunc (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n\th := s.mux.Handler(r)\n\th.ServeHTTP(w, r)\n}"),
            def(Function, "parseConfigFile", None, "// parseConfigFile reads the YAML configuration file from disk.\nfunc parseConfigFile(path string) (*Config, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil { return nil, err }\n\treturn decodeConfig(data)\n}"),
        ]),
        ("docs/configuration.md", Language::Markdown, vec![
            ChunkSpec { kind: Section, symbol: Some("Configuration"), scope: None, content: "# Configuration\n\nThe server reads its configuration file at startup. Retry behaviour and backoff limits are set here." },
            ChunkSpec { kind: Section, symbol: Some("Logging"), scope: Some("Configuration"), content: "## Logging\n\nLogs are written to stderr; set the level with the LOG_LEVEL environment variable." },
        ]),
    ];
    files
        .into_iter()
        .map(|(path, lang, specs)| {
            let cs = chunks(path, lang, &specs);
            (record(path, lang, &cs), cs)
        })
        .collect()
}

/// Writes the corpus, embeds everything and commits.
pub fn build(dir: &Path) -> IndexWriter {
    let mut w = IndexWriter::open(dir, &opts()).unwrap();
    w.set_embedding_spec(Some(&spec())).unwrap();
    for (f, cs) in corpus() {
        w.upsert_file(&f, &cs).unwrap();
    }
    w.commit().unwrap();
    embed_pending(&mut w);
    w.commit_vectors().unwrap();
    w
}

/// Synthetic project, version-dependent: some files change or disappear
/// between versions so re-runs exercise modify and delete paths.
pub fn synthetic_files(version: u32, files: usize) -> Vec<(FileRecord, Vec<Chunk>)> {
    use ChunkKind::*;
    let topics = [
        "parser",
        "network",
        "storage",
        "render",
        "config",
        "auth",
        "cache",
        "scheduler",
    ];
    let mut out = Vec::new();
    for f in 0..files {
        if (f as u32 + version).is_multiple_of(7) {
            continue;
        }
        let topic = topics[f % topics.len()];
        let path = if f.is_multiple_of(9) {
            format!("tests/{topic}_{f}_test.rs")
        } else {
            format!("src/{topic}/module_{f}.rs")
        };
        let rev = if f as u32 % 5 == version % 5 {
            version
        } else {
            0
        };
        let bodies: Vec<String> = (0..5)
            .map(|k| {
                format!(
                    "/// Handles {topic} step {k} for module {f} (revision {rev}).\npub fn {topic}_step_{f}_{k}(input: &str) -> Result<usize, Error> {{\n    let value = input.len() * {k} + {f};\n    validate_{topic}(value)?;\n    Ok(value)\n}}"
                )
            })
            .collect();
        let names: Vec<String> = (0..5).map(|k| format!("{topic}_step_{f}_{k}")).collect();
        let specs: Vec<ChunkSpec<'_>> = bodies
            .iter()
            .zip(&names)
            .map(|(b, n)| ChunkSpec {
                kind: Function,
                symbol: Some(n.as_str()),
                scope: None,
                content: b.as_str(),
            })
            .collect();
        let cs = chunks(&path, Language::Rust, &specs);
        out.push((record(&path, Language::Rust, &cs), cs));
    }
    out
}

/// Brings the index in `dir` to `version` incrementally, committing as it goes.
pub fn sync_synthetic(dir: &Path, version: u32, files: usize) {
    let o = IndexOptions {
        lock_timeout: std::time::Duration::from_secs(20),
        ..opts()
    };
    let mut w = IndexWriter::open(dir, &o).unwrap();
    w.set_embedding_spec(Some(&spec())).unwrap();
    let existing = w.files().unwrap();
    let desired = synthetic_files(version, files);
    let mut n = 0usize;
    for (f, cs) in &desired {
        if existing.get(&f.path).is_some_and(|e| e.hash == f.hash) {
            continue;
        }
        w.upsert_file(f, cs).unwrap();
        n += 1;
        if n.is_multiple_of(8) {
            w.commit().unwrap();
            embed_pending(&mut w);
        }
        if n.is_multiple_of(20) {
            w.commit_vectors().unwrap();
        }
    }
    for path in existing.keys() {
        if !desired.iter().any(|(f, _)| &f.path == path) {
            w.remove_file(path).unwrap();
        }
    }
    w.commit().unwrap();
    embed_pending(&mut w);
    w.commit_vectors().unwrap();
}
