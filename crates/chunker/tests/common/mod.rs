//! Helpers shared by the chunker integration tests.
#![allow(dead_code)]

use amanmcp_chunker::{Chunk, ChunkOptions, Chunker, EstimateCounter};
use amanmcp_scanner::Language;
use std::path::Path;
use std::sync::Arc;

pub fn chunker(max_tokens: usize) -> Chunker {
    Chunker::new(ChunkOptions { max_tokens }, Arc::new(EstimateCounter))
}

pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every fixture with its language.
pub const FIXTURES: &[(&str, Language)] = &[
    ("sample.rs", Language::Rust),
    ("sample.py", Language::Python),
    ("sample.go", Language::Go),
    ("sample.ts", Language::TypeScript),
    ("sample.tsx", Language::Tsx),
    ("sample.js", Language::JavaScript),
    ("Sample.java", Language::Java),
    ("sample.c", Language::C),
    ("sample.cpp", Language::Cpp),
    ("sample.cs", Language::CSharp),
    ("sample.rb", Language::Ruby),
    ("sample.php", Language::Php),
    ("sample.kt", Language::Kotlin),
    ("sample.swift", Language::Swift),
    ("sample.scala", Language::Scala),
    ("sample.sh", Language::Bash),
    ("sample.md", Language::Markdown),
    ("sample.toml", Language::Toml),
];

/// The invariants every chunking must satisfy: non-blank input gives at
/// least one chunk, chunks cover every non-blank line, content matches the
/// byte and line ranges, ids are unique 32-hex strings.
pub fn check_invariants(path: &str, source: &str, chunks: &[Chunk]) {
    let non_blank: Vec<usize> = source
        .split('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    if !non_blank.is_empty() {
        assert!(!chunks.is_empty(), "{path}: no chunks");
    }
    for line in non_blank {
        assert!(
            chunks
                .iter()
                .any(|c| c.start_line as usize <= line && line <= c.end_line as usize),
            "{path}: line {line} not covered"
        );
    }
    let mut ids = std::collections::HashSet::new();
    for c in chunks {
        assert_eq!(c.path, path);
        assert_eq!(
            &source[c.start_byte..c.end_byte],
            c.content,
            "{path}: content/bytes mismatch"
        );
        let line_of = |b: usize| {
            source.as_bytes()[..b]
                .iter()
                .filter(|&&x| x == b'\n')
                .count() as u32
                + 1
        };
        assert_eq!(line_of(c.start_byte), c.start_line, "{path}: start line");
        assert_eq!(
            line_of(c.end_byte.saturating_sub(1).max(c.start_byte)),
            c.end_line,
            "{path}: end line"
        );
        assert!(c.start_line <= c.end_line);
        assert!(!c.content.trim().is_empty(), "{path}: blank chunk");
        assert!(c.embed_text.ends_with(&c.content));
        assert!(c.embed_text.starts_with(&format!("path: {path}\n")) || path.chars().count() > 120);
        assert_eq!(c.id.len(), 32);
        assert!(c.id.chars().all(|ch| ch.is_ascii_hexdigit()));
        assert!(ids.insert(c.id.clone()), "{path}: duplicate id");
    }
}

/// First chunk naming `symbol`.
pub fn by_symbol<'a>(chunks: &'a [Chunk], symbol: &str) -> &'a Chunk {
    chunks
        .iter()
        .find(|c| c.symbol.as_deref() == Some(symbol))
        .unwrap_or_else(|| panic!("no chunk for {symbol}: {:#?}", summary(chunks)))
}

pub fn summary(chunks: &[Chunk]) -> Vec<String> {
    chunks
        .iter()
        .map(|c| {
            format!(
                "{}-{} {} {:?} {:?}",
                c.start_line, c.end_line, c.kind, c.symbol, c.scope
            )
        })
        .collect()
}
