//! The hnsw_rs vector graph (derived from SQLite + the embedding cache):
//! cosine distance over normalized vectors, generation-named dumps and an
//! atomically switched pointer file.

use crate::error::{IndexError, IoContext};
use crate::types::EmbeddingSpec;
use hnsw_rs::prelude::{AnnT, Distance, Hnsw, HnswIo, Point};
use serde::{Deserialize, Serialize};
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
    /// Every vector in one contiguous matrix, built on the first exact
    /// search: a sequential scan runs at memory speed, whereas following
    /// the graph's per-point allocations in hash order was ~10× slower.
    flat: OnceLock<Flat>,
}

/// Vectors by ascending data id, row-major.
struct Flat {
    ids: Vec<i64>,
    data: Vec<f32>,
    dims: usize,
}

impl Flat {
    fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dims..(i + 1) * self.dims]
    }
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
            flat: OnceLock::new(),
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
        let flat = self.flat();
        let scored = ids.filter_map(|id| {
            let i = flat.ids.binary_search(&id).ok()?;
            Some((id, dot(query, flat.row(i))))
        });
        top_k(scored, k)
    }

    /// Exact nearest `k` over every point: a flat scan. On indexes of a few
    /// ten thousand chunks it costs a few milliseconds and, unlike the graph
    /// walk, never misses a neighbour — natural-language queries sit away
    /// from the code vectors, where HNSW recall is weakest.
    pub fn exact_all(&self, query: &[f32], k: usize) -> Vec<(i64, f32)> {
        let flat = self.flat();
        let scored = flat
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, dot(query, flat.row(i))));
        top_k(scored, k)
    }

    fn flat(&self) -> &Flat {
        self.flat.get_or_init(|| {
            if self.len() == 0 {
                return Flat {
                    ids: Vec::new(),
                    data: Vec::new(),
                    dims: 0,
                };
            }
            let mut points: Vec<(i64, Arc<Point<'static, f32>>)> = self
                .hnsw
                .get_point_indexation()
                .into_iter()
                .map(|p| (p.get_origin_id() as i64, p))
                .collect();
            points.sort_by_key(|(id, _)| *id);
            points.dedup_by_key(|(id, _)| *id);
            let dims = points.first().map_or(0, |(_, p)| p.get_v().len());
            let mut data = Vec::with_capacity(points.len() * dims);
            for (_, p) in &points {
                data.extend_from_slice(p.get_v());
            }
            Flat {
                ids: points.into_iter().map(|(id, _)| id).collect(),
                data,
                dims,
            }
        })
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
            flat: OnceLock::new(),
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

/// Best `k` by score (ties by id), best first.
fn top_k(scored: impl Iterator<Item = (i64, f32)>, k: usize) -> Vec<(i64, f32)> {
    let mut out: Vec<(i64, f32)> = scored.collect();
    let cmp = |a: &(i64, f32), b: &(i64, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k < out.len() {
        out.select_nth_unstable_by(k, cmp);
        out.truncate(k);
    }
    out.sort_by(cmp);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random unit vectors around a few hundred
    /// centres, like embeddings of code (clustered, not uniform).
    fn vectors(n: usize, dims: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..300)
            .map(|_| (0..dims).map(|_| next()).collect())
            .collect();
        (0..n)
            .map(|i| {
                let c = &centres[i % centres.len()];
                let v: Vec<f32> = c.iter().map(|x| x + 0.6 * next()).collect();
                normalize(&v, dims).expect("non-zero")
            })
            .collect()
    }

    fn recall_at_10(graph: &Graph, data: &[Vec<f32>], queries: &[Vec<f32>], ef: usize) -> f64 {
        let mut found = 0usize;
        for q in queries {
            let mut exact: Vec<(usize, f32)> = data
                .iter()
                .enumerate()
                .map(|(i, v)| (i, dot(q, v)))
                .collect();
            exact.sort_by(|a, b| b.1.total_cmp(&a.1));
            let truth: HashSet<i64> = exact[..10].iter().map(|(i, _)| *i as i64 + 1).collect();
            let got = graph.search(q, 10, ef, None);
            found += got.iter().filter(|(id, _)| truth.contains(id)).count();
        }
        found as f64 / (10 * queries.len()) as f64
    }

    #[test]
    fn bulk_and_incremental_inserts_both_reach_high_recall() {
        let dims = 64;
        let data = vectors(6000, dims, 7);
        let queries = vectors(100, dims, 99);
        let items: Vec<(i64, Vec<f32>)> = data
            .iter()
            .enumerate()
            .map(|(i, v)| (i as i64 + 1, v.clone()))
            .collect();
        let bulk = Graph::new(16, 200, 0);
        bulk.insert(&items);
        let paged = Graph::new(16, 200, 0);
        for page in items.chunks(96) {
            paged.insert(page);
        }
        let r_bulk = recall_at_10(&bulk, &data, &queries, 125);
        let r_paged = recall_at_10(&paged, &data, &queries, 125);
        assert!(
            r_bulk >= 0.9,
            "bulk recall@10 {r_bulk:.3} (paged {r_paged:.3})"
        );
        assert!(r_paged >= 0.9, "paged recall@10 {r_paged:.3}");
        // The flat scan is exact.
        for q in &queries[..10] {
            let mut exact: Vec<(i64, f32)> = items.iter().map(|(id, v)| (*id, dot(q, v))).collect();
            exact.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            exact.truncate(10);
            assert_eq!(bulk.exact_all(q, 10), exact);
        }
    }
}
