//! The on-disk index: SQLite (source of truth and embedding cache), tantivy
//! BM25 and an hnsw_rs graph (both derived and repaired from SQLite), with
//! hybrid search.
//!
//! Files in the index directory (`<project>/.amanmcp/`):
//! - `index.sqlite` — files, chunks (content, embed text, symbol, scope, kind,
//!   lines, `text_hash`, `has_vector`) and the manifest (schema version,
//!   embedding spec, created/updated, `data_generation`, `vector_generation`).
//! - `embeddings.sqlite` — vector cache keyed by (model id, dims, text hash);
//!   may live elsewhere and be shared (`IndexOptions::cache_path`).
//! - `bm25/` — tantivy; each commit's payload is the data generation it reflects.
//! - `vectors/g<gen>-<nanos>.hnsw.{graph,data}` plus `vectors/current.json`
//!   naming the live dump, its vector generation and embedding spec.
//! - `writer.lock` — OS lock of the single writer, holding its pid.
//!
//! Commit order is SQLite, then BM25, then (in `commit_vectors`) a new graph
//! dump and an atomic pointer switch. A crash between steps leaves the derived
//! store one generation behind: readers keep searching it, and the next writer
//! rebuilds BM25 from SQLite and re-inserts missing vectors from the cache.

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
mod rerank;
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
pub use rerank::{KindClass, RerankFeatures};
pub use tokenizer::split_code;
pub use types::*;
pub use writer::{vector_key, IndexWriter};
