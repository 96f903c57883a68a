//! Progress reporting and cancellation shared by the CLI (indicatif bars)
//! and the MCP server (progress notifications).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Receives progress from an index run. Calls come from worker threads.
pub trait ProgressSink: Send + Sync {
    /// A new phase starts (`scan`, `index`, `embed`), with its total units when known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// `n` more units of the current phase are done.
    fn advance(&self, n: u64);
    /// A one-line message worth showing (e.g. which backend was chosen).
    fn message(&self, msg: &str);
    /// The run has finished (successfully or not).
    fn finish(&self) {}
}

/// A sink that ignores everything, for callers that do not show progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn message(&self, _msg: &str) {}
}

/// Cooperative cancellation: Ctrl-C or a shutting-down server sets it, the
/// pipeline checks it between batches and stops with a consistent index.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A fresh, unset flag.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop at the next safe point.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
