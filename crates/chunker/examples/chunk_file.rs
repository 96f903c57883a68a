//! Prints the chunks of one file: `cargo run -p amanmcp-chunker --example chunk_file -- FILE`.
//! A debugging aid for checking symbols, scopes and line ranges by eye.

use amanmcp_chunker::{ChunkOptions, Chunker, EstimateCounter, TokenCounter};
use std::path::Path;
use std::sync::Arc;

fn main() {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: chunk_file FILE [--text] [--max TOKENS]");
        std::process::exit(2);
    };
    let show_text = std::env::args().any(|a| a == "--text");
    let path = Path::new(&file);
    let Some(language) = amanmcp_scanner::detect_language(path, None) else {
        eprintln!("unknown language for {file}");
        std::process::exit(1);
    };
    let source = match amanmcp_scanner::read_text(path) {
        Ok(s) => s,
        Err(reason) => {
            eprintln!("{file}: {reason}");
            std::process::exit(1);
        }
    };
    let max_tokens = std::env::args()
        .skip_while(|a| a != "--max")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(ChunkOptions::default().max_tokens);
    let chunker = Chunker::new(ChunkOptions { max_tokens }, Arc::new(EstimateCounter));
    for c in chunker.chunk(&file, language, &source) {
        println!(
            "{:>5}-{:<5} {:<9} tok={:<4} sym={:?} scope={:?} sig={:?}",
            c.start_line,
            c.end_line,
            c.kind,
            EstimateCounter.count(&c.embed_text),
            c.symbol,
            c.scope,
            c.signature
        );
        if show_text {
            println!("{}\n-----", c.embed_text);
        }
    }
}
