//! The tools. Each validates its arguments, runs the blocking engine call
//! on the blocking pool, and answers with structured content plus a compact
//! text rendering; anything the client got wrong is a tool error with a
//! message the agent can act on.

use crate::outputs::{ReindexOut, ReportOut, ServerStateOut, StatusOut, SymbolsOut};
use crate::params::{
    input_schema, parse_args, usage, ChunkTarget, FindSymbolParams, GetChunkParams, ReindexParams,
    Scope, SearchCodeParams, SearchDocsParams, SearchParams, SearchRequest,
};
use crate::progress::McpProgress;
use crate::replies::{explain, structured, task_failed, tool_error};
use crate::server::AmanServer;
use crate::writer::{Completion, Role, RunOutcome};
use crate::{render, writer::BUSY_RETRY};
use amanmcp_engine::{ChunkText, ProgressSink, Query, QueryScope, SearchMode, SearchOutput};
use rmcp::handler::server::tool::schema_for_output;
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, ErrorData as McpError, RoleServer};
use std::sync::Arc;

#[tool_router(vis = "pub(crate)")]
impl AmanServer {
    #[tool(
        description = "Hybrid (keyword + semantic) search over the whole project, code and docs. Returns ranked chunks as path:start-end with symbol, kind, score and a snippet; pass a result's id to get_chunk for its full text.",
        annotations(read_only_hint = true, open_world_hint = false),
        input_schema = input_schema::<SearchParams>(),
        output_schema = schema_for_output::<SearchOutput>()
    )]
    async fn search(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let p: SearchParams = match parse_args(args, usage::SEARCH) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        match p.validate(self.engine.root()) {
            Ok(req) => self.run_search(req).await,
            Err(e) => tool_error(e.to_string()),
        }
    }

    #[tool(
        description = "Search source code only (no docs): find functions, types and logic by behaviour or identifiers. Optional filters: language, path (directory or glob), kind (function, method, struct, class, ...).",
        annotations(read_only_hint = true, open_world_hint = false),
        input_schema = input_schema::<SearchCodeParams>(),
        output_schema = schema_for_output::<SearchOutput>()
    )]
    async fn search_code(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let p: SearchCodeParams = match parse_args(args, usage::SEARCH_CODE) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        match p.validate(self.engine.root()) {
            Ok(req) => self.run_search(req).await,
            Err(e) => tool_error(e.to_string()),
        }
    }

    #[tool(
        description = "Search documentation only (Markdown and plain text): READMEs, guides, design notes.",
        annotations(read_only_hint = true, open_world_hint = false),
        input_schema = input_schema::<SearchDocsParams>(),
        output_schema = schema_for_output::<SearchOutput>()
    )]
    async fn search_docs(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let p: SearchDocsParams = match parse_args(args, usage::SEARCH_DOCS) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        match p.validate(self.engine.root()) {
            Ok(req) => self.run_search(req).await,
            Err(e) => tool_error(e.to_string()),
        }
    }

    #[tool(
        description = "Find where a symbol (function, method, type, class, constant) is defined, by name: exact matches first, then case-insensitive and fuzzy ones. Optional kind filter.",
        annotations(read_only_hint = true, open_world_hint = false),
        input_schema = input_schema::<FindSymbolParams>(),
        output_schema = schema_for_output::<SymbolsOut>()
    )]
    async fn find_symbol(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let p: FindSymbolParams = match parse_args(args, usage::FIND_SYMBOL) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        let (name, kind, limit) = match p.validate() {
            Ok(v) => v,
            Err(e) => return tool_error(e.to_string()),
        };
        let engine = self.engine.clone();
        let lookup = name.clone();
        let joined = tokio::task::spawn_blocking(move || {
            engine.find_symbol(&lookup, kind.as_deref(), limit)
        })
        .await;
        match joined {
            Ok(Ok(items)) => {
                let out = SymbolsOut {
                    name,
                    results: items,
                };
                structured(&out, render::symbols(&out))
            }
            Ok(Err(e)) => tool_error(explain(&e, self.building())),
            Err(e) => task_failed(e),
        }
    }

    #[tool(
        description = "Source text of a search result by its id, or of any line range of a project file (path relative to the root, start_line and end_line 1-based inclusive). Paths outside the project are refused.",
        annotations(read_only_hint = true, open_world_hint = false),
        input_schema = input_schema::<GetChunkParams>(),
        output_schema = schema_for_output::<ChunkText>()
    )]
    async fn get_chunk(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let p: GetChunkParams = match parse_args(args, usage::GET_CHUNK) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        let target = match p.validate(self.engine.root()) {
            Ok(t) => t,
            Err(e) => return tool_error(e.to_string()),
        };
        let engine = self.engine.clone();
        let joined = tokio::task::spawn_blocking(move || match &target {
            ChunkTarget::Id(id) => engine.get_chunk(id).map(|c| (c, Some(id.clone()))),
            ChunkTarget::Range {
                path,
                start_line,
                end_line,
            } => engine
                .read_range(path, *start_line, *end_line)
                .map(|c| (Some(c), None)),
        })
        .await;
        match joined {
            Ok(Ok((Some(chunk), _))) => structured(&chunk, render::chunk(&chunk)),
            Ok(Ok((None, id))) => tool_error(format!(
                "no chunk with id `{}` (ids change when a file is re-indexed; search again for a fresh id)",
                id.unwrap_or_default()
            )),
            Ok(Err(e)) => tool_error(explain(&e, self.building())),
            Err(e) => task_failed(e),
        }
    }

    #[tool(
        description = "Index health: file and chunk counts per language, embedder (backend, model, dims), degraded reason, pending embeddings, last update, file watcher state and any background indexing in progress.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<StatusOut>()
    )]
    async fn index_status(&self) -> Result<CallToolResult, McpError> {
        let engine = self.engine.clone();
        let joined = tokio::task::spawn_blocking(move || engine.status()).await;
        let status = match joined {
            Ok(Ok(status)) => status,
            // The first index is being created: report what is known.
            Ok(Err(_)) if self.building() => self.engine.unbuilt_status(),
            Ok(Err(e)) => return tool_error(explain(&e, false)),
            Err(e) => return task_failed(e),
        };
        let snap = self.writer.snapshot();
        let stale = snap.role != Role::Reader
            && (snap.running.is_some() || snap.reconcile_queued || snap.queued_paths > 0);
        let server = ServerStateOut {
            watcher: self.watch_state().describe(),
            role: snap.role.as_str().to_string(),
            running: snap.running.map(str::to_string),
            phase: snap.phase,
            running_secs: snap.running_for.map(|d| d.as_secs_f64()),
            reconcile_queued: snap.reconcile_queued,
            queued_paths: snap.queued_paths,
            last_write: snap.last_write,
            last_error: snap.last_error,
            last_report: snap.last_report.as_ref().map(ReportOut::from),
            next_retry_secs: snap.next_retry_in.map(|d| d.as_secs_f64()),
        };
        let out = StatusOut::new(status, stale, server);
        structured(&out, render::status(&out))
    }

    #[tool(
        description = "Bring the index up to date with the working tree (normally automatic: the server watches files). Runs in the background and answers at once; with a progressToken, progress is reported as notifications. force=true rebuilds from scratch; wait=true answers only when the run is done.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        input_schema = input_schema::<ReindexParams>(),
        output_schema = schema_for_output::<ReindexOut>()
    )]
    async fn reindex(
        &self,
        args: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let p: ReindexParams = match parse_args(args, usage::REINDEX) {
            Ok(p) => p,
            Err(e) => return tool_error(e),
        };
        let force = p.force.unwrap_or(false);
        let wait = p.wait.unwrap_or(false);
        let progress = context
            .meta
            .get_progress_token()
            .map(|token| Arc::new(McpProgress::start(context.peer.clone(), token)));
        let (tx, rx) = tokio::sync::oneshot::channel::<RunOutcome>();
        let closer = progress.clone();
        let done: Completion = Box::new(move |outcome| {
            if let Some(p) = closer {
                p.close();
            }
            let _ = tx.send(outcome);
        });
        self.engine.set_stale(true);
        let sink = progress.map(|p| p as Arc<dyn ProgressSink>);
        let started = self.writer.request_reconcile(force, sink, Some(done));
        let snap = self.writer.snapshot();
        let what = if force { "rebuild" } else { "reconcile" };
        if !wait {
            let out = if started {
                ReindexOut {
                    state: "started".into(),
                    message: format!("Index {what} started in the background; searches keep working meanwhile (index_status shows progress)."),
                    report: None,
                }
            } else {
                let phase = snap.phase.map(|p| format!(" ({p})")).unwrap_or_default();
                ReindexOut {
                    state: "already_running".into(),
                    message: format!(
                        "An index run is already in progress{phase}; this request joins it."
                    ),
                    report: None,
                }
            };
            return structured(&out, render::reindex(&out));
        }
        let outcome = tokio::select! {
            outcome = rx => outcome.unwrap_or(RunOutcome::Cancelled),
            _ = context.ct.cancelled() => RunOutcome::Cancelled,
        };
        let out = match outcome {
            RunOutcome::Done(report) => ReindexOut {
                state: "done".into(),
                message: format!("Index {what} finished."),
                report: Some(ReportOut::from(&report)),
            },
            RunOutcome::Deferred => ReindexOut {
                state: "deferred".into(),
                message: format!(
                    "Another amanmcp process is updating this index right now and keeps it fresh; this server retries in {}s. Searches work meanwhile.",
                    BUSY_RETRY.as_secs()
                ),
                report: None,
            },
            RunOutcome::Failed(message) => return tool_error(format!("index {what} failed: {message}")),
            RunOutcome::Cancelled => ReindexOut {
                state: "cancelled".into(),
                message: "The run was interrupted (server shutting down or request cancelled); the next run resumes where it stopped.".into(),
                report: None,
            },
        };
        structured(&out, render::reindex(&out))
    }
}

impl AmanServer {
    async fn run_search(&self, req: SearchRequest) -> Result<CallToolResult, McpError> {
        let engine = self.engine.clone();
        let query = to_query(req);
        match tokio::task::spawn_blocking(move || engine.search(&query)).await {
            Ok(Ok(output)) => structured(&output, render::search(&output)),
            Ok(Err(e)) => tool_error(explain(&e, self.building())),
            Err(e) => task_failed(e),
        }
    }

    /// Whether the first index is still being built (a missing index is then
    /// expected, not a problem to report).
    fn building(&self) -> bool {
        let snap = self.writer.snapshot();
        snap.running.is_some() || snap.reconcile_queued
    }
}

fn to_query(req: SearchRequest) -> Query {
    let mut q = Query::new(req.text, req.limit);
    q.languages = req.languages;
    q.path_glob = req.path_glob;
    q.kinds = req.kinds;
    q.scope = match req.scope {
        Scope::All => QueryScope::All,
        Scope::Code => QueryScope::Code,
        Scope::Docs => QueryScope::Docs,
    };
    q.mode = SearchMode::Hybrid;
    q
}
