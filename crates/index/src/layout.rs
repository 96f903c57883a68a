//! Where each store lives inside the index directory.

use std::path::{Path, PathBuf};

/// Paths of the files making up one index.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: &Path) -> Self {
        Layout {
            dir: dir.to_path_buf(),
        }
    }
    /// Source of truth: files, chunks, manifest.
    pub fn sqlite(&self) -> PathBuf {
        self.dir.join("index.sqlite")
    }
    /// Default embedding cache.
    pub fn default_cache(&self) -> PathBuf {
        self.dir.join("embeddings.sqlite")
    }
    pub fn lock(&self) -> PathBuf {
        self.dir.join("writer.lock")
    }
    /// tantivy directory (derived).
    pub fn bm25(&self) -> PathBuf {
        self.dir.join("bm25")
    }
    /// hnsw dumps and the pointer naming the current one (derived).
    pub fn vectors(&self) -> PathBuf {
        self.dir.join("vectors")
    }
    pub fn graph_pointer(&self) -> PathBuf {
        self.vectors().join("current.json")
    }
}
