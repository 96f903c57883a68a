//! Scan configuration and the report types the scan returns.

use crate::Language;
use std::fmt;
use std::path::PathBuf;

/// How the scanner decides what to index; `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Files larger than this are skipped (default 1 MiB): they are almost
    /// always data or generated code and would dominate the index.
    pub max_file_size: u64,
    /// Extra gitignore-syntax patterns from the user's config, relative to the
    /// root. They come after the built-in defaults, so `!vendor/` re-includes
    /// a default exclusion; `.gitignore`/`.amanmcpignore` files still win.
    pub ignore_patterns: Vec<String>,
    /// Name of the index directory under the root (default `.amanmcp`); never scanned.
    pub index_dir_name: String,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 1024 * 1024,
            ignore_patterns: Vec::new(),
            index_dir_name: ".amanmcp".to_string(),
        }
    }
}

/// A file worth indexing, with what change detection needs (size, mtime, hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedFile {
    /// Relative to the scan root, `/`-separated.
    pub path: String,
    pub abs_path: PathBuf,
    pub language: Language,
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (0 if unknown).
    pub mtime_ns: i64,
    /// blake3 hex digest of the raw file bytes.
    pub hash: String,
}

/// Why a file was not indexed, so `index --debug` can explain missing files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Contains NUL bytes in the first 8 KiB.
    Binary,
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Lock files, minified bundles and similar machine-written content.
    Generated,
    /// Permission denied or another I/O error.
    Unreadable(String),
    /// Not UTF-8 and too far from it for a lossy decode to be honest text.
    InvalidUtf8,
    BrokenSymlink,
    SymlinkLoop,
    /// A symlink pointing outside the root (not followed: it could be `/`).
    SymlinkOutsideRoot,
    /// Extension or name not in the known-language list (see [`crate::detect_language`]).
    UnknownLanguage,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Binary => f.write_str("binary file"),
            SkipReason::TooLarge { size, limit } => {
                write!(f, "too large ({size} bytes, limit {limit})")
            }
            SkipReason::Generated => f.write_str("generated or minified file"),
            SkipReason::Unreadable(why) => write!(f, "unreadable: {why}"),
            SkipReason::InvalidUtf8 => f.write_str("not valid UTF-8 text"),
            SkipReason::BrokenSymlink => f.write_str("broken symlink"),
            SkipReason::SymlinkLoop => f.write_str("symlink loop"),
            SkipReason::SymlinkOutsideRoot => f.write_str("symlink pointing outside the root"),
            SkipReason::UnknownLanguage => f.write_str("unknown file type"),
        }
    }
}

/// A file the scan saw but did not index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// Relative to the scan root, `/`-separated.
    pub path: String,
    pub reason: SkipReason,
}

/// Everything one scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Sorted by path.
    pub files: Vec<ScannedFile>,
    /// Sorted by path.
    pub skipped: Vec<SkippedFile>,
    /// Well-known heavy directories skipped by the built-in defaults
    /// (`target/`, `node_modules/`, ...), relative with a trailing `/`, sorted.
    pub excluded_dirs: Vec<String>,
}

/// The scan could not start: the root itself is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("scan root {path} does not exist or is not accessible: {source}")]
    RootUnavailable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("scan root {0} is not a directory")]
    RootNotDirectory(PathBuf),
}
