//! Compact text renderings for the model. Structured content carries the
//! full data; the text is what most agents actually read, so it is short:
//! one header line per hit plus a few snippet lines.

use crate::outputs::{ReindexOut, StatusOut, SymbolsOut};
use amanmcp_engine::{ChunkText, ResultItem, SearchOutput};
use std::fmt::Write;

/// Snippet lines shown per result.
const SNIPPET_LINES: usize = 3;
/// Longest snippet line shown, in characters.
const SNIPPET_WIDTH: usize = 160;

/// `search`, `search_code`, `search_docs`.
pub fn search(out: &SearchOutput) -> String {
    let mut text = String::new();
    let mut flags = Vec::new();
    if out.degraded {
        flags.push(match &out.degraded_reason {
            Some(r) => format!("degraded: {r}"),
            None => "degraded".to_string(),
        });
    }
    if out.stale {
        flags.push("stale: index update in progress".to_string());
    }
    let _ = write!(
        text,
        "{} result{} for \"{}\" (backend {}",
        out.results.len(),
        plural(out.results.len()),
        out.query,
        out.backend
    );
    for f in &flags {
        let _ = write!(text, "; {f}");
    }
    text.push_str(")\n");
    if out.results.is_empty() {
        text.push_str(
            "No matches. Try other words, drop filters, or use find_symbol for exact names.\n",
        );
    }
    results(&mut text, &out.results);
    text
}

/// `find_symbol`.
pub fn symbols(out: &SymbolsOut) -> String {
    let mut text = format!(
        "{} definition{} for `{}`\n",
        out.results.len(),
        plural(out.results.len()),
        out.name
    );
    if out.results.is_empty() {
        text.push_str("No symbol by that name. Try search_code with a description instead.\n");
    }
    results(&mut text, &out.results);
    text
}

fn results(text: &mut String, items: &[ResultItem]) {
    for (i, r) in items.iter().enumerate() {
        let _ = write!(
            text,
            "{}. {}:{}-{}",
            i + 1,
            r.path,
            r.start_line,
            r.end_line
        );
        if let Some(symbol) = &r.symbol {
            let _ = write!(text, " {symbol}");
        }
        let _ = writeln!(
            text,
            " ({} {}) score {:.3} id {}",
            r.language, r.kind, r.score, r.id
        );
        for line in r
            .snippet
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(SNIPPET_LINES)
        {
            let _ = writeln!(text, "   | {}", clip(line.trim_end(), SNIPPET_WIDTH));
        }
    }
}

/// `get_chunk`: header line, then the text with line numbers.
pub fn chunk(out: &ChunkText) -> String {
    let mut text = format!("{}:{}-{}", out.path, out.start_line, out.end_line);
    if let Some(symbol) = &out.symbol {
        let _ = write!(text, " {symbol}");
    }
    if let (Some(language), Some(kind)) = (&out.language, &out.kind) {
        let _ = write!(text, " ({language} {kind})");
    }
    text.push('\n');
    let width = out.end_line.max(1).to_string().len();
    for (n, line) in (out.start_line..).zip(out.text.lines()) {
        let _ = writeln!(text, "{n:>width$}  {line}");
    }
    text
}

/// `index_status`.
pub fn status(out: &StatusOut) -> String {
    let mut text = String::new();
    if out.indexed {
        let _ = writeln!(
            text,
            "Index of {}: {} files, {} chunks, {} bytes",
            out.root, out.files, out.chunks, out.index_bytes
        );
    } else {
        let _ = writeln!(
            text,
            "No index yet for {} (building in the background)",
            out.root
        );
    }
    if !out.languages.is_empty() {
        let langs: Vec<String> = out
            .languages
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        let _ = writeln!(text, "Languages: {}", langs.join(", "));
    }
    let model = out.model.as_deref().unwrap_or("-");
    let dims = out
        .dims
        .map(|d| d.to_string())
        .unwrap_or_else(|| "-".into());
    let _ = writeln!(text, "Embedder: {} model {model} dims {dims}", out.backend);
    if out.degraded {
        let _ = writeln!(
            text,
            "Degraded: {}",
            out.degraded_reason.as_deref().unwrap_or("yes")
        );
    }
    for s in &out.skipped_backends {
        let _ = writeln!(text, "Skipped backend {}: {}", s.backend, s.reason);
    }
    let _ = writeln!(text, "Pending embeddings: {}", out.pending_embeddings);
    if let Some(t) = out.last_update {
        let _ = writeln!(text, "Last update: {t} (unix seconds)");
    }
    let s = &out.server;
    let _ = write!(
        text,
        "Watcher: {}; role: {}; stale: {}",
        s.watcher, s.role, out.stale
    );
    if let Some(running) = &s.running {
        let _ = write!(text, "; running {running}");
        if let Some(phase) = &s.phase {
            let _ = write!(text, " ({phase})");
        }
    }
    if s.reconcile_queued || s.queued_paths > 0 {
        let _ = write!(
            text,
            "; queued: {} path(s){}",
            s.queued_paths,
            if s.reconcile_queued {
                " + reconcile"
            } else {
                ""
            }
        );
    }
    text.push('\n');
    if let Some(e) = &s.last_error {
        let _ = writeln!(text, "Last error: {e}");
    }
    text
}

/// `reindex`.
pub fn reindex(out: &ReindexOut) -> String {
    let mut text = out.message.clone();
    if let Some(r) = &out.report {
        let _ = write!(
            text,
            "\n{} files scanned: {} added, {} modified, {} removed; {} chunks written, {} embedded, {} pending; {:.1}s",
            r.files_scanned, r.files_added, r.files_modified, r.files_removed, r.chunks_written, r.chunks_embedded, r.pending_embeddings, r.wall_ms / 1000.0
        );
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn clip(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        return line.to_string();
    }
    let mut s: String = line.chars().take(max).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit() -> ResultItem {
        ResultItem {
            id: "c42".into(),
            path: "src/net/retry.rs".into(),
            start_line: 10,
            end_line: 42,
            symbol: Some("retry_with_backoff".into()),
            scope: None,
            kind: "function".into(),
            language: "rust".into(),
            signature: None,
            score: 0.8731,
            snippet:
                "pub fn retry_with_backoff() {\n\n    let mut delay = 1;\n    loop {\n    }\n}"
                    .into(),
            debug: None,
        }
    }

    #[test]
    fn search_text_is_one_header_and_a_few_snippet_lines_per_hit() {
        let out = SearchOutput {
            query: "retry".into(),
            results: vec![hit()],
            backend: "static".into(),
            degraded: false,
            degraded_reason: None,
            stale: true,
            timings_ms: Default::default(),
        };
        let text = search(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "1 result for \"retry\" (backend static; stale: index update in progress)"
        );
        assert_eq!(
            lines[1],
            "1. src/net/retry.rs:10-42 retry_with_backoff (rust function) score 0.873 id c42"
        );
        assert_eq!(lines[2], "   | pub fn retry_with_backoff() {");
        assert_eq!(lines[3], "   |     let mut delay = 1;");
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn chunk_text_is_numbered_from_its_start_line() {
        let out = ChunkText {
            id: None,
            path: "a.rs".into(),
            start_line: 9,
            end_line: 10,
            symbol: None,
            kind: None,
            language: None,
            text: "fn a() {\n}".into(),
        };
        assert_eq!(chunk(&out), "a.rs:9-10\n 9  fn a() {\n10  }\n");
    }

    #[test]
    fn long_snippet_lines_are_clipped() {
        let long = "x".repeat(500);
        assert_eq!(clip(&long, 10).chars().count(), 11);
    }
}
