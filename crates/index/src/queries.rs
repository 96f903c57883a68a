//! Read-only SQLite queries shared by the writer and the reader.

use crate::error::IndexError;
use crate::meta::{self, key, SCHEMA_VERSION};
use crate::types::{FileRecord, IndexStats};
use amanmcp_chunker::ChunkKind;
use amanmcp_scanner::Language;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;

/// Every indexed file by path.
pub(crate) fn files(conn: &Connection) -> Result<HashMap<String, FileRecord>, IndexError> {
    let mut stmt = conn.prepare_cached("SELECT path, hash, mtime_ns, size, language FROM files")?;
    let rows = stmt.query_map([], |r| {
        let lang: String = r.get(4)?;
        Ok(FileRecord {
            path: r.get(0)?,
            hash: r.get(1)?,
            mtime_ns: r.get(2)?,
            size: r.get::<_, i64>(3)? as u64,
            language: lang.parse().unwrap_or(Language::Text),
        })
    })?;
    let mut out = HashMap::new();
    for r in rows {
        let r = r?;
        out.insert(r.path.clone(), r);
    }
    Ok(out)
}

/// Counts and manifest facts for `status`.
pub(crate) fn stats(conn: &Connection, dir: &Path) -> Result<IndexStats, IndexError> {
    let count = |sql: &str| -> Result<u64, IndexError> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
    };
    let mut languages = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT language, COUNT(*) FROM chunks GROUP BY language ORDER BY COUNT(*) DESC, language",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        for r in rows {
            languages.push(r?);
        }
    }
    Ok(IndexStats {
        files: count("SELECT COUNT(*) FROM files")?,
        chunks: count("SELECT COUNT(*) FROM chunks")?,
        pending_embeddings: count("SELECT COUNT(*) FROM chunks WHERE has_vector = 0")?,
        vectors: count("SELECT COUNT(*) FROM chunks WHERE has_vector = 1")?,
        languages,
        embedding: meta::spec(conn)?,
        bytes_on_disk: dir_size(dir),
        updated_at: meta::get_i64(conn, key::UPDATED)?,
        created_at: meta::get_i64(conn, key::CREATED)?,
        schema_version: meta::get_i64(conn, key::SCHEMA)?
            .map(|v| v as u32)
            .unwrap_or(SCHEMA_VERSION),
    })
}

/// True when any chunk has no vector yet (walks `chunks_pending`).
pub(crate) fn has_pending_embeddings(conn: &Connection) -> Result<bool, IndexError> {
    let pending: i64 = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM chunks INDEXED BY chunks_pending WHERE has_vector = 0)",
        [],
        |r| r.get(0),
    )?;
    Ok(pending != 0)
}

/// Total size of the files under `dir` (recursively).
pub(crate) fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

/// Light candidate data used for boosts before full rows are fetched.
#[derive(Debug, Clone)]
pub(crate) struct CandidateMeta {
    pub path: String,
    pub symbol: Option<String>,
    pub qualified: Option<String>,
    /// `None` for a kind this build does not know (a newer index).
    pub kind: Option<ChunkKind>,
    /// The chunk text, for the reranker's term coverage.
    pub content: String,
}

pub(crate) fn candidate_meta(
    conn: &Connection,
    cids: &[i64],
) -> Result<HashMap<i64, CandidateMeta>, IndexError> {
    let mut out = HashMap::with_capacity(cids.len());
    for batch in cids.chunks(400) {
        let placeholders = vec!["?"; batch.len()].join(",");
        let sql = format!(
            "SELECT cid, path, symbol, qualified, kind, content FROM chunks WHERE cid IN ({placeholders})"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(batch.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                CandidateMeta {
                    path: r.get(1)?,
                    symbol: r.get(2)?,
                    qualified: r.get(3)?,
                    kind: ChunkKind::parse(&r.get::<_, String>(4)?),
                    content: r.get(5)?,
                },
            ))
        })?;
        for r in rows {
            let (cid, m) = r?;
            out.insert(cid, m);
        }
    }
    Ok(out)
}

/// Chunks whose symbol or qualified symbol equals `name` ignoring case:
/// (cid, exact-case match).
pub(crate) fn symbol_matches(
    conn: &Connection,
    name: &str,
    limit: usize,
) -> Result<Vec<(i64, bool)>, IndexError> {
    let mut stmt = conn.prepare_cached(
        "SELECT cid, symbol, qualified FROM chunks
         WHERE symbol = ?1 COLLATE NOCASE OR qualified = ?1 COLLATE NOCASE
         LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![name, limit as i64], |r| {
        let s: Option<String> = r.get(1)?;
        let q: Option<String> = r.get(2)?;
        Ok((
            r.get::<_, i64>(0)?,
            s.as_deref() == Some(name) || q.as_deref() == Some(name),
        ))
    })?;
    let mut out: Vec<(i64, bool)> = rows.collect::<Result<_, _>>()?;
    out.sort_unstable();
    Ok(out)
}

/// Content of the given chunks.
pub(crate) fn contents(conn: &Connection, cids: &[i64]) -> Result<Vec<(i64, String)>, IndexError> {
    let mut out = Vec::with_capacity(cids.len());
    for batch in cids.chunks(400) {
        let placeholders = vec!["?"; batch.len()].join(",");
        let sql = format!("SELECT cid, content FROM chunks WHERE cid IN ({placeholders})");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(batch.iter()), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}
