//! `amanmcp serve [PATH]` and bare `amanmcp`: MCP over stdio.

use std::process::ExitCode;
use std::sync::Arc;

use amanmcp_mcp::{serve_stdio, ServeOptions};
use anyhow::Result;

use super::open_engine;
use crate::allocator::{self, Workload};
use crate::args::{GlobalArgs, ServeArgs};

/// Opens the project and serves until the client disconnects. Indexing (or
/// reconciling) happens in the background, so the server answers at once.
pub fn run(g: &GlobalArgs, a: ServeArgs) -> Result<ExitCode> {
    let engine = Arc::new(open_engine(g, a.path.as_deref())?);
    tracing::info!(
        root = %engine.root().display(),
        backend = %engine.backend().backend,
        "serving MCP on stdio"
    );
    serve_stdio(
        engine,
        ServeOptions {
            watch: !a.no_watch,
            auto_index: !a.no_auto_index,
            on_index_run: Some(Arc::new(|running: bool| {
                allocator::tune_for(if running {
                    Workload::Embedding
                } else {
                    Workload::Queries
                })
            })),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
