//! Chunk rows as stored in SQLite and their conversion to search hits.

use crate::error::IndexError;
use crate::types::SearchHit;
use amanmcp_chunker::ChunkKind;
use amanmcp_scanner::Language;
use rusqlite::{Connection, Row};
use std::collections::HashMap;

/// Columns selected by [`ChunkRow::from_row`], in order.
pub(crate) const CHUNK_COLUMNS: &str = "cid, id, path, language, kind, start_line, end_line, symbol, scope, qualified, signature, content";

/// One stored chunk (without `embed_text`, which only the embedder needs).
#[derive(Debug, Clone)]
pub(crate) struct ChunkRow {
    pub cid: i64,
    pub id: String,
    pub path: String,
    pub language: Language,
    pub kind: ChunkKind,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    pub scope: Option<String>,
    pub qualified: Option<String>,
    pub signature: Option<String>,
    pub content: String,
}

impl ChunkRow {
    pub fn from_row(r: &Row<'_>) -> rusqlite::Result<ChunkRow> {
        let lang: String = r.get(3)?;
        let kind: String = r.get(4)?;
        Ok(ChunkRow {
            cid: r.get(0)?,
            id: r.get(1)?,
            path: r.get(2)?,
            language: lang.parse().unwrap_or(Language::Text),
            kind: ChunkKind::parse(&kind).unwrap_or(ChunkKind::Window),
            start_line: r.get(5)?,
            end_line: r.get(6)?,
            symbol: r.get(7)?,
            scope: r.get(8)?,
            qualified: r.get(9)?,
            signature: r.get(10)?,
            content: r.get(11)?,
        })
    }

    /// A hit with no scores yet.
    pub fn into_hit(self) -> SearchHit {
        SearchHit {
            id: self.id,
            path: self.path,
            start_line: self.start_line,
            end_line: self.end_line,
            symbol: self.symbol,
            scope: self.scope,
            kind: self.kind,
            language: self.language,
            signature: self.signature,
            score: 0.0,
            content: self.content,
            bm25_rank: None,
            bm25_score: None,
            vector_rank: None,
            vector_cosine: None,
            boosts: Vec::new(),
            rerank: None,
        }
    }
}

/// Loads the rows for `cids` (missing ones are simply absent: deleted chunks).
pub(crate) fn load_by_cid(
    conn: &Connection,
    cids: &[i64],
) -> Result<HashMap<i64, ChunkRow>, IndexError> {
    let mut out = HashMap::with_capacity(cids.len());
    for batch in cids.chunks(400) {
        let placeholders = vec!["?"; batch.len()].join(",");
        let sql = format!("SELECT {CHUNK_COLUMNS} FROM chunks WHERE cid IN ({placeholders})");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(batch.iter()), ChunkRow::from_row)?;
        for row in rows {
            let row = row?;
            out.insert(row.cid, row);
        }
    }
    Ok(out)
}
