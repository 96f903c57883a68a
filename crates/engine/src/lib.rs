//! The engine: the indexing pipeline and search orchestration that both the
//! CLI and the MCP server drive.
//!
//! Data flow of an index run ([`Engine::index`], in [`pipeline`]):
//!
//! 1. **scan** — `amanmcp_scanner::scan` walks the tree (ignore rules,
//!    binary/size filters) and hashes every file;
//! 2. **diff** — hashes are compared with the index's file records: new and
//!    changed files go on, vanished ones are removed;
//! 3. **chunk** — worker threads read and chunk files with
//!    `amanmcp_chunker::Chunker` (token budget from the embedder's tokenizer);
//! 4. **store** — one writer thread upserts chunks into the index (SQLite +
//!    tantivy BM25) and commits early, so keyword search works within seconds;
//! 5. **embed** — chunks still without a vector (the embedding cache already
//!    filled the rest) are embedded in batches by `amanmcp_embed` on one
//!    thread while the writer inserts finished vectors into the HNSW graph.
//!
//! A search ([`Engine::search`], in [`search`]) embeds the query, asks the
//! index for a fused BM25 + vector ranking and shapes it into [`SearchOutput`].

mod config;
mod dry_run;
mod engine;
mod error;
pub mod eval;
mod output;
mod paths;
mod pipeline;
mod progress;
mod query;
mod search;

pub use config::{project_config_path, user_config_path, Config, ConfigOverrides, FileConfig};
pub use dry_run::DryRunReport;
pub use engine::{BackendInfo, Engine, INDEX_DIR};
pub use error::EngineError;
pub use output::{ChunkText, IndexReport, RankDebug, ResultItem, SearchOutput, Status};
pub use progress::{CancelFlag, NoProgress, ProgressSink};
pub use query::{Query, QueryScope};

pub use amanmcp_chunker::ChunkKind;
/// Model registry and resolution, for `amanmcp model`.
pub use amanmcp_embed::models;
pub use amanmcp_index::SearchMode;
pub use amanmcp_scanner::Language;
