//! Content-addressed embedding cache keyed by (model id, dims, text hash).
//! Lives in its own database so several indexes can share it.

use crate::error::IndexError;
use crate::types::EmbeddingSpec;
use rusqlite::{params, Connection};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Handle to the cache database; every write is its own short transaction so a
/// shared cache is never locked for long.
pub(crate) struct EmbeddingCache {
    conn: Connection,
}

impl EmbeddingCache {
    pub fn open(path: &Path) -> Result<EmbeddingCache, IndexError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS embeddings (
                model_id TEXT NOT NULL,
                dims INTEGER NOT NULL,
                text_hash TEXT NOT NULL,
                vector BLOB NOT NULL,
                PRIMARY KEY (model_id, dims, text_hash)
            ) WITHOUT ROWID;",
        )?;
        Ok(EmbeddingCache { conn })
    }

    /// Vectors cached for `spec`, by text hash.
    pub fn get_many(
        &self,
        spec: &EmbeddingSpec,
        hashes: &[&str],
    ) -> Result<HashMap<String, Vec<f32>>, IndexError> {
        let mut out = HashMap::with_capacity(hashes.len());
        let mut stmt = self.conn.prepare_cached(
            "SELECT vector FROM embeddings WHERE model_id = ?1 AND dims = ?2 AND text_hash = ?3",
        )?;
        for h in hashes {
            let mut rows = stmt.query(params![spec.model_id, spec.dims as i64, h])?;
            if let Some(row) = rows.next()? {
                let blob: Vec<u8> = row.get(0)?;
                if let Some(v) = decode(&blob, spec.dims) {
                    out.insert((*h).to_string(), v);
                }
            }
        }
        Ok(out)
    }

    /// Stores vectors (already validated and normalized) in one transaction.
    pub fn put_many(
        &mut self,
        spec: &EmbeddingSpec,
        items: &[(&str, &[f32])],
    ) -> Result<(), IndexError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO embeddings(model_id, dims, text_hash, vector) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (h, v) in items {
                stmt.execute(params![spec.model_id, spec.dims as i64, h, encode(v)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Little-endian f32 bytes.
pub(crate) fn encode(v: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 4);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// Inverse of `encode`; `None` when the blob does not hold `dims` floats.
pub(crate) fn decode(blob: &[u8], dims: usize) -> Option<Vec<f32>> {
    if blob.len() != dims * 4 {
        return None;
    }
    Some(
        blob.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}
