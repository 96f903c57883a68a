//! Logging: everything goes to stderr, never stdout (stdout belongs to
//! results and, in `serve`, to the MCP protocol).

use tracing_subscriber::EnvFilter;

/// Sets up `tracing` on stderr. `RUST_LOG`/`AMANMCP_LOG` override the level.
pub fn init(quiet: bool, verbose: u8, serving: bool) {
    let default = if quiet {
        "error"
    } else {
        match verbose {
            0 if serving => "info",
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = std::env::var("AMANMCP_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| {
            EnvFilter::new(format!(
                "{default},tantivy=warn,hnsw_rs=warn,ort=warn,rmcp=warn"
            ))
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
