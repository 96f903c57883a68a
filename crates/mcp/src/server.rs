//! The MCP server object: shared state behind the tools and the
//! `ServerHandler` glue (identity, instructions, capabilities).

use crate::instructions::INSTRUCTIONS;
use crate::writer::IndexWriterHandle;
use amanmcp_engine::Engine;
use rmcp::handler::server::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool_handler, ServerHandler};
use std::sync::{Arc, Mutex};

/// State of the file watcher as shown by `index_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    /// Disabled by the caller (`--no-watch`).
    Off,
    /// Being set up in the background.
    Starting,
    /// Running natively or by polling.
    Running(crate::watcher::WatchMode),
    /// Could not start; the message says why.
    Failed(String),
}

impl WatchState {
    /// Short name for status output.
    pub fn describe(&self) -> String {
        match self {
            WatchState::Off => "off".into(),
            WatchState::Starting => "starting".into(),
            WatchState::Running(mode) => mode.as_str().into(),
            WatchState::Failed(e) => format!("failed: {e}"),
        }
    }
}

/// The server handed to rmcp; cheap to clone (everything is shared).
#[derive(Clone)]
pub struct AmanServer {
    pub(crate) engine: Arc<Engine>,
    pub(crate) writer: IndexWriterHandle,
    pub(crate) watch: Arc<Mutex<WatchState>>,
    tool_router: ToolRouter<AmanServer>,
}

impl AmanServer {
    /// A server over `engine` whose index writes go through `writer`.
    pub fn new(
        engine: Arc<Engine>,
        writer: IndexWriterHandle,
        watch: Arc<Mutex<WatchState>>,
    ) -> Self {
        AmanServer {
            engine,
            writer,
            watch,
            tool_router: Self::tool_router(),
        }
    }

    /// The watcher state right now.
    pub(crate) fn watch_state(&self) -> WatchState {
        self.watch
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for AmanServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("amanmcp", env!("CARGO_PKG_VERSION"))
                    .with_title("amanmcp local code search"),
            )
            .with_instructions(INSTRUCTIONS)
    }
}
