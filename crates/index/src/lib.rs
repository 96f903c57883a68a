//! The on-disk index: SQLite (source of truth and embedding cache), tantivy
//! BM25 and an hnsw_rs graph (both derived and repaired from SQLite), with
//! hybrid search.

mod bm25;
mod cache;
mod error;
mod filters;
mod graph;
mod layout;
mod lock;
mod meta;
mod options;
mod queries;
mod ranking;
mod reader;
mod rows;
mod search;
mod symbols;
mod tokenizer;
mod types;
mod writer;
mod writer_vectors;

pub use error::IndexError;
pub use options::IndexOptions;
pub use ranking::is_test_path;
pub use reader::{index_exists, IndexReader};
pub use tokenizer::split_code;
pub use types::*;
pub use writer::IndexWriter;
