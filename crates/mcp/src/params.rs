//! Tool arguments as clients send them, with their JSON schemas, and the
//! checks that turn them into requests the engine accepts. Numbers arrive as
//! `i64` on purpose: an out-of-range `limit` then gets our own clear message
//! instead of a serde type error.

use crate::confine::{confine_glob, PathError};
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// Results per call when the client does not say.
pub const DEFAULT_LIMIT: usize = 10;
/// Largest `limit` a client may ask for.
pub const MAX_LIMIT: usize = 100;
/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 2000;
/// Most lines one `get_chunk` range may return.
pub const MAX_RANGE_LINES: u32 = 2000;

/// `search`: hybrid search over everything.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchParams {
    /// What to look for: natural language ("where are retries configured") or identifiers.
    pub query: String,
    /// Number of results, 1-100 (default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// Only these languages, e.g. "rust" or "python,go".
    pub language: Option<String>,
    /// Only paths under this directory or matching this glob, relative to the project root (e.g. "src/net" or "src/**/*.rs").
    pub path: Option<String>,
    /// Only these chunk kinds, e.g. "function", "struct,class", "doc".
    pub kind: Option<String>,
}

/// `search_code`: code only.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchCodeParams {
    /// What to look for: behaviour in natural language or identifiers.
    pub query: String,
    /// Number of results, 1-100 (default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// Only these languages, e.g. "rust" or "python,go".
    pub language: Option<String>,
    /// Only paths under this directory or matching this glob, relative to the project root.
    pub path: Option<String>,
    /// Only these symbol kinds, e.g. "function", "method", "struct,enum", "class".
    pub kind: Option<String>,
}

/// `search_docs`: Markdown and plain-text documentation only.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchDocsParams {
    /// What to look for in the project's documentation.
    pub query: String,
    /// Number of results, 1-100 (default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// Only paths under this directory or matching this glob, relative to the project root (e.g. "docs").
    pub path: Option<String>,
}

/// `find_symbol`: definitions by name.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FindSymbolParams {
    /// Symbol name, e.g. "parse_config" or "Server::run"; exact matches first, then fuzzy ones.
    pub name: String,
    /// Only this kind, e.g. "function", "struct", "class", "method".
    pub kind: Option<String>,
    /// Number of results, 1-100 (default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
}

/// `get_chunk`: source text by chunk id or by line range.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetChunkParams {
    /// A chunk id from a search result. Give either this or path + start_line + end_line.
    pub id: Option<String>,
    /// File path relative to the project root.
    pub path: Option<String>,
    /// First line, 1-based.
    #[schemars(range(min = 1))]
    pub start_line: Option<i64>,
    /// Last line, 1-based, inclusive.
    #[schemars(range(min = 1))]
    pub end_line: Option<i64>,
}

/// `reindex`: bring the index up to date with the working tree.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ReindexParams {
    /// Rebuild everything from scratch instead of updating changed files (default false).
    pub force: Option<bool>,
    /// Wait for the run to finish before answering (default false: answer at once, run in the background).
    pub wait: Option<bool>,
}

/// One-line signatures, appended to argument errors so the agent sees
/// what the tool expects.
pub mod usage {
    pub const SEARCH: &str = "search {query: string, limit?: integer 1-100, language?: string, path?: string, kind?: string}";
    pub const SEARCH_CODE: &str = "search_code {query: string, limit?: integer 1-100, language?: string, path?: string, kind?: string}";
    pub const SEARCH_DOCS: &str =
        "search_docs {query: string, limit?: integer 1-100, path?: string}";
    pub const FIND_SYMBOL: &str =
        "find_symbol {name: string, kind?: string, limit?: integer 1-100}";
    pub const GET_CHUNK: &str =
        "get_chunk {id: string} or {path: string, start_line: integer, end_line: integer}";
    pub const REINDEX: &str = "reindex {force?: boolean, wait?: boolean}";
}

/// Deserializes tool arguments; the error names the problem and shows the
/// expected signature (serde alone does not say which field was wrong).
pub fn parse_args<T: DeserializeOwned>(args: JsonObject, usage: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::Object(args))
        .map_err(|e| format!("invalid arguments: {e}. Expected {usage}"))
}

/// The input schema advertised for `T` (an empty object schema if schema
/// generation fails, which would be a bug caught by the tests).
pub fn input_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    rmcp::handler::server::common::schema_for_input::<T>().unwrap_or_else(|e| {
        tracing::error!("invalid input schema: {e}");
        rmcp::handler::server::common::schema_for_empty_input()
    })
}

/// Which part of the corpus a search covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Code and documentation.
    All,
    /// Source code only.
    Code,
    /// Markdown / text only.
    Docs,
}

/// A validated search, independent of the engine's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    pub text: String,
    pub limit: usize,
    pub languages: Vec<String>,
    pub path_glob: Option<String>,
    pub kinds: Vec<String>,
    pub scope: Scope,
}

/// A validated `get_chunk` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkTarget {
    /// By chunk id.
    Id(String),
    /// By root-relative path and inclusive 1-based lines.
    Range {
        path: String,
        start_line: u32,
        end_line: u32,
    },
}

/// A request a client got wrong; the message is shown to the agent as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    #[error("`{field}` is too long ({len} characters; at most {max})")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("`limit` must be between 1 and {MAX_LIMIT} (got {0})")]
    LimitOutOfRange(i64),
    #[error("`path`: {0}")]
    Path(#[from] PathError),
    #[error("give either `id`, or `path` with `start_line` and `end_line`")]
    ChunkTargetMissing,
    #[error("give either `id` or a line range, not both")]
    ChunkTargetAmbiguous,
    #[error("`{field}` must be a line number of at least 1 (got {value})")]
    BadLine { field: &'static str, value: i64 },
    #[error("`end_line` ({end}) is before `start_line` ({start})")]
    ReversedRange { start: i64, end: i64 },
    #[error(
        "the range {start}-{end} spans more than {MAX_RANGE_LINES} lines; ask for a smaller range"
    )]
    RangeTooLarge { start: i64, end: i64 },
}

impl SearchParams {
    /// Validates into a search over everything.
    pub fn validate(self, root: &Path) -> Result<SearchRequest, ParamError> {
        build_search(
            root,
            Scope::All,
            self.query,
            self.limit,
            self.language,
            self.path,
            self.kind,
        )
    }
}

impl SearchCodeParams {
    /// Validates into a code-only search.
    pub fn validate(self, root: &Path) -> Result<SearchRequest, ParamError> {
        build_search(
            root,
            Scope::Code,
            self.query,
            self.limit,
            self.language,
            self.path,
            self.kind,
        )
    }
}

impl SearchDocsParams {
    /// Validates into a docs-only search.
    pub fn validate(self, root: &Path) -> Result<SearchRequest, ParamError> {
        build_search(
            root,
            Scope::Docs,
            self.query,
            self.limit,
            None,
            self.path,
            None,
        )
    }
}

/// A validated `find_symbol` request: name, optional kind, limit.
pub type SymbolRequest = (String, Option<String>, usize);

impl FindSymbolParams {
    /// Validates name, kind and limit.
    pub fn validate(self) -> Result<SymbolRequest, ParamError> {
        let name = bounded_text("name", &self.name, 500)?;
        let kind = self
            .kind
            .map(|k| k.trim().to_ascii_lowercase())
            .filter(|k| !k.is_empty());
        Ok((name, kind, limit(self.limit)?))
    }
}

impl GetChunkParams {
    /// Validates into an id lookup or a confined line range.
    pub fn validate(self, root: &Path) -> Result<ChunkTarget, ParamError> {
        let id = self
            .id
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let has_range = self.path.is_some() || self.start_line.is_some() || self.end_line.is_some();
        match (id, has_range) {
            (Some(_), true) => Err(ParamError::ChunkTargetAmbiguous),
            (Some(id), false) => Ok(ChunkTarget::Id(id)),
            (None, false) => Err(ParamError::ChunkTargetMissing),
            (None, true) => {
                let (Some(path), Some(start), Some(end)) =
                    (self.path, self.start_line, self.end_line)
                else {
                    return Err(ParamError::ChunkTargetMissing);
                };
                let path = crate::confine::confine_path(root, &path)?;
                let start_line = line("start_line", start)?;
                let end_line = line("end_line", end)?;
                if end < start {
                    return Err(ParamError::ReversedRange { start, end });
                }
                if end_line - start_line >= MAX_RANGE_LINES {
                    return Err(ParamError::RangeTooLarge { start, end });
                }
                Ok(ChunkTarget::Range {
                    path,
                    start_line,
                    end_line,
                })
            }
        }
    }
}

fn build_search(
    root: &Path,
    scope: Scope,
    query: String,
    limit_arg: Option<i64>,
    language: Option<String>,
    path: Option<String>,
    kind: Option<String>,
) -> Result<SearchRequest, ParamError> {
    let text = bounded_text("query", &query, MAX_QUERY_CHARS)?;
    let path_glob = match path.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(path_filter(root, p)?).filter(|g| !g.is_empty()),
    };
    Ok(SearchRequest {
        text,
        limit: limit(limit_arg)?,
        languages: list(language),
        path_glob,
        kinds: list(kind),
        scope,
    })
}

/// A directory or file becomes a glob matching itself and everything below;
/// an explicit glob is passed through (after confinement).
fn path_filter(root: &Path, input: &str) -> Result<String, ParamError> {
    let rel = confine_glob(root, input)?;
    if rel.is_empty() {
        return Ok(rel);
    }
    if rel.contains(['*', '?', '[', '{']) {
        Ok(rel)
    } else {
        Ok(format!("{{{rel},{rel}/**}}"))
    }
}

fn bounded_text(field: &'static str, value: &str, max: usize) -> Result<String, ParamError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ParamError::Empty(field));
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(ParamError::TooLong { field, len, max });
    }
    Ok(trimmed.to_string())
}

fn limit(value: Option<i64>) -> Result<usize, ParamError> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
        Some(n) => Err(ParamError::LimitOutOfRange(n)),
    }
}

fn line(field: &'static str, value: i64) -> Result<u32, ParamError> {
    u32::try_from(value)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or(ParamError::BadLine { field, value })
}

/// "rust, Python go" → ["rust", "python", "go"].
fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split([',', ' ', ';'])
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(query: &str, limit: Option<i64>) -> SearchParams {
        SearchParams {
            query: query.into(),
            limit,
            language: None,
            path: None,
            kind: None,
        }
    }

    #[test]
    fn defaults_and_lists_are_filled_in() {
        let root = Path::new("/project");
        let p = SearchParams {
            query: "  retry policy ".into(),
            limit: None,
            language: Some("Rust, python".into()),
            path: Some("./src/net".into()),
            kind: Some("function".into()),
        };
        let req = p.validate(root).expect("valid");
        assert_eq!(req.text, "retry policy");
        assert_eq!(req.limit, DEFAULT_LIMIT);
        assert_eq!(req.languages, vec!["rust", "python"]);
        assert_eq!(req.path_glob.as_deref(), Some("{src/net,src/net/**}"));
        assert_eq!(req.kinds, vec!["function"]);
        assert_eq!(req.scope, Scope::All);
    }

    #[test]
    fn bad_queries_and_limits_are_refused_with_clear_messages() {
        let root = Path::new("/project");
        assert_eq!(
            search("   ", None).validate(root),
            Err(ParamError::Empty("query"))
        );
        let huge = "x".repeat(MAX_QUERY_CHARS + 1);
        let err = search(&huge, None).validate(root).expect_err("too long");
        assert!(err.to_string().contains("too long"), "{err}");
        for bad in [0, -3, 101, 10_000] {
            let err = search("q", Some(bad)).validate(root).expect_err("limit");
            assert_eq!(err, ParamError::LimitOutOfRange(bad));
            assert!(err.to_string().contains("between 1 and 100"));
        }
        assert_eq!(
            search("q", Some(100)).validate(root).map(|r| r.limit),
            Ok(100)
        );
    }

    #[test]
    fn path_filters_stay_inside_the_root() {
        let root = Path::new("/project");
        let mut p = search("q", None);
        p.path = Some("../other".into());
        assert!(matches!(
            p.validate(root),
            Err(ParamError::Path(PathError::ParentTraversal(_)))
        ));
        let mut p = search("q", None);
        p.path = Some("/etc".into());
        assert!(matches!(
            p.validate(root),
            Err(ParamError::Path(PathError::OutsideRoot(_)))
        ));
        let mut p = search("q", None);
        p.path = Some("/project/src/**/*.rs".into());
        assert_eq!(
            p.validate(root).expect("ok").path_glob.as_deref(),
            Some("src/**/*.rs")
        );
    }

    #[test]
    fn chunk_targets_need_exactly_one_form() {
        let root = Path::new("/project");
        let none = GetChunkParams {
            id: None,
            path: None,
            start_line: None,
            end_line: None,
        };
        assert_eq!(none.validate(root), Err(ParamError::ChunkTargetMissing));
        let both = GetChunkParams {
            id: Some("c1".into()),
            path: Some("a.rs".into()),
            start_line: Some(1),
            end_line: Some(2),
        };
        assert_eq!(both.validate(root), Err(ParamError::ChunkTargetAmbiguous));
        let partial = GetChunkParams {
            id: None,
            path: Some("a.rs".into()),
            start_line: Some(1),
            end_line: None,
        };
        assert_eq!(partial.validate(root), Err(ParamError::ChunkTargetMissing));
        let reversed = GetChunkParams {
            id: None,
            path: Some("a.rs".into()),
            start_line: Some(9),
            end_line: Some(2),
        };
        assert_eq!(
            reversed.validate(root),
            Err(ParamError::ReversedRange { start: 9, end: 2 })
        );
        let zero = GetChunkParams {
            id: None,
            path: Some("a.rs".into()),
            start_line: Some(0),
            end_line: Some(2),
        };
        assert!(matches!(
            zero.validate(root),
            Err(ParamError::BadLine { .. })
        ));
        let ok = GetChunkParams {
            id: None,
            path: Some("a.rs".into()),
            start_line: Some(3),
            end_line: Some(7),
        };
        assert_eq!(
            ok.validate(root),
            Ok(ChunkTarget::Range {
                path: "a.rs".into(),
                start_line: 3,
                end_line: 7
            })
        );
        let id = GetChunkParams {
            id: Some(" c1 ".into()),
            path: None,
            start_line: None,
            end_line: None,
        };
        assert_eq!(id.validate(root), Ok(ChunkTarget::Id("c1".into())));
    }

    #[test]
    fn argument_errors_name_the_expected_signature() {
        let mut args = JsonObject::new();
        args.insert("query".into(), serde_json::json!("q"));
        args.insert("limit".into(), serde_json::json!("ten"));
        let err = parse_args::<SearchParams>(args, usage::SEARCH).expect_err("bad type");
        assert!(
            err.contains("invalid type") && err.contains("limit?: integer 1-100"),
            "{err}"
        );
        let err =
            parse_args::<SearchParams>(JsonObject::new(), usage::SEARCH).expect_err("missing");
        assert!(err.contains("missing field `query`"), "{err}");
    }

    #[test]
    fn schemas_advertise_the_limit_range() {
        let schema =
            rmcp::handler::server::tool::schema_for_input::<SearchParams>().expect("schema");
        let text = serde_json::to_string(&*schema).expect("json");
        assert!(text.contains("\"maximum\":100"), "{text}");
        assert!(text.contains("\"query\""), "{text}");
        let required = schema.get("required").expect("required");
        assert_eq!(required, &serde_json::json!(["query"]));
    }
}
