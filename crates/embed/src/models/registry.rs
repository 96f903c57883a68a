//! Models amanmcp knows by name: what `amanmcp model list` shows and what
//! short names like `all-MiniLM-L6-v2` expand to.

/// Which local backend runs a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// BERT-family encoder (MiniLM, bge, e5, gte) on candle.
    Bert,
    /// Qwen3-Embedding decoder on candle.
    Qwen3,
    /// model2vec static lookup table.
    Static,
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::Bert => "bert",
            ModelKind::Qwen3 => "qwen3",
            ModelKind::Static => "static",
        })
    }
}

/// A model with known shape and trade-offs, so users can choose without
/// downloading first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownModel {
    /// Hugging Face id.
    pub id: &'static str,
    /// Backend that runs it.
    pub kind: ModelKind,
    /// Output dimensions.
    pub dims: usize,
    /// Approximate download size.
    pub approx_size_mb: u32,
    /// One line on when to pick it.
    pub note: &'static str,
}

/// The registry, best CPU default first.
pub const KNOWN_MODELS: &[KnownModel] = &[
    KnownModel {
        id: "sentence-transformers/all-MiniLM-L6-v2",
        kind: ModelKind::Bert,
        dims: 384,
        approx_size_mb: 91,
        note: "CPU default: 6 layers, fast, good enough for code search",
    },
    KnownModel {
        id: "BAAI/bge-small-en-v1.5",
        kind: ModelKind::Bert,
        dims: 384,
        approx_size_mb: 133,
        note: "12 layers × 384: better recall than MiniLM at ~2× the CPU cost",
    },
    KnownModel {
        id: "BAAI/bge-base-en-v1.5",
        kind: ModelKind::Bert,
        dims: 768,
        approx_size_mb: 438,
        note: "12 layers × 768: strong English model, ~4× MiniLM's cost on CPU",
    },
    KnownModel {
        id: "intfloat/e5-small-v2",
        kind: ModelKind::Bert,
        dims: 384,
        approx_size_mb: 133,
        note: "uses query:/passage: prefixes; similar cost to bge-small",
    },
    KnownModel {
        id: "thenlper/gte-small",
        kind: ModelKind::Bert,
        dims: 384,
        approx_size_mb: 67,
        note: "12 layers × 384, no prefixes; good all-rounder",
    },
    KnownModel {
        id: "Qwen/Qwen3-Embedding-0.6B",
        kind: ModelKind::Qwen3,
        dims: 1024,
        approx_size_mb: 1192,
        note: "GPU default: best code retrieval here; Matryoshka-truncatable; slow on CPU",
    },
    KnownModel {
        id: "minishlab/potion-base-8M",
        kind: ModelKind::Static,
        dims: 256,
        approx_size_mb: 30,
        note: "static model2vec table: tens of thousands of texts/s, lower quality",
    },
    KnownModel {
        id: "minishlab/potion-retrieval-32M",
        kind: ModelKind::Static,
        dims: 512,
        approx_size_mb: 130,
        note: "static model2vec table tuned for retrieval",
    },
];

/// Looks a model up by full id or by its last path component
/// (case-insensitive), so `all-minilm-l6-v2` finds the full entry.
pub fn find_known(id: &str) -> Option<&'static KnownModel> {
    let name = id.rsplit('/').next().unwrap_or(id);
    KNOWN_MODELS.iter().find(|m| {
        m.id.eq_ignore_ascii_case(id)
            || m.id
                .rsplit('/')
                .next()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_short_and_full_name() {
        assert_eq!(find_known("all-MiniLM-L6-v2").map(|m| m.dims), Some(384));
        assert_eq!(
            find_known("Qwen/Qwen3-Embedding-0.6B").map(|m| m.kind),
            Some(ModelKind::Qwen3)
        );
        assert!(find_known("nope/nothing").is_none());
    }
}
