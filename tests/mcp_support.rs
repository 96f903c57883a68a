//! Helpers for the MCP end-to-end tests: a fixture project, the real
//! `amanmcp` binary spawned as an MCP server, and an rmcp client that
//! records progress notifications.

#![allow(dead_code)]

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProgressNotificationParam, ProtocolVersion,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A client that speaks a chosen protocol version and keeps every progress
/// notification it receives.
#[derive(Clone)]
pub struct Recorder {
    pub version: ProtocolVersion,
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("amanmcp-e2e", "0.0.0"),
        )
        .with_protocol_version(self.version.clone())
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Ok(mut p) = self.progress.lock() {
            p.push(params);
        }
    }
}

/// A running server and the client connected to it.
pub struct Session {
    pub client: RunningService<RoleClient, Recorder>,
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    pub stderr_log: PathBuf,
}

/// The fixture project: a little Rust, Python and Markdown, an ignored
/// build directory, and a `.gitignore`.
pub fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let files: &[(&str, &str)] = &[
        (".gitignore", "target/\n"),
        (
            "src/lib.rs",
            "//! Fixture crate.\n\npub mod net;\n\n/// Parses a configuration file into key/value pairs.\npub fn parse_config(text: &str) -> Vec<(String, String)> {\n    text.lines()\n        .filter_map(|l| l.split_once('='))\n        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))\n        .collect()\n}\n\n/// Holds server settings.\npub struct ServerSettings {\n    pub port: u16,\n    pub host: String,\n}\n",
        ),
        (
            "src/net.rs",
            "use std::time::Duration;\n\n/// Retries an operation with exponential backoff until it succeeds.\npub fn retry_with_backoff<F: FnMut() -> bool>(mut op: F, attempts: u32) -> bool {\n    let mut delay = Duration::from_millis(10);\n    for _ in 0..attempts {\n        if op() {\n            return true;\n        }\n        std::thread::sleep(delay);\n        delay *= 2;\n    }\n    false\n}\n",
        ),
        (
            "tools/report.py",
            "def render_report(rows):\n    \"\"\"Render rows as an aligned text table.\"\"\"\n    width = max(len(r[0]) for r in rows)\n    return \"\\n\".join(f\"{k:<{width}} {v}\" for k, v in rows)\n\n\nclass ReportWriter:\n    def write(self, path, rows):\n        with open(path, \"w\") as f:\n            f.write(render_report(rows))\n",
        ),
        (
            "docs/guide.md",
            "# Deployment guide\n\nInstall the service with the package manager, then copy the sample configuration.\n\n## Rolling upgrades\n\nDrain one node at a time; the load balancer health check removes it from rotation.\n",
        ),
        ("README.md", "# Fixture\n\nA tiny project used by the amanmcp MCP tests.\n"),
        ("target/debug/generated.rs", "pub fn generated_build_artifact() {}\n"),
    ];
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write fixture");
    }
    dir
}

/// The embedder for the tests: the fetched static test model when present
/// (scripts/fetch-models.sh), otherwise BM25 only.
fn embedder_env() -> Vec<(String, String)> {
    let models = std::env::var("AMANMCP_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/amanmcp/models")
        });
    let static_model = models.join("static-test");
    if static_model.join("model.safetensors").exists() {
        vec![
            ("AMANMCP_EMBEDDER".into(), "static".into()),
            (
                "AMANMCP_STATIC_MODEL".into(),
                static_model.display().to_string(),
            ),
        ]
    } else if std::env::var_os("AMANMCP_REQUIRE_MODELS").is_some() {
        panic!(
            "static test model missing at {} (run scripts/fetch-models.sh)",
            static_model.display()
        );
    } else {
        eprintln!(
            "static test model missing (run scripts/fetch-models.sh); using AMANMCP_EMBEDDER=none"
        );
        vec![("AMANMCP_EMBEDDER".into(), "none".into())]
    }
}

/// The command that starts `amanmcp serve root`, isolated from the user's
/// caches and configuration.
pub fn serve_command(
    root: &Path,
    scratch: &Path,
    extra_env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_amanmcp"));
    cmd.arg("serve").arg(root);
    cmd.env("AMANMCP_CACHE_PATH", scratch.join("cache"));
    cmd.env("XDG_CONFIG_HOME", scratch.join("config"));
    cmd.env("AMANMCP_NO_USER_CONFIG", "1");
    cmd.env("AMANMCP_ALLOW_DOWNLOAD", "false");
    cmd.env("RUST_LOG", "info");
    for (k, v) in embedder_env() {
        cmd.env(k, v);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd
}

/// Spawns the real binary and completes the MCP handshake.
pub async fn start(root: &Path, scratch: &Path, version: ProtocolVersion) -> Session {
    start_with_env(root, scratch, version, &[]).await
}

/// Like [`start`] with extra environment variables.
pub async fn start_with_env(
    root: &Path,
    scratch: &Path,
    version: ProtocolVersion,
    extra_env: &[(&str, &str)],
) -> Session {
    std::fs::create_dir_all(scratch).expect("scratch");
    let n = std::fs::read_dir(scratch).map(|d| d.count()).unwrap_or(0);
    let stderr_log = scratch.join(format!("server-{n}.log"));
    let log = std::fs::File::create(&stderr_log).expect("log file");
    let cmd = serve_command(root, scratch, extra_env);
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn amanmcp serve");
    let progress = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        version,
        progress: progress.clone(),
    };
    let client = recorder.serve(transport).await.unwrap_or_else(|e| {
        panic!(
            "MCP handshake failed: {e}\nserver log:\n{}",
            std::fs::read_to_string(&stderr_log).unwrap_or_default()
        )
    });
    Session {
        client,
        progress,
        stderr_log,
    }
}

impl Session {
    /// Calls a tool; protocol errors panic with the server log attached.
    pub async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        match self.try_call(tool, args).await {
            Ok(r) => r,
            Err(e) => panic!(
                "{tool} failed at protocol level: {e}\nserver log:\n{}",
                self.log()
            ),
        }
    }

    /// Calls a tool and returns protocol errors.
    pub async fn try_call(
        &self,
        tool: &str,
        args: Value,
    ) -> Result<CallToolResult, rmcp::ServiceError> {
        let Value::Object(map) = args else {
            panic!("arguments must be an object");
        };
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
            .await
    }

    /// A successful call's structured content.
    pub async fn ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args.clone()).await;
        assert_ne!(
            r.is_error,
            Some(true),
            "{tool} {args} failed: {}\nserver log:\n{}",
            text(&r),
            self.log()
        );
        let rendered = text(&r);
        r.structured_content
            .unwrap_or_else(|| panic!("{tool} returned no structured content: {rendered}"))
    }

    /// A call that must be a tool error; returns its message.
    pub async fn tool_error(&self, tool: &str, args: Value) -> String {
        let r = self.call(tool, args.clone()).await;
        assert_eq!(
            r.is_error,
            Some(true),
            "{tool} {args} should fail but returned {}",
            text(&r)
        );
        text(&r)
    }

    /// Paths of a search's results.
    pub async fn search_paths(&self, tool: &str, args: Value) -> Vec<String> {
        let out = self.ok(tool, args).await;
        out["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["path"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Waits until the background index run is done (index exists, nothing
    /// running or queued).
    pub async fn wait_idle(&self, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.ok("index_status", json!({})).await;
            let server = &status["server"];
            let idle = status["indexed"] == json!(true)
                && server["running"].is_null()
                && server["reconcile_queued"] == json!(false)
                && server["queued_paths"] == json!(0);
            if idle {
                return status;
            }
            if Instant::now() > deadline {
                panic!(
                    "index did not settle in {timeout:?}: {status}\nserver log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The server's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Closes the connection (the server exits on stdin EOF).
    pub async fn close(self) {
        let _ = self.client.cancel().await;
    }
}

/// All text content of a result, joined.
pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Polls `probe` until it returns true; returns the elapsed time.
pub async fn until<F, Fut>(timeout: Duration, mut probe: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < timeout {
        if probe().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}
