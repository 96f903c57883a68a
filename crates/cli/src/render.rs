//! Human-readable output: grep-like results, status, reports. Colour only
//! when stdout is a terminal and `NO_COLOR` is unset.

use std::io::IsTerminal;

use amanmcp_engine::eval::{EvalReport, Metrics};
use amanmcp_engine::{BackendInfo, DryRunReport, IndexReport, SearchOutput, Status};

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(code: &str, s: &str) -> String {
    if color() {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// `backend: candle (sentence-transformers/all-MiniLM-L6-v2, 384d, cpu)`.
pub fn backend_line(b: &BackendInfo) -> String {
    let mut line = format!("embedder: {}", b.backend);
    if let (Some(m), Some(d)) = (&b.model, b.dims) {
        line.push_str(&format!(
            " ({m}, {d}d, {})",
            b.device.as_deref().unwrap_or("?")
        ));
    }
    if let Some(r) = &b.reason {
        line.push_str(&format!(" — {r}"));
    }
    line
}

/// Grep-like results: `path:start-end  symbol (kind)  score`, then snippet lines.
pub fn search(out: &SearchOutput, debug: bool) {
    if out.results.is_empty() {
        println!("no results for {:?}", out.query);
    }
    for (i, r) in out.results.iter().enumerate() {
        let loc = paint("35", &format!("{}:{}-{}", r.path, r.start_line, r.end_line));
        let sym = r
            .symbol
            .as_deref()
            .map(|s| paint("1;32", s))
            .unwrap_or_default();
        println!("{loc}  {sym} ({}, {})  {:.4}", r.kind, r.language, r.score);
        for line in r.snippet.lines().take(4) {
            println!("    {line}");
        }
        if debug {
            if let Some(d) = &r.debug {
                println!(
                    "    {}",
                    paint(
                        "2",
                        &format!(
                            "#{} bm25 rank {} score {} | vector rank {} cos {} | boosts [{}]",
                            i + 1,
                            fmt_opt(d.bm25_rank),
                            d.bm25_score.map_or("-".into(), |s| format!("{s:.3}")),
                            fmt_opt(d.vector_rank),
                            d.vector_cosine.map_or("-".into(), |s| format!("{s:.3}")),
                            d.boosts.join(", ")
                        )
                    )
                );
                if let Some(f) = &d.rerank {
                    let line = format!(
                        "rerank x{:.2}: cos {:.3}, bm25 {:.2}, coverage {:.2}, name {:.2}, {:?}",
                        f.multiplier, f.cosine, f.bm25, f.coverage, f.name, f.kind
                    );
                    println!("    {}", paint("2", &line));
                }
            }
        }
        println!();
    }
    if debug {
        let t: Vec<String> = out
            .timings_ms
            .iter()
            .map(|(k, v)| format!("{k} {v:.2}ms"))
            .collect();
        println!("backend: {}  timings: {}", out.backend, t.join(", "));
    }
    if out.degraded {
        eprintln!(
            "note: degraded search — {}",
            out.degraded_reason.as_deref().unwrap_or("BM25 only")
        );
    }
    if out.stale {
        eprintln!("note: the index is catching up with recent changes");
    }
}

fn fmt_opt(v: Option<u32>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

/// `status` as aligned lines.
pub fn status(s: &Status) {
    println!("root:        {}", s.root);
    if !s.indexed {
        println!("index:       none — run `amanmcp index`");
        return;
    }
    println!("files:       {}", s.files);
    println!("chunks:      {}", s.chunks);
    let langs: Vec<String> = s
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    println!("languages:   {}", langs.join(", "));
    println!(
        "embedder:    {} {} {}",
        s.backend,
        s.model.as_deref().unwrap_or(""),
        s.dims.map(|d| format!("{d}d")).unwrap_or_default()
    );
    if s.degraded {
        println!(
            "degraded:    {}",
            s.degraded_reason.as_deref().unwrap_or("yes")
        );
    }
    for (b, why) in &s.skipped_backends {
        println!("skipped:     {b}: {why}");
    }
    println!(
        "pending:     {} chunks waiting for embeddings",
        s.pending_embeddings
    );
    println!("size:        {:.1} MiB", s.index_bytes as f64 / 1048576.0);
    if let Some(t) = s.last_update {
        println!("updated:     {} (unix time)", t);
    }
    if let Some(n) = s.stale_files {
        println!("stale:       {n} files changed since the last index run");
    }
}

/// Summary of an index run with the stage breakdown.
pub fn index_report(r: &IndexReport) {
    eprintln!(
        "indexed {} files ({} new, {} changed, {} removed, {} unchanged, {} skipped) in {:.2}s",
        r.files_scanned,
        r.files_added,
        r.files_modified,
        r.files_removed,
        r.files_unchanged,
        r.files_skipped,
        r.wall_ms / 1000.0
    );
    eprintln!(
        "chunks: {} written, {} from cache, {} embedded, {} total, {} pending",
        r.chunks_written, r.chunks_cached, r.chunks_embedded, r.chunks_total, r.pending_embeddings
    );
    let stages: Vec<String> = r
        .stages_ms
        .iter()
        .map(|(k, v)| format!("{k} {:.0}ms", v))
        .collect();
    eprintln!("stages: {}", stages.join(", "));
}

/// `index --dry-run` survey.
pub fn dry_run(p: &DryRunReport) {
    println!("files to index: {} ({} skipped)", p.files, p.skipped);
    for (reason, n) in &p.skipped_by_reason {
        println!("  skipped {n}: {reason}");
    }
    if !p.excluded_dirs.is_empty() {
        println!("excluded directories: {}", p.excluded_dirs.join(", "));
    }
    println!("chunks: {}", p.chunks);
    for (lang, (files, chunks)) in &p.languages {
        println!("  {lang:<12} {files:>6} files {chunks:>7} chunks");
    }
    println!(
        "embedder: {} {}",
        p.backend,
        p.model.as_deref().unwrap_or("")
    );
    match p.estimated_embed_secs {
        Some(s) => println!("estimated embedding time (empty cache): {s:.1}s"),
        None => println!("no embedding (BM25 only)"),
    }
}

/// Eval table, overall then per language.
pub fn eval(r: &EvalReport) {
    println!(
        "{:<12} {:>6} {:>9} {:>6} {:>6} {:>6} {:>9} {:>6}",
        "language",
        "n",
        format!("MRR@{}", r.k),
        "R@1",
        "R@5",
        format!("R@{}", r.k),
        "fileMRR",
        "errors"
    );
    let row = |name: &str, m: &Metrics| {
        println!(
            "{:<12} {:>6} {:>9.4} {:>6.3} {:>6.3} {:>6.3} {:>9.4} {:>6}",
            name,
            m.queries,
            m.chunk_mrr,
            m.recall_at_1,
            m.recall_at_5,
            m.recall_at_k,
            m.file_mrr,
            m.errors
        )
    };
    row("all", &r.overall);
    for (lang, m) in &r.per_language {
        row(lang, m);
    }
    println!(
        "mode {:?}, backend {}, latency p50 {:.1} ms, p95 {:.1} ms",
        r.mode, r.backend, r.latency_p50_ms, r.latency_p95_ms
    );
}
