//! Learned linear maps applied to the query vectors of specific models.
//!
//! A general sentence encoder puts "Returns the number of active receivers"
//! some distance away from `fn receiver_count(&self) -> usize`: it was
//! trained on sentence pairs, not on descriptions and code. For
//! all-MiniLM-L6-v2 a 384 × 384 matrix `W`, fitted with a contrastive loss
//! on queries generated over the reranker's training corpus (disjoint from
//! the shared bench; `scripts/adapter/`), moves the query toward the code it
//! describes: `q' = normalize(q · W)`. Only queries change, so an existing
//! index keeps its vectors, and `search.query_adapter: false` turns it off.

use std::sync::OnceLock;

/// A `dims × dims` row-major matrix applied as `q · W`.
#[derive(Debug)]
pub struct QueryAdapter {
    dims: usize,
    w: Vec<f32>,
}

/// The adapter fitted for `model_id`, if there is one (matched on the name
/// after the last `/`, ignoring case).
pub fn for_model(model_id: &str) -> Option<&'static QueryAdapter> {
    let name = model_id.rsplit('/').next().unwrap_or(model_id);
    if !name.eq_ignore_ascii_case("all-MiniLM-L6-v2") {
        return None;
    }
    static MINILM: OnceLock<Option<QueryAdapter>> = OnceLock::new();
    MINILM
        .get_or_init(|| QueryAdapter::from_le_bytes(384, MINILM_L6_V2))
        .as_ref()
}

/// `W` for all-MiniLM-L6-v2: 384 × 384 little-endian f32.
const MINILM_L6_V2: &[u8] = include_bytes!("../adapters/all-MiniLM-L6-v2.f32");

impl QueryAdapter {
    /// Reads a row-major `dims × dims` matrix; `None` when the size is wrong.
    pub fn from_le_bytes(dims: usize, bytes: &[u8]) -> Option<QueryAdapter> {
        if bytes.len() != dims * dims * 4 {
            return None;
        }
        let w = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Some(QueryAdapter { dims, w })
    }

    /// `normalize(q · W)`; `None` when `q` has another width or maps to zero.
    pub fn apply(&self, q: &[f32]) -> Option<Vec<f32>> {
        if q.len() != self.dims {
            return None;
        }
        let mut out = vec![0.0f32; self.dims];
        for (qi, row) in q.iter().zip(self.w.chunks_exact(self.dims)) {
            for (o, w) in out.iter_mut().zip(row) {
                *o += qi * w;
            }
        }
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        out.iter_mut().for_each(|x| *x /= norm);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keeps_a_unit_vector() {
        let mut bytes = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                bytes.extend_from_slice(&(if i == j { 1.0f32 } else { 0.0 }).to_le_bytes());
            }
        }
        let a = QueryAdapter::from_le_bytes(3, &bytes).unwrap();
        assert_eq!(a.apply(&[0.6, 0.8, 0.0]).unwrap(), vec![0.6, 0.8, 0.0]);
        assert!(a.apply(&[1.0, 0.0]).is_none());
        assert!(a.apply(&[0.0, 0.0, 0.0]).is_none());
        assert!(QueryAdapter::from_le_bytes(3, &bytes[..8]).is_none());
    }

    #[test]
    fn minilm_has_an_adapter_and_other_models_do_not() {
        let a = for_model("sentence-transformers/all-MiniLM-L6-v2").unwrap();
        let q: Vec<f32> = (0..384).map(|i| ((i % 7) as f32 - 3.0) / 10.0).collect();
        let out = a.apply(&q).unwrap();
        let norm: f32 = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(for_model("BAAI/bge-small-en-v1.5").is_none());
        assert!(for_model("static-test").is_none());
    }
}
