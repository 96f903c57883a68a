//! Engine errors: each renders as one line with the cause and, where one
//! exists, what to do about it.

use std::path::PathBuf;

/// Everything the engine can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A configuration value is invalid; the message names the key.
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Embed(#[from] amanmcp_embed::EmbedError),
    #[error(transparent)]
    Index(amanmcp_index::IndexError),
    #[error("cannot scan the project: {0}")]
    Scan(String),
    /// Another process holds the index writer lock.
    #[error("{0}")]
    Busy(String),
    /// Searching a directory that has no index yet.
    #[error("no index in {0} — run `amanmcp index` there first")]
    NoIndex(PathBuf),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("path is outside the project root: {0}")]
    PathOutsideRoot(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The run was interrupted; what was done so far is committed.
    #[error("cancelled")]
    Cancelled,
}

impl From<amanmcp_index::IndexError> for EngineError {
    fn from(e: amanmcp_index::IndexError) -> Self {
        match e {
            amanmcp_index::IndexError::Locked { .. } => EngineError::Busy(e.to_string()),
            amanmcp_index::IndexError::NotFound { dir } => {
                EngineError::NoIndex(dir.parent().map(PathBuf::from).unwrap_or(dir))
            }
            other => EngineError::Index(other),
        }
    }
}

impl EngineError {
    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        EngineError::Io {
            context: context.into(),
            source,
        }
    }
}
