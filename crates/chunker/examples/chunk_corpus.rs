//! Scans a directory and chunks every file with the estimate counter:
//! `cargo run -p amanmcp-chunker --example chunk_corpus -- DIR`.
//! Prints file/chunk counts, chunks per language, token size distribution
//! and wall times for the scan and the (parallel) chunking.

use amanmcp_chunker::{Chunk, ChunkOptions, Chunker, EstimateCounter, TokenCounter};
use amanmcp_scanner::{read_text, scan, ScanOptions};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: chunk_corpus DIR");
        std::process::exit(2);
    };
    let started = Instant::now();
    let report = match scan(std::path::Path::new(&dir), &ScanOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let scan_time = started.elapsed();
    println!(
        "scan: {} files, {} skipped, excluded dirs {:?} in {:.1} ms",
        report.files.len(),
        report.skipped.len(),
        report.excluded_dirs,
        scan_time.as_secs_f64() * 1000.0
    );

    let chunker = Chunker::new(ChunkOptions::default(), Arc::new(EstimateCounter));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Chunk>> = Mutex::new(Vec::new());
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = report.files.get(i) else {
                    break;
                };
                let Ok(text) = read_text(&file.abs_path) else {
                    continue;
                };
                let chunks = chunker.chunk(&file.path, file.language, &text);
                if let Ok(mut all) = results.lock() {
                    all.extend(chunks);
                }
            });
        }
    });
    let chunk_time = started.elapsed();
    let chunks = results.into_inner().unwrap_or_default();

    let mut per_language: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in &report.files {
        per_language.entry(f.language.as_str()).or_default().0 += 1;
    }
    for c in &chunks {
        per_language.entry(c.language.as_str()).or_default().1 += 1;
    }
    let mut tokens: Vec<usize> = chunks
        .iter()
        .map(|c| EstimateCounter.count(&c.embed_text))
        .collect();
    tokens.sort_unstable();
    let pct = |p: usize| {
        tokens
            .get(tokens.len().saturating_sub(1) * p / 100)
            .copied()
            .unwrap_or(0)
    };
    let with_symbol = chunks.iter().filter(|c| c.symbol.is_some()).count();
    let code_windows = chunks
        .iter()
        .filter(|c| c.language.is_code() && c.kind == amanmcp_chunker::ChunkKind::Window)
        .count();

    println!(
        "chunk: {} chunks from {} files in {:.1} ms ({} threads)",
        chunks.len(),
        report.files.len(),
        chunk_time.as_secs_f64() * 1000.0,
        threads
    );
    println!(
        "tokens per chunk (embed_text): p10 {} median {} p90 {} max {}",
        pct(10),
        pct(50),
        pct(90),
        pct(100)
    );
    println!(
        "chunks with a symbol: {with_symbol}; line-window fallback chunks in code: {code_windows}"
    );
    println!("{:<12} {:>6} {:>7}", "language", "files", "chunks");
    for (lang, (files, n)) in per_language {
        println!("{lang:<12} {files:>6} {n:>7}");
    }
}
