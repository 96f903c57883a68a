//! The hnsw_rs vector graph (derived from SQLite + the embedding cache):
//! cosine distance over normalized vectors, generation-named dumps and an
//! atomically switched pointer file.

use crate::error::{IndexError, IoContext};
use crate::types::EmbeddingSpec;
use hnsw_rs::prelude::{AnnT, Distance, Hnsw, HnswIo, Point};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Cosine distance for unit vectors: `1 - dot`, clamped at 0 so rounding can
/// never trip hnsw_rs/anndists assertions.
#[derive(Default, Clone, Copy, Debug)]
pub struct UnitCosine;

impl Distance<f32> for UnitCosine {
    fn eval(&self, va: &[f32], vb: &[f32]) -> f32 {
        (1.0 - dot(va, vb)).max(0.0)
    }
}

/// Dot product in 8 independent lanes so the compiler vectorizes it.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// What `vectors/current.json` records about the live dump.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct GraphPointer {
    /// The SQLite vector generation this dump reflects.
    pub generation: i64,
    /// Dump basename (`<basename>.hnsw.graph/.data`), `None` for an empty graph.
    pub basename: Option<String>,
    pub spec: EmbeddingSpec,
    pub points: usize,
}

impl GraphPointer {
    pub fn read(path: &Path) -> Option<GraphPointer> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Write-to-temp, fsync, rename, fsync dir: readers see the old or the new pointer.
    pub fn write(&self, path: &Path) -> Result<(), IndexError> {
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| IndexError::Hnsw(format!("pointer serialization: {e}")))?;
        {
            let mut f = File::create(&tmp).at(&tmp)?;
            f.write_all(&json).at(&tmp)?;
            f.sync_all().at(&tmp)?;
        }
        std::fs::rename(&tmp, path).at(path)?;
        sync_dir(path.parent().unwrap_or(Path::new(".")));
        Ok(())
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Layers used by hnsw_rs (its maximum).
const MAX_LAYER: usize = 16;

/// An in-memory HNSW graph whose data ids are SQLite chunk `cid`s.
pub(crate) struct Graph {
    hnsw: Hnsw<'static, f32, UnitCosine>,
    /// Points by data id, built on the first exact (filtered) search.
    by_id: OnceLock<HashMap<i64, Arc<Point<'static, f32>>>>,
}

impl Graph {
    pub fn new(m: usize, ef_construction: usize, capacity: usize) -> Graph {
        let hnsw = Hnsw::new(
            m,
            capacity.max(1024),
            MAX_LAYER,
            ef_construction,
            UnitCosine,
        );
        Graph {
            hnsw,
            by_id: OnceLock::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.hnsw.get_nb_point()
    }

    /// Inserts vectors (parallel for large batches).
    pub fn insert(&self, items: &[(i64, Vec<f32>)]) {
        if items.len() >= 64 {
            let data: Vec<(&Vec<f32>, usize)> =
                items.iter().map(|(cid, v)| (v, *cid as usize)).collect();
            self.hnsw.parallel_insert(&data);
        } else {
            for (cid, v) in items {
                self.hnsw.insert_slice((v, *cid as usize));
            }
        }
    }

    /// Data ids currently in the graph (live or tombstoned).
    pub fn ids(&self) -> HashSet<i64> {
        if self.len() == 0 {
            // hnsw_rs's point iterator panics on an empty graph.
            return HashSet::new();
        }
        self.hnsw
            .get_point_indexation()
            .into_iter()
            .map(|p| p.get_origin_id() as i64)
            .collect()
    }

    /// Nearest `k` as (cid, cosine), best first; `keep` filters during the search.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        keep: Option<&(dyn Fn(&usize) -> bool + Sync)>,
    ) -> Vec<(i64, f32)> {
        if self.len() == 0 || k == 0 {
            return Vec::new();
        }
        let filter = keep.map(|f| FilterFn(f));
        let res = self.hnsw.search_filter(
            query,
            k,
            ef.max(k),
            filter.as_ref().map(|f| f as &dyn hnsw_rs::filter::FilterT),
        );
        res.into_iter()
            .map(|n| (n.d_id as i64, 1.0 - n.distance))
            .collect()
    }

    /// Exact nearest `k` among `ids` (used when a filter leaves few candidates,
    /// where a filtered graph walk would visit most of the graph anyway).
    pub fn exact_search(
        &self,
        query: &[f32],
        ids: impl Iterator<Item = i64>,
        k: usize,
    ) -> Vec<(i64, f32)> {
        let by_id = self.by_id.get_or_init(|| {
            if self.len() == 0 {
                return HashMap::new();
            }
            self.hnsw
                .get_point_indexation()
                .into_iter()
                .map(|p| (p.get_origin_id() as i64, p))
                .collect()
        });
        let mut out: Vec<(i64, f32)> = ids
            .filter_map(|id| by_id.get(&id).map(|p| (id, dot(query, p.get_v()))))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(k);
        out
    }

    /// Dumps to `<dir>/<name>.hnsw.*` and fsyncs; returns the basename used.
    pub fn dump(&self, dir: &Path, name: &str) -> Result<String, IndexError> {
        let base = self
            .hnsw
            .file_dump(dir, name)
            .map_err(|e| IndexError::Hnsw(format!("dump to {}: {e}", dir.display())))?;
        for ext in ["hnsw.graph", "hnsw.data"] {
            let p = dir.join(format!("{base}.{ext}"));
            File::open(&p).and_then(|f| f.sync_all()).at(&p)?;
        }
        sync_dir(dir);
        Ok(base)
    }

    /// Loads a dump. The small `HnswIo` is leaked because hnsw_rs ties the
    /// graph's lifetime to it; this happens once per (re)load.
    pub fn load(dir: &Path, basename: &str, dims: usize) -> Result<Graph, IndexError> {
        for ext in ["hnsw.graph", "hnsw.data"] {
            let p = dir.join(format!("{basename}.{ext}"));
            if !p.exists() {
                return Err(IndexError::Hnsw(format!(
                    "missing dump file {}",
                    p.display()
                )));
            }
        }
        let io: &'static mut HnswIo = Box::leak(Box::new(HnswIo::new(dir, basename)));
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let io = io;
            io.load_hnsw::<f32, UnitCosine>()
        }));
        let hnsw = match loaded {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => return Err(IndexError::Hnsw(format!("load {basename}: {e}"))),
            Err(_) => return Err(IndexError::Hnsw(format!("load {basename}: damaged dump"))),
        };
        let graph = Graph {
            hnsw,
            by_id: OnceLock::new(),
        };
        if graph.len() > 0 && graph.hnsw.get_point_indexation().get_data_dimension() != dims {
            return Err(IndexError::Hnsw(format!(
                "dump {basename} has dimension {} but the index expects {dims}",
                graph.hnsw.get_point_indexation().get_data_dimension()
            )));
        }
        Ok(graph)
    }
}

struct FilterFn<'a>(&'a (dyn Fn(&usize) -> bool + Sync));

impl hnsw_rs::filter::FilterT for FilterFn<'_> {
    fn hnsw_filter(&self, id: &usize) -> bool {
        (self.0)(id)
    }
}

/// Removes dump files other than `keep` (best effort; readers holding old
/// graphs already have them in memory).
pub(crate) fn remove_stale_dumps(dir: &Path, keep: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(base) = name
            .strip_suffix(".hnsw.graph")
            .or_else(|| name.strip_suffix(".hnsw.data"))
        else {
            continue;
        };
        if Some(base) != keep {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Checks, normalizes and returns a vector of `dims` finite floats.
pub(crate) fn normalize(v: &[f32], dims: usize) -> Result<Vec<f32>, IndexError> {
    if v.len() != dims {
        return Err(IndexError::InvalidVector(format!(
            "expected {dims} dimensions, got {} (was the embedding model changed without set_embedding_spec?)",
            v.len()
        )));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(IndexError::InvalidVector("contains NaN or infinity".into()));
    }
    let norm = dot(v, v).sqrt();
    if norm <= f32::EPSILON {
        return Err(IndexError::InvalidVector("all-zero vector".into()));
    }
    Ok(v.iter().map(|x| x / norm).collect())
}
