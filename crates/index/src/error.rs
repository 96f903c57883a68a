//! Errors of the index store, each with a hint for the user.

use std::path::PathBuf;

/// Why an index operation failed; messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {dir} (run `amanmcp index` first)")]
    NotFound { dir: PathBuf },

    #[error("index at {dir} is being written by another process{} (wait for it to finish, or stop it; readers keep working)", holder_pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Locked {
        dir: PathBuf,
        holder_pid: Option<u32>,
    },

    #[error("index at {dir} is damaged: {reason} (run `amanmcp index` to repair it, or `amanmcp index --force` to rebuild it)")]
    Corrupt { dir: PathBuf, reason: String },

    #[error("index at {dir} has schema version {found}, this build expects {expected} (run `amanmcp index` to upgrade it)")]
    SchemaMismatch {
        dir: PathBuf,
        found: u32,
        expected: u32,
    },

    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("sqlite value: {0}")]
    SqliteValue(#[from] rusqlite::types::FromSqlError),

    #[error("tantivy: {0}")]
    Tantivy(#[from] tantivy::TantivyError),

    #[error("i/o on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("vector graph: {0}")]
    Hnsw(String),

    #[error("invalid vector: {0}")]
    InvalidVector(String),

    #[error("invalid query: {0}")]
    InvalidQuery(String),

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("invalid option: {0}")]
    InvalidOption(String),

    #[error(
        "no embedding model is set for this index (call set_embedding_spec before adding vectors)"
    )]
    NoEmbeddingSpec,
}

impl IndexError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IndexError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Attaches a path to I/O results.
pub(crate) trait IoContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T, IndexError>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T, IndexError> {
        self.map_err(|e| IndexError::io(path, e))
    }
}
