//! Symbol-aware chunking.

mod chunk;
mod names;
mod tokens;

pub use chunk::{Chunk, ChunkKind};
pub use tokens::{EstimateCounter, TokenCounter};
