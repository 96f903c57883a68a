//! Tuning knobs of the writer.

use std::path::PathBuf;
use std::time::Duration;

/// How a writer opens and maintains the index.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// How long a second writer waits for the lock before failing with `Locked`.
    pub lock_timeout: Duration,
    /// Embedding cache database; `None` means `<dir>/embeddings.sqlite`.
    /// Point several indexes (worktrees) at one file to share vectors.
    pub cache_path: Option<PathBuf>,
    /// Fraction of dead graph points above which `commit_vectors` rebuilds the graph.
    pub tombstone_rebuild_ratio: f32,
    /// HNSW links per node (1..=255).
    pub hnsw_m: usize,
    /// HNSW construction beam width.
    pub hnsw_ef_construction: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            lock_timeout: Duration::from_secs(10),
            cache_path: None,
            tombstone_rebuild_ratio: 0.2,
            hnsw_m: 16,
            hnsw_ef_construction: 200,
        }
    }
}
