//! The single writer: owns the lock, the SQLite transaction, the tantivy
//! writer and the in-memory graph being extended.

use crate::bm25::Bm25Index;
use crate::cache::EmbeddingCache;
use crate::error::{IndexError, IoContext};
use crate::graph::Graph;
use crate::layout::Layout;
use crate::lock::WriterLock;
use crate::meta::{self, key, SCHEMA_VERSION};
use crate::options::IndexOptions;
use crate::queries;
use crate::rows::{ChunkRow, CHUNK_COLUMNS};
use crate::types::{EmbeddingSpec, FileRecord, IndexStats};
use amanmcp_chunker::Chunk;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;

/// Memory budget of the tantivy writer.
const TANTIVY_HEAP: usize = 64 * 1024 * 1024;

/// Exclusive writer of one index. Readers keep working while it writes; a
/// second writer waits for the lock (`IndexOptions::lock_timeout`).
pub struct IndexWriter {
    pub(crate) layout: Layout,
    pub(crate) opts: IndexOptions,
    pub(crate) conn: Connection,
    pub(crate) cache: EmbeddingCache,
    pub(crate) bm25: Bm25Index,
    /// Always `Some` until drop, where it is taken to wait for merges.
    pub(crate) tw: Option<tantivy::IndexWriter>,
    pub(crate) in_txn: bool,
    pub(crate) data_dirty: bool,
    pub(crate) vectors_dirty: bool,
    /// Graph with every vector already inserted (loaded lazily).
    pub(crate) graph: Option<Graph>,
    /// True when the graph differs from the last dump.
    pub(crate) graph_dirty: bool,
    /// Vectors waiting to be inserted into the graph, by cid.
    pub(crate) queued: HashMap<i64, Vec<f32>>,
    _lock: WriterLock,
}

impl IndexWriter {
    /// Opens (creating if missing) the index in `dir` and repairs derived
    /// stores left behind by a crash.
    pub fn open(dir: &Path, opts: &IndexOptions) -> Result<IndexWriter, IndexError> {
        if opts.hnsw_m == 0 || opts.hnsw_m > 255 {
            return Err(IndexError::InvalidOption(format!(
                "hnsw_m must be 1..=255, got {}",
                opts.hnsw_m
            )));
        }
        if !(0.0..=1.0).contains(&opts.tombstone_rebuild_ratio) {
            return Err(IndexError::InvalidOption(
                "tombstone_rebuild_ratio must be within 0..=1".into(),
            ));
        }
        std::fs::create_dir_all(dir).at(dir)?;
        let layout = Layout::new(dir);
        let lock = WriterLock::acquire(dir, &layout.lock(), opts.lock_timeout)?;
        std::fs::create_dir_all(layout.vectors()).at(&layout.vectors())?;
        // Derived stores exist before the manifest does, so a reader never
        // sees an index (manifest present) without its BM25 directory.
        let (bm25, _) = Bm25Index::open_or_create(&layout.bm25())?;
        let conn = meta::open_rw(&layout.sqlite())?;
        Self::check_schema(&conn, dir)?;
        let cache_path = opts
            .cache_path
            .clone()
            .unwrap_or_else(|| layout.default_cache());
        let cache = EmbeddingCache::open(&cache_path)?;
        let tw = bm25.index.writer_with_num_threads(1, TANTIVY_HEAP)?;
        let mut w = IndexWriter {
            layout,
            opts: opts.clone(),
            conn,
            cache,
            bm25,
            tw: Some(tw),
            in_txn: false,
            data_dirty: false,
            vectors_dirty: false,
            graph: None,
            graph_dirty: false,
            queued: HashMap::new(),
            _lock: lock,
        };
        w.repair_bm25()?;
        w.repair_graph()?;
        Ok(w)
    }

    /// Initializes the manifest of a new index; wipes an index of another
    /// schema version (its content is rebuilt from the sources anyway).
    fn check_schema(conn: &Connection, dir: &Path) -> Result<(), IndexError> {
        let found = meta::get_i64(conn, key::SCHEMA)?;
        match found {
            Some(v) if v == SCHEMA_VERSION as i64 => Ok(()),
            Some(v) => {
                tracing::warn!(dir = %dir.display(), found = v, expected = SCHEMA_VERSION, "index schema changed; starting a fresh index");
                conn.execute_batch("DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS files; DELETE FROM manifest;")?;
                meta::create_schema(conn)?;
                Self::init_manifest(conn)
            }
            None => Self::init_manifest(conn),
        }
    }

    fn init_manifest(conn: &Connection) -> Result<(), IndexError> {
        let now = meta::now_secs().to_string();
        meta::set(conn, key::SCHEMA, &SCHEMA_VERSION.to_string())?;
        meta::set(conn, key::CREATED, &now)?;
        meta::set(conn, key::UPDATED, &now)?;
        meta::set(conn, key::DATA_GEN, "0")?;
        meta::set(conn, key::VECTOR_GEN, "0")?;
        Ok(())
    }

    /// Rebuilds BM25 from SQLite when its commit does not reflect the current data generation.
    fn repair_bm25(&mut self) -> Result<(), IndexError> {
        let (data_gen, _) = meta::generations(&self.conn)?;
        let committed = self.bm25.committed_generation()?;
        if committed == Some(data_gen) {
            return Ok(());
        }
        tracing::info!(
            ?committed,
            data_gen,
            "BM25 index out of date; rebuilding from SQLite"
        );
        tw_mut(&mut self.tw)?.delete_all_documents()?;
        {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT {CHUNK_COLUMNS} FROM chunks ORDER BY cid"))?;
            let rows = stmt.query_map([], ChunkRow::from_row)?;
            for row in rows {
                let doc = self.bm25.document(&row?);
                tw_mut(&mut self.tw)?.add_document(doc)?;
            }
        }
        let mut prepared = tw_mut(&mut self.tw)?.prepare_commit()?;
        prepared.set_payload(&Bm25Index::payload(data_gen));
        prepared.commit()?;
        Ok(())
    }

    pub(crate) fn begin(&mut self) -> Result<(), IndexError> {
        if !self.in_txn {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_txn = true;
        }
        Ok(())
    }

    /// Every indexed file, to skip unchanged ones.
    pub fn files(&self) -> Result<HashMap<String, FileRecord>, IndexError> {
        queries::files(&self.conn)
    }

    /// Replaces the chunks of `file.path`. Unchanged chunks (same id and text
    /// hash) keep their vectors; new ones take a cached vector when one exists.
    pub fn upsert_file(&mut self, file: &FileRecord, chunks: &[Chunk]) -> Result<(), IndexError> {
        if let Some(c) = chunks.iter().find(|c| c.path != file.path) {
            return Err(IndexError::InvalidInput(format!(
                "chunk {} belongs to {} but was given for {}",
                c.id, c.path, file.path
            )));
        }
        self.begin()?;
        self.conn.execute(
            "INSERT INTO files(path, hash, mtime_ns, size, language) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(path) DO UPDATE SET hash = excluded.hash, mtime_ns = excluded.mtime_ns,
               size = excluded.size, language = excluded.language",
            params![
                file.path,
                file.hash,
                file.mtime_ns,
                file.size as i64,
                file.language.as_str()
            ],
        )?;
        // Existing chunks by (id, text_hash), to keep their cid and vector.
        let mut old: HashMap<(String, String), Vec<i64>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT cid, id, text_hash FROM chunks INDEXED BY chunks_path WHERE path = ?1 ORDER BY cid",
            )?;
            let rows = stmt.query_map([&file.path], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for r in rows {
                let (cid, id, h) = r?;
                old.entry((id, h)).or_default().push(cid);
            }
        }
        let mut fresh: Vec<(i64, String)> = Vec::new();
        let mut docs = Vec::with_capacity(chunks.len());
        for c in chunks {
            let qualified = c.qualified_symbol();
            let text_hash = vector_key(&c.embed_text, c.name_text().as_deref());
            let reuse = old
                .get_mut(&(c.id.clone(), text_hash.clone()))
                .and_then(|v| {
                    if v.is_empty() {
                        None
                    } else {
                        Some(v.remove(0))
                    }
                });
            let cid = match reuse {
                Some(cid) => {
                    self.conn.prepare_cached(
                        "UPDATE chunks SET language=?2, kind=?3, start_line=?4, end_line=?5, start_byte=?6, end_byte=?7,
                           symbol=?8, scope=?9, qualified=?10, signature=?11, content=?12, embed_text=?13 WHERE cid=?1",
                    )?.execute(params![
                        cid, c.language.as_str(), c.kind.as_str(), c.start_line, c.end_line, c.start_byte as i64,
                        c.end_byte as i64, c.symbol, c.scope, qualified, c.signature, c.content, c.embed_text
                    ])?;
                    cid
                }
                None => {
                    self.conn.prepare_cached(
                        "INSERT INTO chunks(id, path, language, kind, start_line, end_line, start_byte, end_byte,
                           symbol, scope, qualified, signature, content, embed_text, text_hash, has_vector)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0)",
                    )?.execute(params![
                        c.id, c.path, c.language.as_str(), c.kind.as_str(), c.start_line, c.end_line,
                        c.start_byte as i64, c.end_byte as i64, c.symbol, c.scope, qualified, c.signature,
                        c.content, c.embed_text, text_hash
                    ])?;
                    let cid = self.conn.last_insert_rowid();
                    fresh.push((cid, text_hash));
                    cid
                }
            };
            docs.push(ChunkRow {
                cid,
                id: c.id.clone(),
                path: c.path.clone(),
                language: c.language,
                kind: c.kind,
                start_line: c.start_line,
                end_line: c.end_line,
                symbol: c.symbol.clone(),
                scope: c.scope.clone(),
                qualified,
                signature: c.signature.clone(),
                content: c.content.clone(),
            });
        }
        for cid in old.into_values().flatten() {
            self.conn
                .prepare_cached("DELETE FROM chunks WHERE cid = ?1")?
                .execute([cid])?;
            self.queued.remove(&cid);
        }
        tw_mut(&mut self.tw)?.delete_term(tantivy::Term::from_field_text(
            self.bm25.fields.file,
            &file.path,
        ));
        for row in &docs {
            tw_mut(&mut self.tw)?.add_document(self.bm25.document(row))?;
        }
        self.data_dirty = true;
        self.fill_from_cache(&fresh)?;
        Ok(())
    }

    /// Forgets a file and its chunks.
    pub fn remove_file(&mut self, path: &str) -> Result<(), IndexError> {
        self.begin()?;
        let cids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT cid FROM chunks WHERE path = ?1")?;
            let rows = stmt.query_map([path], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for cid in &cids {
            self.queued.remove(cid);
        }
        self.conn
            .execute("DELETE FROM chunks WHERE path = ?1", [path])?;
        self.conn
            .execute("DELETE FROM files WHERE path = ?1", [path])?;
        tw_mut(&mut self.tw)?
            .delete_term(tantivy::Term::from_field_text(self.bm25.fields.file, path));
        self.data_dirty = true;
        Ok(())
    }

    /// Drops all files, chunks, BM25 documents and vectors (`--force`); the
    /// embedding cache and the embedding spec are kept.
    pub fn clear(&mut self) -> Result<(), IndexError> {
        self.begin()?;
        self.conn
            .execute_batch("DELETE FROM chunks; DELETE FROM files;")?;
        tw_mut(&mut self.tw)?.delete_all_documents()?;
        self.queued.clear();
        if meta::spec(&self.conn)?.is_some() {
            self.graph = Some(self.new_graph(0));
        } else {
            self.graph = None;
        }
        self.data_dirty = true;
        self.vectors_dirty = true;
        self.graph_dirty = true;
        Ok(())
    }

    /// The pipeline version recorded by [`IndexWriter::set_pipeline_version`]
    /// (None for an index built before versions were recorded).
    pub fn pipeline_version(&self) -> Result<Option<String>, IndexError> {
        meta::get(&self.conn, key::PIPELINE)
    }

    /// Records the version of the chunking and embedding rules the stored
    /// chunks were made with, so a later build with other rules can tell
    /// that every file needs chunking again. Lands with the next commit.
    pub fn set_pipeline_version(&mut self, version: &str) -> Result<(), IndexError> {
        self.begin()?;
        meta::set(&self.conn, key::PIPELINE, version)
    }

    /// Makes all changes durable and visible to readers: SQLite first, then
    /// the BM25 commit tagged with the same generation (a crash in between is
    /// repaired by the next writer). Vectors become searchable at `commit_vectors`.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        if !self.in_txn {
            return Ok(());
        }
        let (mut data_gen, mut vector_gen) = meta::generations(&self.conn)?;
        if self.data_dirty {
            data_gen += 1;
            meta::set(&self.conn, key::DATA_GEN, &data_gen.to_string())?;
        }
        if self.vectors_dirty {
            vector_gen += 1;
            meta::set(&self.conn, key::VECTOR_GEN, &vector_gen.to_string())?;
        }
        meta::set(&self.conn, key::UPDATED, &meta::now_secs().to_string())?;
        self.conn.execute_batch("COMMIT")?;
        self.in_txn = false;
        self.vectors_dirty = false;
        if self.data_dirty {
            let mut prepared = tw_mut(&mut self.tw)?.prepare_commit()?;
            prepared.set_payload(&Bm25Index::payload(data_gen));
            prepared.commit()?;
            self.data_dirty = false;
        }
        Ok(())
    }

    /// Counts for `status` (including uncommitted changes of this writer).
    pub fn stats(&self) -> Result<IndexStats, IndexError> {
        queries::stats(&self.conn, &self.layout.dir)
    }

    /// The embedding identity vectors are stored for.
    pub fn embedding_spec(&self) -> Result<Option<EmbeddingSpec>, IndexError> {
        meta::spec(&self.conn)
    }

    pub(crate) fn current_spec(&self) -> Result<Option<EmbeddingSpec>, IndexError> {
        meta::spec(&self.conn)
    }

    pub(crate) fn new_graph(&self, capacity: usize) -> Graph {
        Graph::new(self.opts.hnsw_m, self.opts.hnsw_ef_construction, capacity)
    }

    /// Number of chunks that currently have a vector.
    pub(crate) fn vector_count(&self) -> Result<usize, IndexError> {
        Ok(self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM chunks WHERE has_vector = 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as usize)
    }
}

/// The tantivy writer (present for the whole life of an `IndexWriter`).
fn tw_mut(tw: &mut Option<tantivy::IndexWriter>) -> Result<&mut tantivy::IndexWriter, IndexError> {
    tw.as_mut()
        .ok_or_else(|| IndexError::InvalidInput("index writer already closed".into()))
}

impl Drop for IndexWriter {
    fn drop(&mut self) {
        if let Some(tw) = self.tw.take() {
            // Let background merges finish so none outlives the lock and
            // touches files a later writer owns.
            if let Err(e) = tw.wait_merging_threads() {
                tracing::warn!(error = %e, "BM25 merge did not finish cleanly");
            }
        }
        if self.in_txn {
            // Uncommitted work is discarded, like a crash would.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The embedding-cache key of a chunk's vector: blake3 of `embed_text`,
/// and of the name text too when the chunk has one, since its vector then
/// blends both (`name:v1` names that recipe; a new recipe gets new keys, so
/// cached vectors of an old one are never reused).
pub fn vector_key(embed_text: &str, name_text: Option<&str>) -> String {
    let mut h = blake3::Hasher::new();
    h.update(embed_text.as_bytes());
    if let Some(name) = name_text {
        h.update(b"\0name:v1\0");
        h.update(name.as_bytes());
    }
    h.finalize().to_hex().to_string()
}
