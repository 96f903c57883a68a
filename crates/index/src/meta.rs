//! The SQLite source of truth: schema, manifest keys and connection setup.

use crate::error::IndexError;
use crate::types::EmbeddingSpec;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::time::Duration;

/// Bumped whenever the on-disk layout changes incompatibly.
pub(crate) const SCHEMA_VERSION: u32 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    language TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    cid INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    path TEXT NOT NULL,
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    symbol TEXT,
    scope TEXT,
    qualified TEXT,
    signature TEXT,
    content TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    has_vector INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE INDEX IF NOT EXISTS chunks_id ON chunks(id);
CREATE INDEX IF NOT EXISTS chunks_symbol ON chunks(symbol COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS chunks_qualified ON chunks(qualified COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS chunks_pending ON chunks(has_vector, cid);
";

/// Manifest keys.
pub(crate) mod key {
    pub const SCHEMA: &str = "schema_version";
    pub const SPEC: &str = "embedding_spec";
    pub const CREATED: &str = "created_at";
    pub const UPDATED: &str = "updated_at";
    /// Bumped on every commit that changes files/chunks (BM25 must match it).
    pub const DATA_GEN: &str = "data_generation";
    /// Bumped on every commit that changes which chunks have vectors.
    pub const VECTOR_GEN: &str = "vector_generation";
    /// The caller's version of how files become chunks and vectors.
    pub const PIPELINE: &str = "pipeline_version";
}

fn configure(conn: &Connection) -> Result<(), IndexError> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    Ok(())
}

/// Opens (creating if needed) the index database for writing.
pub(crate) fn open_rw(path: &Path) -> Result<Connection, IndexError> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// Opens an existing index database for reading only.
pub(crate) fn open_ro(path: &Path) -> Result<Connection, IndexError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    // Read-write handle (so WAL files can be created) that refuses writes.
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// Creates the tables (used after `clear` and schema upgrades).
pub(crate) fn create_schema(conn: &Connection) -> Result<(), IndexError> {
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

pub(crate) fn get(conn: &Connection, k: &str) -> Result<Option<String>, IndexError> {
    Ok(conn
        .query_row("SELECT value FROM manifest WHERE key = ?1", [k], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(crate) fn get_i64(conn: &Connection, k: &str) -> Result<Option<i64>, IndexError> {
    Ok(get(conn, k)?.and_then(|v| v.parse().ok()))
}

pub(crate) fn set(conn: &Connection, k: &str, v: &str) -> Result<(), IndexError> {
    conn.execute(
        "INSERT INTO manifest(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [k, v],
    )?;
    Ok(())
}

pub(crate) fn delete(conn: &Connection, k: &str) -> Result<(), IndexError> {
    conn.execute("DELETE FROM manifest WHERE key = ?1", [k])?;
    Ok(())
}

pub(crate) fn spec(conn: &Connection) -> Result<Option<EmbeddingSpec>, IndexError> {
    match get(conn, key::SPEC)? {
        None => Ok(None),
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| IndexError::Hnsw(format!("manifest embedding spec unreadable: {e}"))),
    }
}

/// Both generation counters, read together (one cheap query per refresh).
pub(crate) fn generations(conn: &Connection) -> Result<(i64, i64), IndexError> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM manifest WHERE key IN (?1, ?2)")?;
    let mut rows = stmt.query([key::DATA_GEN, key::VECTOR_GEN])?;
    let (mut d, mut v) = (0, 0);
    while let Some(row) = rows.next()? {
        let k: String = row.get(0)?;
        let val: String = row.get(1)?;
        let n = val.parse().unwrap_or(0);
        if k == key::DATA_GEN {
            d = n;
        } else {
            v = n;
        }
    }
    Ok((d, v))
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
