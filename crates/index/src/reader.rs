//! Lock-free readers: SQLite (WAL snapshot), a tantivy searcher and the last
//! dumped graph, refreshed cheaply before each query.

use crate::bm25::Bm25Index;
use crate::error::IndexError;
use crate::filters::{Catalog, CidSet};
use crate::graph::{Graph, GraphPointer};
use crate::layout::Layout;
use crate::meta::{self, key, SCHEMA_VERSION};
use crate::queries;
use crate::types::{EmbeddingSpec, FileRecord, IndexStats};
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// True when `dir` holds an index (a readable manifest).
pub fn index_exists(dir: &Path) -> bool {
    let layout = Layout::new(dir);
    if !layout.sqlite().is_file() {
        return false;
    }
    meta::open_ro(&layout.sqlite())
        .and_then(|c| meta::get(&c, key::SCHEMA))
        .map(|v| v.is_some())
        .unwrap_or(false)
}

/// Last filter's allowed set: (filter key, data generation, cids).
pub(crate) type AllowedCache = (String, i64, Arc<CidSet>);

/// A graph as loaded from one dump.
pub(crate) struct LoadedGraph {
    pub pointer: GraphPointer,
    pub graph: Graph,
}

/// What one refresh observed.
#[derive(Clone, Default)]
pub(crate) struct Snapshot {
    pub data_gen: i64,
    /// Data generation the loaded BM25 commit reflects (its payload).
    pub bm25_gen: Option<i64>,
    pub vector_gen: i64,
    pub spec: Option<EmbeddingSpec>,
    pub graph: Option<Arc<LoadedGraph>>,
}

/// Read access to an index; `Send + Sync`, usable from many threads while a
/// writer (this or another process) commits.
pub struct IndexReader {
    pub(crate) layout: Layout,
    conn: Mutex<Connection>,
    pub(crate) bm25: Bm25Index,
    pub(crate) searcher: tantivy::IndexReader,
    pub(crate) snapshot: RwLock<Snapshot>,
    pub(crate) filter_cache: Mutex<Option<AllowedCache>>,
    /// Filterable chunk attributes, loaded on the first filtered query of a generation.
    pub(crate) catalog: Mutex<Option<Arc<Catalog>>>,
    refresh_lock: Mutex<()>,
}

impl IndexReader {
    /// Opens the index in `dir` for reading; `NotFound` when there is none.
    pub fn open(dir: &Path) -> Result<IndexReader, IndexError> {
        if !index_exists(dir) {
            return Err(IndexError::NotFound {
                dir: dir.to_path_buf(),
            });
        }
        let layout = Layout::new(dir);
        let conn = meta::open_ro(&layout.sqlite())?;
        let found = meta::get_i64(&conn, key::SCHEMA)?.unwrap_or(0) as u32;
        if found != SCHEMA_VERSION {
            return Err(IndexError::SchemaMismatch {
                dir: dir.to_path_buf(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        let bm25 = Bm25Index::open(&layout.bm25()).map_err(|e| IndexError::Corrupt {
            dir: dir.to_path_buf(),
            reason: format!("BM25 index unreadable: {e}"),
        })?;
        let searcher = bm25
            .index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        let reader = IndexReader {
            layout,
            conn: Mutex::new(conn),
            bm25,
            searcher,
            snapshot: RwLock::new(Snapshot {
                data_gen: -1,
                vector_gen: -1,
                ..Snapshot::default()
            }),
            filter_cache: Mutex::new(None),
            catalog: Mutex::new(None),
            refresh_lock: Mutex::new(()),
        };
        reader.refresh()?;
        Ok(reader)
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        self.snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Picks up committed changes: BM25 reload when the data generation moved,
    /// graph reload when the dump pointer moved. Returns true when anything
    /// changed; costs one small SQLite query and a file read otherwise.
    pub fn refresh(&self) -> Result<bool, IndexError> {
        let _serial = self.refresh_lock.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.snapshot();
        let (data_gen, vector_gen, spec) = {
            let conn = self.conn();
            let (d, v) = meta::generations(&conn)?;
            let spec = if d != current.data_gen || v != current.vector_gen {
                meta::spec(&conn)?
            } else {
                current.spec.clone()
            };
            (d, v, spec)
        };
        let mut next = current.clone();
        let mut changed = false;
        if data_gen != current.data_gen {
            next.data_gen = data_gen;
            changed = true;
        }
        // BM25 commits right after SQLite; until its payload catches up
        // (or a writer repairs it after a crash) keep checking on each refresh.
        if current.bm25_gen != Some(data_gen) {
            let payload = self.bm25.committed_generation()?;
            if payload != current.bm25_gen {
                self.searcher.reload()?;
                next.bm25_gen = payload;
                changed = true;
            }
        }
        if vector_gen != current.vector_gen || spec != current.spec {
            next.vector_gen = vector_gen;
            next.spec = spec.clone();
            changed = true;
        }
        let pointer = GraphPointer::read(&self.layout.graph_pointer());
        let loaded_pointer = current.graph.as_ref().map(|g| &g.pointer);
        if pointer.as_ref() != loaded_pointer {
            next.graph = self.load_graph(pointer, spec.as_ref());
            changed = true;
        } else if next
            .graph
            .as_ref()
            .is_some_and(|g| Some(&g.pointer.spec) != spec.as_ref())
        {
            next.graph = None;
            changed = true;
        }
        if changed {
            *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = next;
        }
        Ok(changed)
    }

    fn load_graph(
        &self,
        pointer: Option<GraphPointer>,
        spec: Option<&EmbeddingSpec>,
    ) -> Option<Arc<LoadedGraph>> {
        let pointer = pointer?;
        if Some(&pointer.spec) != spec {
            return None;
        }
        let dims = pointer.spec.dims;
        let graph = match &pointer.basename {
            None => Graph::new(16, 16, 0),
            Some(base) => match Graph::load(&self.layout.vectors(), base, dims) {
                Ok(g) => g,
                Err(e) => {
                    // The writer may have just replaced the dump; the next refresh retries.
                    tracing::warn!(error = %e, "vector graph not loadable; searching BM25 only for now");
                    return None;
                }
            },
        };
        Some(Arc::new(LoadedGraph { pointer, graph }))
    }

    /// The embedding spec of the stored vectors as of the last `refresh`:
    /// what a query needs per search, without `stats`' table scans.
    pub fn embedding_spec(&self) -> Option<EmbeddingSpec> {
        self.snapshot().spec
    }

    /// True when some chunks still wait for their vectors (one indexed
    /// lookup, cheap enough for every search).
    pub fn has_pending_embeddings(&self) -> Result<bool, IndexError> {
        queries::has_pending_embeddings(&self.conn())
    }

    /// Counts for `status`.
    pub fn stats(&self) -> Result<IndexStats, IndexError> {
        queries::stats(&self.conn(), &self.layout.dir)
    }

    /// Every indexed file by path.
    pub fn files(&self) -> Result<HashMap<String, FileRecord>, IndexError> {
        queries::files(&self.conn())
    }
}
