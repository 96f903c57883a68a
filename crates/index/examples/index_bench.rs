//! Query latency and index size on synthetic-but-realistic chunks.
//!
//! `cargo run -p amanmcp-index --example index_bench --profile release -- [--sizes 10000,100000] [--queries 300] [--dims 384]`
//!
//! Chunks look like Rust functions (doc comment, signature, body) built from a
//! programming vocabulary; vectors are clustered (topic centre + noise) like
//! real embeddings. Query embedding is excluded: query vectors are perturbed
//! chunk vectors.

use amanmcp_chunker::{Chunk, ChunkKind};
use amanmcp_index::*;
use amanmcp_scanner::Language;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

const WORDS: &[&str] = &[
    "parse",
    "token",
    "stream",
    "buffer",
    "config",
    "load",
    "save",
    "index",
    "search",
    "query",
    "vector",
    "embed",
    "cache",
    "file",
    "path",
    "walk",
    "chunk",
    "symbol",
    "scope",
    "render",
    "request",
    "response",
    "client",
    "server",
    "handler",
    "retry",
    "backoff",
    "timeout",
    "lock",
    "writer",
    "reader",
    "commit",
    "merge",
    "segment",
    "schema",
    "field",
    "value",
    "error",
    "result",
    "task",
    "spawn",
    "join",
    "abort",
    "shutdown",
    "signal",
    "channel",
    "sender",
    "receiver",
    "queue",
    "event",
    "watch",
    "notify",
    "debounce",
    "hash",
    "digest",
    "encode",
    "decode",
    "json",
    "yaml",
    "table",
    "row",
    "column",
    "filter",
    "glob",
    "match",
    "score",
    "rank",
    "fuse",
    "boost",
    "limit",
    "offset",
    "cursor",
    "page",
    "batch",
    "flush",
    "sync",
    "async",
    "future",
    "poll",
    "wake",
    "state",
    "node",
    "graph",
    "edge",
    "layer",
    "level",
    "tree",
    "leaf",
    "branch",
    "root",
    "child",
    "parent",
    "user",
    "session",
    "token",
    "auth",
    "permission",
    "role",
    "policy",
    "audit",
    "log",
    "metric",
    "trace",
    "span",
    "counter",
    "gauge",
    "histogram",
    "sample",
    "window",
    "range",
    "slice",
    "bytes",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
    fn gauss(&mut self) -> f32 {
        // Sum of uniforms: good enough for clustered synthetic embeddings.
        (0..4)
            .map(|_| (self.next() % 10_000) as f32 / 10_000.0)
            .sum::<f32>()
            - 2.0
    }
}

fn camel(a: &str, b: &str) -> String {
    let mut s = a.to_string();
    let mut c = b.chars();
    if let Some(f) = c.next() {
        s.extend(f.to_uppercase());
        s.push_str(c.as_str());
    }
    s
}

struct Corpus {
    files: Vec<(FileRecord, Vec<Chunk>)>,
    vectors: HashMap<String, Vec<f32>>,
    symbols: Vec<String>,
}

fn corpus(n_chunks: usize, dims: usize, rng: &mut Rng) -> Corpus {
    let topics = 64;
    let centres: Vec<Vec<f32>> = (0..topics)
        .map(|_| (0..dims).map(|_| rng.gauss()).collect())
        .collect();
    let per_file = 10;
    let mut files = Vec::new();
    let mut vectors = HashMap::new();
    let mut symbols = Vec::new();
    for f in 0..n_chunks.div_ceil(per_file) {
        let dir = rng.word();
        let path = if f % 12 == 0 {
            format!("tests/{dir}_{f}_test.rs")
        } else {
            format!("src/{dir}/{}_{f}.rs", rng.word())
        };
        let topic = rng.below(topics);
        let mut chunks = Vec::new();
        let mut line = 1u32;
        for k in 0..per_file.min(n_chunks - f * per_file) {
            let (a, b, c) = (rng.word(), rng.word(), rng.word());
            let sym = format!("{a}_{b}_{f}_{k}");
            let owner = camel(&camel("", c), "manager");
            let mut body = format!("/// {} the {} {} for the {} {}.\n/// Returns an error when the {} is {}.\npub fn {sym}(&mut self, {b}: &{}) -> Result<{}, Error> {{\n", camel("", a), b, c, rng.word(), rng.word(), rng.word(), rng.word(), camel("", rng.word()), camel("", rng.word()));
            for _ in 0..(6 + rng.below(14)) {
                body.push_str(&format!(
                    "    let {} = self.{}.{}({}, {})?;\n",
                    rng.word(),
                    rng.word(),
                    format_args!("{}_{}", rng.word(), rng.word()),
                    rng.word(),
                    rng.below(100)
                ));
            }
            body.push_str("    Ok(value)\n}");
            let lines = body.lines().count() as u32;
            let embed_text = format!("path: {path}\nscope: impl {owner}\n{body}");
            let id = blake3::hash(format!("{path}\0{body}").as_bytes()).to_hex()[..32].to_string();
            let mut v: Vec<f32> = centres[topic]
                .iter()
                .map(|x| x + 0.8 * rng.gauss())
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            vectors.insert(id.clone(), v);
            symbols.push(format!("{owner}::{sym}"));
            chunks.push(Chunk {
                id,
                path: path.clone(),
                language: Language::Rust,
                start_line: line,
                end_line: line + lines - 1,
                start_byte: 0,
                end_byte: body.len(),
                symbol: Some(sym.clone()),
                scope: Some(format!("impl {owner}")),
                kind: ChunkKind::Method,
                signature: body.lines().nth(2).map(String::from),
                content: body,
                embed_text,
            });
            line += lines + 1;
        }
        let hash = blake3::hash(
            chunks
                .iter()
                .map(|c| c.content.as_str())
                .collect::<String>()
                .as_bytes(),
        )
        .to_hex()
        .to_string();
        files.push((
            FileRecord {
                path,
                hash,
                mtime_ns: 0,
                size: 0,
                language: Language::Rust,
            },
            chunks,
        ));
    }
    Corpus {
        files,
        vectors,
        symbols,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn size_of(p: &Path) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p)
            .map(|d| d.flatten().map(|e| size_of(&e.path())).sum())
            .unwrap_or(0)
    } else {
        std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
    }
}

fn run(n: usize, dims: usize, queries: usize) -> Result<(), IndexError> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ n as u64);
    let tmp = std::env::temp_dir().join(format!("amanmcp-index-bench-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let c = corpus(n, dims, &mut rng);
    let spec = EmbeddingSpec {
        backend: "bench".into(),
        model_id: "synthetic".into(),
        dims,
    };

    let t = Instant::now();
    let mut w = IndexWriter::open(&tmp, &IndexOptions::default())?;
    w.set_embedding_spec(Some(&spec))?;
    for (i, (f, cs)) in c.files.iter().enumerate() {
        w.upsert_file(f, cs)?;
        if i % 500 == 499 {
            w.commit()?;
        }
    }
    w.commit()?;
    let t_text = t.elapsed();
    let t = Instant::now();
    loop {
        let pending = w.pending_embeddings(2048)?;
        if pending.is_empty() {
            break;
        }
        let items: Vec<(String, String, Vec<f32>)> = pending
            .into_iter()
            .map(|p| {
                let v = c.vectors[&p.chunk_id].clone();
                (p.chunk_id, p.text_hash, v)
            })
            .collect();
        w.add_vectors(&items)?;
    }
    w.commit_vectors()?;
    let t_vec = t.elapsed();
    drop(w);

    let r = IndexReader::open(&tmp)?;
    let t = Instant::now();
    let stats = r.stats()?;
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let ids: Vec<&String> = c.vectors.keys().collect();
    let make = |mode: SearchMode, filtered: bool, rng: &mut Rng| {
        let text = match rng.below(3) {
            0 => c.symbols[rng.below(c.symbols.len())].clone(),
            1 => c.symbols[rng.below(c.symbols.len())]
                .rsplit("::")
                .next()
                .unwrap_or("")
                .to_string(),
            _ => format!(
                "how to {} the {} {} {}",
                rng.word(),
                rng.word(),
                rng.word(),
                rng.word()
            ),
        };
        let base = &c.vectors[ids[rng.below(ids.len())]];
        let v: Vec<f32> = base.iter().map(|x| x + 0.02 * rng.gauss()).collect();
        let mut filters = SearchFilters::default();
        if filtered {
            filters.path_glob = Some(format!("src/{}/**", rng.word()));
        }
        SearchRequest {
            text,
            vector: Some(v),
            limit: 10,
            mode,
            filters,
            ranking: RankingOptions::default(),
        }
    };
    println!("\n== {n} chunks, {dims}-d ==");
    println!(
        "build: text+BM25 {:.1}s, vectors+graph {:.1}s; reader open+stats {open_ms:.1} ms",
        t_text.as_secs_f64(),
        t_vec.as_secs_f64()
    );
    for (label, mode, filtered) in [
        ("hybrid", SearchMode::Hybrid, false),
        ("bm25", SearchMode::Bm25Only, false),
        ("vector", SearchMode::VectorOnly, false),
        ("hybrid+glob", SearchMode::Hybrid, true),
    ] {
        for _ in 0..20 {
            r.search(&make(mode, filtered, &mut rng))?;
        }
        let mut lat = Vec::with_capacity(queries);
        let mut stages: Vec<(String, f64)> = Vec::new();
        for _ in 0..queries {
            let req = make(mode, filtered, &mut rng);
            let t = Instant::now();
            r.refresh()?;
            let res = r.search(&req)?;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            for (i, (name, ms)) in res.timings_ms.iter().enumerate() {
                match stages.get_mut(i) {
                    Some(s) => s.1 += ms,
                    None => stages.push((name.clone(), *ms)),
                }
            }
            std::hint::black_box(res);
        }
        let stage_means: Vec<String> = stages
            .iter()
            .map(|(n, t)| format!("{n} {:.2}", t / queries as f64))
            .collect();
        lat.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{label:<12} p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  (n={queries}, limit 10, refresh included; mean ms by stage: {})",
            percentile(&lat, 0.5), percentile(&lat, 0.95), percentile(&lat, 0.99), stage_means.join(", ")
        );
    }
    let parts = [
        (
            "index.sqlite (files, chunks with content)",
            size_of(&tmp.join("index.sqlite")) + size_of(&tmp.join("index.sqlite-wal")),
        ),
        ("bm25 (tantivy)", size_of(&tmp.join("bm25"))),
        ("vectors (hnsw dump)", size_of(&tmp.join("vectors"))),
        (
            "embeddings.sqlite (cache)",
            size_of(&tmp.join("embeddings.sqlite")) + size_of(&tmp.join("embeddings.sqlite-wal")),
        ),
    ];
    let total: u64 = parts.iter().map(|p| p.1).sum();
    println!(
        "index size: {:.1} MB total, {} bytes/chunk ({} chunks)",
        total as f64 / 1e6,
        total / stats.chunks.max(1),
        stats.chunks
    );
    for (name, bytes) in parts {
        println!(
            "  {name:<44} {:>8.1} MB  {:>6} B/chunk",
            bytes as f64 / 1e6,
            bytes / stats.chunks.max(1)
        );
    }
    drop(r);
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sizes: Vec<usize> = arg("--sizes")
        .unwrap_or_else(|| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let queries = arg("--queries").and_then(|q| q.parse().ok()).unwrap_or(300);
    let dims = arg("--dims").and_then(|q| q.parse().ok()).unwrap_or(384);
    for n in sizes {
        if let Err(e) = run(n, dims, queries) {
            eprintln!("index_bench: {e}");
            std::process::exit(1);
        }
    }
}
