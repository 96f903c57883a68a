//! A search as the front ends express it, before validation.

use amanmcp_index::SearchMode;

/// Which part of the corpus a query covers (`search`, `search_code`, `search_docs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryScope {
    #[default]
    All,
    /// Source code only.
    Code,
    /// Markdown and plain-text documentation only.
    Docs,
}

/// One search request. Filters are strings so that every front end gets the
/// same validation and error messages from [`crate::Engine::search`].
#[derive(Debug, Clone)]
pub struct Query {
    pub text: String,
    pub limit: usize,
    /// Language names (`rust`, `py`, …); empty means all.
    pub languages: Vec<String>,
    /// Glob over relative paths (`src/**`, `*.rs`) or a directory prefix.
    pub path_glob: Option<String>,
    /// Chunk kinds (`function`, `class`, …); empty means all.
    pub kinds: Vec<String>,
    pub scope: QueryScope,
    pub mode: SearchMode,
    /// Include per-result ranking detail.
    pub debug: bool,
}

impl Query {
    /// A hybrid query over everything.
    pub fn new(text: impl Into<String>, limit: usize) -> Query {
        Query {
            text: text.into(),
            limit,
            languages: Vec::new(),
            path_glob: None,
            kinds: Vec::new(),
            scope: QueryScope::All,
            mode: SearchMode::Hybrid,
            debug: false,
        }
    }
}

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 2000;
/// Largest accepted result limit.
pub const MAX_LIMIT: usize = 100;
