//! Vector side of the writer: embedding spec, pending chunks, the cache,
//! graph inserts, dumps and crash repair.

use crate::error::IndexError;
use crate::graph::{self, Graph, GraphPointer};
use crate::meta::{self, key};
use crate::types::{EmbeddingSpec, PendingChunk};
use crate::writer::IndexWriter;
use amanmcp_chunker::ChunkKind;
use rusqlite::params;
use std::collections::HashMap;

/// Queued vectors are flushed into the graph once this many accumulate.
const FLUSH_AT: usize = 8192;

impl IndexWriter {
    /// Switches the embedding identity. Returns true when it changed: all
    /// vectors are dropped and refilled from the cache where possible; the
    /// rest become pending. Vectors of different models are never mixed.
    pub fn set_embedding_spec(&mut self, spec: Option<&EmbeddingSpec>) -> Result<bool, IndexError> {
        if let Some(s) = spec {
            if s.dims == 0 || s.model_id.is_empty() {
                return Err(IndexError::InvalidInput(format!(
                    "embedding spec needs a model id and dims > 0: {s:?}"
                )));
            }
        }
        let current = self.current_spec()?;
        if current.as_ref() == spec {
            return Ok(false);
        }
        self.begin()?;
        match spec {
            Some(s) => {
                let json = serde_json::to_string(s)
                    .map_err(|e| IndexError::InvalidInput(format!("embedding spec: {e}")))?;
                meta::set(&self.conn, key::SPEC, &json)?;
            }
            None => meta::delete(&self.conn, key::SPEC)?,
        }
        self.conn
            .execute("UPDATE chunks SET has_vector = 0 WHERE has_vector = 1", [])?;
        self.queued.clear();
        self.graph = spec.map(|_| self.new_graph(0));
        self.graph_dirty = true;
        self.vectors_dirty = true;
        if spec.is_some() {
            let all: Vec<(i64, String)> = {
                let mut stmt = self
                    .conn
                    .prepare("SELECT cid, text_hash FROM chunks ORDER BY cid")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            self.fill_from_cache(&all)?;
        }
        Ok(true)
    }

    /// Gives chunks (cid, text_hash) a vector from the cache when cached for the current spec.
    pub(crate) fn fill_from_cache(&mut self, chunks: &[(i64, String)]) -> Result<(), IndexError> {
        let Some(spec) = self.current_spec()? else {
            return Ok(());
        };
        for batch in chunks.chunks(512) {
            let hashes: Vec<&str> = batch.iter().map(|(_, h)| h.as_str()).collect();
            let found = self.cache.get_many(&spec, &hashes)?;
            if found.is_empty() {
                continue;
            }
            for (cid, h) in batch {
                if let Some(v) = found.get(h) {
                    self.conn
                        .prepare_cached("UPDATE chunks SET has_vector = 1 WHERE cid = ?1")?
                        .execute([cid])?;
                    self.queued.insert(*cid, v.clone());
                    self.vectors_dirty = true;
                }
            }
        }
        self.maybe_flush()
    }

    /// Chunks still waiting for a vector, oldest first (stable order).
    pub fn pending_embeddings(&self, limit: usize) -> Result<Vec<PendingChunk>, IndexError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, text_hash, embed_text, qualified, kind, content FROM chunks WHERE has_vector = 0 ORDER BY cid LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            let qualified: Option<String> = r.get(3)?;
            let kind: String = r.get(4)?;
            let content: String = r.get(5)?;
            Ok(PendingChunk {
                chunk_id: r.get(0)?,
                text_hash: r.get(1)?,
                embed_text: r.get(2)?,
                name_text: ChunkKind::parse(&kind).and_then(|kind| {
                    amanmcp_chunker::chunk_name_text(kind, qualified.as_deref(), &content)
                }),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many chunks still need a vector.
    pub fn pending_count(&self) -> Result<u64, IndexError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM chunks WHERE has_vector = 0",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Cached vectors for the current spec, by text hash.
    pub fn cached_vectors(
        &self,
        text_hashes: &[&str],
    ) -> Result<HashMap<String, Vec<f32>>, IndexError> {
        match self.current_spec()? {
            Some(spec) => self.cache.get_many(&spec, text_hashes),
            None => Ok(HashMap::new()),
        }
    }

    /// Stores vectors for chunks: validated (dims, finite, non-zero) and
    /// normalized, written to the cache at once and to the graph in batches.
    /// All-or-nothing: one bad vector rejects the call.
    pub fn add_vectors(&mut self, items: &[(String, String, Vec<f32>)]) -> Result<(), IndexError> {
        let spec = self.current_spec()?.ok_or(IndexError::NoEmbeddingSpec)?;
        let mut normalized = Vec::with_capacity(items.len());
        for (chunk_id, text_hash, v) in items {
            let n = graph::normalize(v, spec.dims)
                .map_err(|e| IndexError::InvalidVector(format!("chunk {chunk_id}: {e}")))?;
            normalized.push((chunk_id.as_str(), text_hash.as_str(), n));
        }
        let cache_items: Vec<(&str, &[f32])> = normalized
            .iter()
            .map(|(_, h, v)| (*h, v.as_slice()))
            .collect();
        self.cache.put_many(&spec, &cache_items)?;
        self.begin()?;
        for (chunk_id, text_hash, v) in normalized {
            let cids: Vec<i64> = {
                let mut stmt = self.conn.prepare_cached(
                    // `+has_vector` keeps the planner on the id index (the pending index
                    // would scan every pending chunk per update).
                    "UPDATE chunks SET has_vector = 1 WHERE id = ?1 AND text_hash = ?2 AND +has_vector = 0 RETURNING cid",
                )?;
                let rows = stmt.query_map(params![chunk_id, text_hash], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            for cid in cids {
                self.queued.insert(cid, v.clone());
                self.vectors_dirty = true;
            }
        }
        self.maybe_flush()
    }

    fn maybe_flush(&mut self) -> Result<(), IndexError> {
        if self.queued.len() >= FLUSH_AT {
            self.flush_queue()?;
        }
        Ok(())
    }

    /// Loads the graph of the current spec (from its dump) if not in memory.
    fn ensure_graph(&mut self) -> Result<(), IndexError> {
        if self.graph.is_some() {
            return Ok(());
        }
        let Some(spec) = self.current_spec()? else {
            return Ok(());
        };
        let pointer = GraphPointer::read(&self.layout.graph_pointer());
        let loaded = match pointer {
            Some(p) if p.spec == spec => match &p.basename {
                Some(base) => match Graph::load(&self.layout.vectors(), base, spec.dims) {
                    Ok(g) => Some(g),
                    Err(e) => {
                        tracing::warn!(error = %e, "vector graph dump unusable; rebuilding from the cache");
                        None
                    }
                },
                None => Some(self.new_graph(0)),
            },
            _ => None,
        };
        match loaded {
            Some(g) => self.graph = Some(g),
            None => {
                // Rebuild from scratch: every live vector is re-inserted below.
                self.graph = Some(self.new_graph(self.vector_count()?));
                self.graph_dirty = true;
            }
        }
        self.reconcile_graph()
    }

    /// Queues every live vector missing from the graph (from the cache);
    /// chunks whose vector is no longer cached become pending again.
    fn reconcile_graph(&mut self) -> Result<(), IndexError> {
        let Some(spec) = self.current_spec()? else {
            return Ok(());
        };
        let Some(g) = &self.graph else { return Ok(()) };
        let in_graph = g.ids();
        let missing: Vec<(i64, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT cid, text_hash FROM chunks WHERE has_vector = 1 ORDER BY cid")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for r in rows {
                let (cid, h) = r?;
                if !in_graph.contains(&cid) && !self.queued.contains_key(&cid) {
                    out.push((cid, h));
                }
            }
            out
        };
        if missing.is_empty() {
            return Ok(());
        }
        tracing::info!(
            missing = missing.len(),
            "re-inserting vectors missing from the graph"
        );
        self.begin()?;
        for batch in missing.chunks(512) {
            let hashes: Vec<&str> = batch.iter().map(|(_, h)| h.as_str()).collect();
            let found = self.cache.get_many(&spec, &hashes)?;
            for (cid, h) in batch {
                match found.get(h) {
                    Some(v) => {
                        self.queued.insert(*cid, v.clone());
                    }
                    None => {
                        self.conn
                            .execute("UPDATE chunks SET has_vector = 0 WHERE cid = ?1", [cid])?;
                        self.vectors_dirty = true;
                    }
                }
            }
        }
        self.graph_dirty = true;
        Ok(())
    }

    /// Inserts queued vectors into the graph.
    fn flush_queue(&mut self) -> Result<(), IndexError> {
        if self.queued.is_empty() {
            return Ok(());
        }
        self.ensure_graph()?;
        let mut items: Vec<(i64, Vec<f32>)> = self.queued.drain().collect();
        items.sort_by_key(|(cid, _)| *cid);
        if let Some(g) = &self.graph {
            g.insert(&items);
            self.graph_dirty = true;
        }
        Ok(())
    }

    /// Commits, then persists the graph (new dump, pointer switch, old dumps
    /// removed). Rebuilds the graph when dead points exceed the tombstone ratio.
    pub fn commit_vectors(&mut self) -> Result<(), IndexError> {
        self.flush_queue()?;
        let Some(spec) = self.current_spec()? else {
            self.commit()?;
            if self.graph_dirty || self.layout.graph_pointer().exists() {
                let _ = std::fs::remove_file(self.layout.graph_pointer());
                graph::remove_stale_dumps(&self.layout.vectors(), None);
                self.graph_dirty = false;
            }
            return Ok(());
        };
        self.ensure_graph()?;
        self.flush_queue()?;
        let live = self.vector_count()?;
        let points = self.graph.as_ref().map(|g| g.len()).unwrap_or(0);
        let dead = points.saturating_sub(live);
        if points > 0 && dead as f32 > self.opts.tombstone_rebuild_ratio * points as f32 {
            tracing::info!(
                points,
                dead,
                "rebuilding vector graph to drop deleted points"
            );
            self.graph = Some(self.new_graph(live));
            self.reconcile_graph()?;
            self.flush_queue()?;
        }
        if self.graph_dirty {
            self.vectors_dirty = true;
            self.begin()?;
        }
        self.commit()?;
        if !self.graph_dirty {
            return Ok(());
        }
        let (_, vector_gen) = meta::generations(&self.conn)?;
        let dir = self.layout.vectors();
        let (basename, points) = match &self.graph {
            Some(g) if g.len() > 0 => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                (
                    Some(g.dump(&dir, &format!("g{vector_gen}-{nanos}"))?),
                    g.len(),
                )
            }
            _ => (None, 0),
        };
        GraphPointer {
            generation: vector_gen,
            basename: basename.clone(),
            spec,
            points,
        }
        .write(&self.layout.graph_pointer())?;
        graph::remove_stale_dumps(&dir, basename.as_deref());
        self.graph_dirty = false;
        Ok(())
    }

    /// On open: when the dump does not reflect the committed vector
    /// generation (crash), load what exists, add the missing vectors and persist.
    pub(crate) fn repair_graph(&mut self) -> Result<(), IndexError> {
        let (_, vector_gen) = meta::generations(&self.conn)?;
        let spec = self.current_spec()?;
        let pointer = GraphPointer::read(&self.layout.graph_pointer());
        let consistent = match (&spec, &pointer) {
            (None, None) => true,
            (Some(s), Some(p)) => p.generation == vector_gen && &p.spec == s,
            (Some(_), None) => self.vector_count()? == 0,
            (None, Some(_)) => false,
        };
        if consistent {
            return Ok(());
        }
        tracing::info!(vector_gen, pointer = ?pointer.as_ref().map(|p| p.generation), "vector graph out of date; repairing");
        self.graph_dirty = true;
        self.commit_vectors()
    }
}
