//! Structured content of the tools whose answers the engine has no type
//! for, with the JSON schemas advertised as `outputSchema`. `search*` answer
//! with the engine's [`SearchOutput`](amanmcp_engine::SearchOutput) and
//! `get_chunk` with its [`ChunkText`](amanmcp_engine::ChunkText)
//! directly (they derive `JsonSchema`), so those match `amanmcp search
//! --json` by construction. The types here add server state (`StatusOut`,
//! `ReindexOut`) or pick the fields an agent needs (`ReportOut`).

use amanmcp_engine::{IndexReport, ResultItem, Status};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// Answer of `find_symbol`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SymbolsOut {
    pub name: String,
    /// Exact matches first, then case-insensitive and fuzzy ones.
    pub results: Vec<ResultItem>,
}

// The counts of `IndexReport` the tools have always reported (not
// `files_skipped`, `chunks_cached` or the stage timings); a plain comment so
// it stays out of the schema's description.
/// What the last index run did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportOut {
    pub files_scanned: u64,
    pub files_added: u64,
    pub files_modified: u64,
    pub files_removed: u64,
    pub files_unchanged: u64,
    pub chunks_written: u64,
    pub chunks_embedded: u64,
    pub chunks_total: u64,
    pub pending_embeddings: u64,
    pub cancelled: bool,
    pub wall_ms: f64,
}

impl From<&IndexReport> for ReportOut {
    fn from(r: &IndexReport) -> Self {
        ReportOut {
            files_scanned: r.files_scanned,
            files_added: r.files_added,
            files_modified: r.files_modified,
            files_removed: r.files_removed,
            files_unchanged: r.files_unchanged,
            chunks_written: r.chunks_written,
            chunks_embedded: r.chunks_embedded,
            chunks_total: r.chunks_total,
            pending_embeddings: r.pending_embeddings,
            cancelled: r.cancelled,
            wall_ms: r.wall_ms,
        }
    }
}

/// This server's freshness machinery.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ServerStateOut {
    /// `native`, `polling`, `off` (disabled) or `failed`.
    pub watcher: String,
    /// `writer` (this server updates the index), `reader` (another process
    /// does; this one retries periodically) or `unknown` (nothing written yet).
    pub role: String,
    /// `reconcile`, `rebuild` or `update` while one runs.
    pub running: Option<String>,
    /// Phase and progress of the running job, e.g. `embed 120/900`.
    pub phase: Option<String>,
    pub running_secs: Option<f64>,
    pub reconcile_queued: bool,
    pub queued_paths: usize,
    /// Unix seconds of this server's last index write.
    pub last_write: Option<i64>,
    pub last_error: Option<String>,
    pub last_report: Option<ReportOut>,
    pub next_retry_secs: Option<f64>,
}

/// Answer of `index_status`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusOut {
    pub root: String,
    pub index_dir: String,
    /// Whether an index exists yet.
    pub indexed: bool,
    pub files: u64,
    pub chunks: u64,
    /// Files per language.
    pub languages: BTreeMap<String, u64>,
    pub backend: String,
    pub model: Option<String>,
    pub dims: Option<usize>,
    pub device: Option<String>,
    pub degraded: bool,
    pub degraded_reason: Option<String>,
    /// Better backends that were skipped, with the reason.
    pub skipped_backends: Vec<SkippedBackend>,
    /// Chunks stored but not embedded yet (keyword search covers them already).
    pub pending_embeddings: u64,
    pub index_bytes: u64,
    /// Unix seconds of the last index update (by any process).
    pub last_update: Option<i64>,
    /// True while this server knows the index lags the working tree.
    pub stale: bool,
    pub server: ServerStateOut,
}

/// A backend the fallback chain passed over.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SkippedBackend {
    pub backend: String,
    pub reason: String,
}

impl StatusOut {
    /// Combines the engine's status with this server's state.
    pub fn new(status: Status, stale: bool, server: ServerStateOut) -> Self {
        StatusOut {
            root: status.root,
            index_dir: status.index_dir,
            indexed: status.indexed,
            files: status.files,
            chunks: status.chunks,
            languages: status.languages,
            backend: status.backend,
            model: status.model,
            dims: status.dims,
            device: status.device,
            degraded: status.degraded,
            degraded_reason: status.degraded_reason,
            skipped_backends: status
                .skipped_backends
                .into_iter()
                .map(|(backend, reason)| SkippedBackend { backend, reason })
                .collect(),
            pending_embeddings: status.pending_embeddings,
            index_bytes: status.index_bytes,
            last_update: status.last_update,
            stale,
            server,
        }
    }
}

/// Answer of `reindex`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReindexOut {
    /// `started`, `already_running`, `deferred` (another process is writing;
    /// this server retries), `done` or `failed`.
    pub state: String,
    pub message: String,
    /// Set when the call waited for the run to finish.
    pub report: Option<ReportOut>,
}
