//! `serve_stdio`: runs the server until the client closes stdin or the
//! process gets SIGTERM/SIGINT, then stops the watcher and background work.

use crate::freshness::start_watcher;
use crate::server::{AmanServer, WatchState};
use crate::stdout_guard::protocol_stdout;
use crate::watcher::TreeWatcher;
use crate::writer::{IndexRunHook, IndexWriterHandle};
use amanmcp_engine::Engine;
use anyhow::Context;
use rmcp::ServiceExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long shutdown waits for an index run to reach a safe stopping point.
const WRITER_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What `serve` does besides answering queries.
#[derive(Clone)]
pub struct ServeOptions {
    /// Watch the tree and update the index as files change.
    pub watch: bool,
    /// Reconcile the index with the tree at start (creating it if missing).
    pub auto_index: bool,
    /// Called with `true` when a background index run starts embedding and
    /// `false` after each run, so the binary can tune process-wide resources
    /// (its allocator's purge delay) for bulk embedding, then for queries.
    pub on_index_run: Option<IndexRunHook>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            watch: true,
            auto_index: true,
            on_index_run: None,
        }
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("watch", &self.watch)
            .field("auto_index", &self.auto_index)
            .field("on_index_run", &self.on_index_run.is_some())
            .finish()
    }
}

/// Serves MCP over stdin/stdout for `engine`'s project. Builds its own
/// tokio runtime; returns when the client disconnects or on SIGTERM/SIGINT.
/// From here on nothing but protocol reaches the real stdout: fd 1 is
/// pointed at stderr, so stray prints from any library cannot corrupt it.
pub fn serve_stdio(engine: Arc<Engine>, opts: ServeOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("amanmcp-mcp")
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(run(engine, opts));
    // The stdin reader may sit in a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

async fn run(engine: Arc<Engine>, opts: ServeOptions) -> anyhow::Result<()> {
    let output = protocol_stdout().context("cannot set up the protocol output")?;
    let writer = IndexWriterHandle::start(engine.clone(), opts.on_index_run.clone());
    if opts.auto_index {
        engine.set_stale(true);
        writer.request_reconcile(false, None, None);
    }
    let watch_state = Arc::new(Mutex::new(WatchState::Off));
    let watcher_slot: Arc<Mutex<Option<TreeWatcher>>> = Arc::new(Mutex::new(None));
    if opts.watch {
        start_watcher(
            engine.clone(),
            writer.clone(),
            watch_state.clone(),
            watcher_slot.clone(),
        );
    }
    let server = AmanServer::new(engine.clone(), writer.clone(), watch_state);
    tracing::info!(root = %engine.root().display(), "MCP server ready on stdio");
    let served = server.serve((tokio::io::stdin(), output)).await;
    let outcome = match served {
        Ok(service) => {
            let token = service.cancellation_token();
            tokio::select! {
                quit = service.waiting() => {
                    tracing::info!("client disconnected: {quit:?}");
                    Ok(())
                }
                signal = shutdown_signal() => {
                    tracing::info!("received {signal}; shutting down");
                    token.cancel();
                    Ok(())
                }
            }
        }
        Err(e) => Err(anyhow::anyhow!("MCP handshake failed: {e}")),
    };
    // Stop the watcher first (no new work), then the writer.
    let watcher = watcher_slot.lock().ok().and_then(|mut s| s.take());
    let stop_writer = writer.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Some(w) = watcher {
            w.stop();
        }
        stop_writer.shutdown(WRITER_STOP_TIMEOUT);
    })
    .await;
    outcome
}

#[cfg(unix)]
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => {
            tracing::warn!("cannot install signal handlers; stop by closing stdin");
            std::future::pending().await
        }
    }
}

#[cfg(not(unix))]
async fn shutdown_signal() -> &'static str {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "Ctrl-C",
        Err(_) => std::future::pending().await,
    }
}
