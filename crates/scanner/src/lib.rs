//! Walks a project tree and reports the files worth indexing.

mod language;

pub use language::{Language, UnknownLanguage};
