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
//! Markdown chunks show `section: A > B > C` instead of `scope:`. Plain
//! `key: value` lines read naturally to embedding models in any language
//! and cost a handful of tokens.

mod chunk;
mod chunker;
mod code;
mod languages;
mod lines;
mod markdown;
mod names;
mod span;
mod tokens;
mod window;

pub use chunk::{Chunk, ChunkKind};
pub use chunker::{supported_languages, ChunkOptions, Chunker};
pub use tokens::{EstimateCounter, TokenCounter};
