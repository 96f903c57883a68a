//! Walks a project tree and reports the files worth indexing: ignore rules
//! (nested `.gitignore`, `.amanmcpignore`, git excludes, built-in defaults),
//! binary/size/generated filters, language detection and content hashes.

mod defaults;
mod detect;
mod filter;
mod language;
mod options;
mod read;
mod walk;

pub use detect::detect_language;
pub use filter::{PathFilter, AMANMCP_IGNORE_FILE};
pub use language::{Language, UnknownLanguage};
pub use options::{ScanError, ScanOptions, ScanReport, ScannedFile, SkipReason, SkippedFile};
pub use read::{decode_text, read_text};
pub use walk::scan;
