//! Symbol lookup for `find_symbol`: exact (case-sensitive, then
//! case-insensitive), then prefix, substring and edit-distance matches.

use crate::error::IndexError;
use crate::ranking;
use crate::reader::IndexReader;
use crate::rows::{ChunkRow, CHUNK_COLUMNS};
use crate::types::SearchHit;
use amanmcp_chunker::ChunkKind;
use rusqlite::Connection;
use std::collections::HashSet;

/// Match tiers, best first, with the score reported for each.
const EXACT: f32 = 1.0;
const EXACT_NOCASE: f32 = 0.9;
const PREFIX: f32 = 0.7;
const SUBSTRING: f32 = 0.5;
const FUZZY: f32 = 0.4;

impl IndexReader {
    /// Definitions named `name` (a symbol or `Owner::symbol`), restricted to
    /// `kinds` when non-empty; exact matches first, then fuzzy ones.
    pub fn find_symbol(
        &self,
        name: &str,
        kinds: &[ChunkKind],
        limit: usize,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let name = name.trim().trim_end_matches("()");
        if name.is_empty() {
            return Err(IndexError::InvalidQuery("empty symbol name".into()));
        }
        if limit == 0 {
            return Ok(Vec::new());
        }
        let dotted = name.replace('.', "::");
        let mut names = vec![name.to_string()];
        if dotted != name {
            names.push(dotted.clone());
        }
        // `a::b::Type::method` → also try `Type::method`.
        let segs: Vec<&str> = dotted.split("::").filter(|s| !s.is_empty()).collect();
        if segs.len() > 2 {
            names.push(segs[segs.len() - 2..].join("::"));
        }
        let last = segs.last().copied().unwrap_or(name).to_string();
        let kinds: HashSet<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let conn = self.conn();
        let mut found: Vec<(f32, ChunkRow)> = Vec::new();
        let mut seen = HashSet::new();
        let mut push = |score: f32, rows: Vec<ChunkRow>, found: &mut Vec<(f32, ChunkRow)>| {
            for r in rows {
                if (kinds.is_empty() || kinds.contains(r.kind.as_str())) && seen.insert(r.cid) {
                    found.push((score, r));
                }
            }
        };
        for n in &names {
            let rows = query(
                &conn,
                "symbol = ?1 COLLATE NOCASE OR qualified = ?1 COLLATE NOCASE",
                n,
                500,
            )?;
            let (exact, nocase): (Vec<ChunkRow>, Vec<ChunkRow>) = rows
                .into_iter()
                .partition(|r| r.symbol.as_deref() == Some(n) || r.qualified.as_deref() == Some(n));
            push(EXACT, exact, &mut found);
            push(EXACT_NOCASE, nocase, &mut found);
        }
        if found.len() < limit {
            let esc = escape_like(&last);
            let rows = query(&conn, "symbol LIKE ?1 ESCAPE '\\'", &format!("{esc}%"), 200)?;
            push(PREFIX, rows, &mut found);
        }
        if found.len() < limit {
            let esc = escape_like(&last);
            let rows = query(
                &conn,
                "symbol LIKE ?1 ESCAPE '\\'",
                &format!("%{esc}%"),
                200,
            )?;
            push(SUBSTRING, rows, &mut found);
        }
        if found.len() < limit && last.chars().count() >= 3 {
            let max = (last.chars().count() / 4).max(1);
            let lower = last.to_lowercase();
            let mut close = Vec::new();
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT DISTINCT symbol FROM chunks WHERE symbol IS NOT NULL",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let s = r.get_ref(0)?.as_str()?;
                    let d = edit_distance(&lower, &s.to_lowercase());
                    if d > 0 && d <= max {
                        close.push((d, s.to_string()));
                    }
                }
            }
            close.sort();
            for (d, s) in close.into_iter().take(50) {
                let rows = query(&conn, "symbol = ?1", &s, 50)?;
                push(FUZZY - 0.05 * d as f32, rows, &mut found);
            }
        }
        drop(conn);
        // Definitions outside tests first within a tier, then path and line.
        found.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| {
                    ranking::is_test_path(&a.1.path).cmp(&ranking::is_test_path(&b.1.path))
                })
                .then_with(|| a.1.path.cmp(&b.1.path))
                .then_with(|| a.1.start_line.cmp(&b.1.start_line))
        });
        Ok(found
            .into_iter()
            .take(limit)
            .map(|(score, row)| {
                let mut hit = row.into_hit();
                hit.score = score;
                hit
            })
            .collect())
    }
}

fn query(
    conn: &Connection,
    cond: &str,
    arg: &str,
    limit: usize,
) -> Result<Vec<ChunkRow>, IndexError> {
    // No ORDER BY: it could lead the planner to a rowid scan instead of the symbol indexes.
    let sql = format!("SELECT {CHUNK_COLUMNS} FROM chunks WHERE {cond} LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([arg], ChunkRow::from_row)?;
    let mut out: Vec<ChunkRow> = rows.collect::<Result<_, _>>()?;
    out.sort_by_key(|r| r.cid);
    Ok(out)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Levenshtein distance over chars.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 3 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_basics() {
        assert_eq!(super::edit_distance("kitten", "sitting"), 3);
        assert_eq!(super::edit_distance("abort_all", "abort_al"), 1);
        assert_eq!(super::edit_distance("a", "abcdefgh"), usize::MAX);
    }
}
