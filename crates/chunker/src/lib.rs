//! Symbol-aware chunking: tree-sitter for 16 programming languages,
//! Markdown by headings, line windows for everything else.
//!
//! Every chunk's `embed_text` is a short plain-text header followed by the
//! content:
//!
//! ```text
//! path: tokio/src/task/join_set.rs
//! scope: impl<T> JoinSet<T>
//! signature: pub fn abort_all(&mut self)   (only on continuation parts)
//! <content>
//! ```
//!
//! Strategy: code is chunked by syntax tree (one chunk per definition with
//! its doc comments and attributes; tiny neighbours merged; oversized
//! containers split per member, other oversized definitions at statement
//! then line boundaries, every part keeping symbol and signature). A tree
//! whose ERROR nodes cover more than half of the file's bytes is treated as
//! unparsable and the file gets line windows, as do data and text formats.
//! Whatever the strategy, every non-blank line ends up in a chunk: if the
//! structured result ever missed one, the file falls back to line windows.
//!
//! Markdown chunks show `section: A > B > C` instead of `scope:`. Plain
//! `key: value` lines read naturally to embedding models in any language
//! and cost a handful of tokens.

pub mod abbreviations;
mod chunk;
mod chunker;
mod code;
mod definition;
mod languages;
mod lines;
mod markdown;
mod names;
mod span;
mod tokens;
mod unwrap;
mod window;

pub use chunk::{Chunk, ChunkKind};
pub use chunker::{supported_languages, ChunkOptions, Chunker};
pub use names::{chunk_name_text, name_text};
pub use tokens::{EstimateCounter, TokenCounter};
