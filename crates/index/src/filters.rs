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

/// Set of chunk ids as a bitmap (cids are dense AUTOINCREMENT integers).
#[derive(Debug, Default)]
pub(crate) struct CidSet {
    bits: Vec<u64>,
    len: usize,
}

impl CidSet {
    fn insert(&mut self, cid: i64) {
        let Ok(i) = usize::try_from(cid) else { return };
        let (word, bit) = (i / 64, i % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & (1 << bit) == 0 {
            self.bits[word] |= 1 << bit;
            self.len += 1;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Members in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, bits)| {
            (0..64)
                .filter(move |b| bits & (1u64 << b) != 0)
                .map(move |b| (w * 64 + b) as i64)
        })
    }

    pub fn contains(&self, cid: i64) -> bool {
        usize::try_from(cid)
            .ok()
            .and_then(|i| self.bits.get(i / 64).map(|w| w & (1 << (i % 64)) != 0))
            .unwrap_or(false)
    }
}

/// Filterable attributes of every chunk, loaded once per data generation so
/// filtered queries never scan SQLite.
pub(crate) struct Catalog {
    pub data_gen: i64,
    paths: Vec<String>,
    /// (cid, index into `paths`, language, kind)
    entries: Vec<(i64, u32, Language, ChunkKind)>,
}

impl Catalog {
    pub fn load(conn: &Connection, data_gen: i64) -> Result<Catalog, IndexError> {
        let mut stmt =
            conn.prepare_cached("SELECT cid, path, language, kind FROM chunks ORDER BY path, cid")?;
        let mut rows = stmt.query([])?;
        let mut paths: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        while let Some(r) = rows.next()? {
            let p = r.get_ref(1)?.as_str()?;
            if paths.last().map(|l| l.as_str()) != Some(p) {
                paths.push(p.to_string());
            }
            let lang: Language = r.get_ref(2)?.as_str()?.parse().unwrap_or(Language::Text);
            let kind = ChunkKind::parse(r.get_ref(3)?.as_str()?).unwrap_or(ChunkKind::Window);
            entries.push((r.get(0)?, (paths.len() - 1) as u32, lang, kind));
        }
        Ok(Catalog {
            data_gen,
            paths,
            entries,
        })
    }

    /// Chunk ids passing the filters.
    pub fn allowed(&self, f: &SearchFilters) -> Result<CidSet, IndexError> {
        let path = f.path_glob.as_deref().map(PathFilter::new).transpose()?;
        let path_ok: Option<Vec<bool>> =
            path.map(|pf| self.paths.iter().map(|p| pf.matches(p)).collect());
        let langs: HashSet<Language> = f.languages.iter().copied().collect();
        let kinds: HashSet<ChunkKind> = f.kinds.iter().copied().collect();
        let mut out = CidSet::default();
        for (cid, pi, lang, kind) in &self.entries {
            if (!langs.is_empty() && !langs.contains(lang))
                || f.code_only.is_some_and(|c| lang.is_code() != c)
                || (!kinds.is_empty() && !kinds.contains(kind))
                || path_ok.as_ref().is_some_and(|ok| !ok[*pi as usize])
            {
                continue;
            }
            out.insert(*cid);
        }
        Ok(out)
    }
}
