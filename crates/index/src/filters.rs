//! Turns `SearchFilters` into the set of chunk ids that may be returned, so
//! both retrieval lists filter inside the search (not after truncation).

use crate::error::IndexError;
use crate::types::SearchFilters;
use amanmcp_chunker::ChunkKind;
use amanmcp_scanner::Language;
use globset::{GlobBuilder, GlobMatcher};
use rusqlite::Connection;
use std::collections::HashSet;

/// A compiled path filter: glob, or plain directory/file prefix.
pub(crate) enum PathFilter {
    Glob { full: GlobMatcher, name_only: bool },
    Prefix(String),
}

impl PathFilter {
    pub fn new(pattern: &str) -> Result<PathFilter, IndexError> {
        let p = pattern.trim().trim_start_matches("./");
        if !p.contains(['*', '?', '[', '{']) {
            return Ok(PathFilter::Prefix(p.trim_end_matches('/').to_string()));
        }
        let glob = GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| IndexError::InvalidQuery(format!("bad path glob `{pattern}`: {e}")))?;
        Ok(PathFilter::Glob {
            full: glob.compile_matcher(),
            name_only: !p.contains('/'),
        })
    }

    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathFilter::Prefix(p) => {
                p.is_empty()
                    || path == p
                    || (path.starts_with(p.as_str()) && path.as_bytes().get(p.len()) == Some(&b'/'))
            }
            PathFilter::Glob { full, name_only } => {
                full.is_match(path)
                    || (*name_only && full.is_match(path.rsplit('/').next().unwrap_or(path)))
            }
        }
    }
}

/// True when the filters restrict anything.
pub(crate) fn is_active(f: &SearchFilters) -> bool {
    !f.languages.is_empty() || f.path_glob.is_some() || !f.kinds.is_empty() || f.code_only.is_some()
}

/// A stable key for caching the allowed set of one filter combination.
pub(crate) fn cache_key(f: &SearchFilters) -> String {
    let mut langs: Vec<&str> = f.languages.iter().map(|l| l.as_str()).collect();
    langs.sort_unstable();
    let mut kinds: Vec<&str> = f.kinds.iter().map(|k| k.as_str()).collect();
    kinds.sort_unstable();
    format!("{langs:?}|{:?}|{kinds:?}|{:?}", f.path_glob, f.code_only)
}

/// Chunk ids passing the filters.
pub(crate) fn allowed_cids(
    conn: &Connection,
    f: &SearchFilters,
) -> Result<HashSet<i64>, IndexError> {
    let path = f.path_glob.as_deref().map(PathFilter::new).transpose()?;
    let langs: HashSet<Language> = f.languages.iter().copied().collect();
    let kinds: HashSet<ChunkKind> = f.kinds.iter().copied().collect();
    let mut stmt = conn.prepare_cached("SELECT cid, path, language, kind FROM chunks")?;
    let mut rows = stmt.query([])?;
    let mut out = HashSet::new();
    let mut last_path = String::new();
    let mut last_ok = false;
    while let Some(r) = rows.next()? {
        let lang: Language = r.get_ref(2)?.as_str()?.parse().unwrap_or(Language::Text);
        if !langs.is_empty() && !langs.contains(&lang) {
            continue;
        }
        if let Some(code) = f.code_only {
            if lang.is_code() != code {
                continue;
            }
        }
        if !kinds.is_empty() {
            let kind = ChunkKind::parse(r.get_ref(3)?.as_str()?).unwrap_or(ChunkKind::Window);
            if !kinds.contains(&kind) {
                continue;
            }
        }
        if let Some(pf) = &path {
            let p = r.get_ref(1)?.as_str()?;
            if p != last_path {
                last_path = p.to_string();
                last_ok = pf.matches(p);
            }
            if !last_ok {
                continue;
            }
        }
        out.insert(r.get(0)?);
    }
    Ok(out)
}
