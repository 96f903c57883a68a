//! Measures what an agent feels from `amanmcp serve` on a real project:
//! start-to-first-answer with an existing index, and how long a saved edit
//! takes to become searchable.
//!
//! ```sh
//! cargo run -p amanmcp-mcp --example mcp_freshness -- \
//!     --bin target/debug/amanmcp --project /path/to/indexed/project \
//!     --file src/lib.rs [--edits 10]
//! ```
//!
//! The project must already be indexed (`amanmcp index`). `--file` (relative
//! to the project) gets a uniquely named function appended per edit and is
//! restored afterwards. Embedder settings come from the environment
//! (`AMANMCP_EMBEDDER`, ...), as for the server itself.

use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

struct Args {
    bin: PathBuf,
    project: PathBuf,
    file: String,
    edits: usize,
}

fn args() -> Result<Args, String> {
    let mut bin = None;
    let mut project = None;
    let mut file = None;
    let mut edits = 10;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--bin" => bin = Some(PathBuf::from(value()?)),
            "--project" => project = Some(PathBuf::from(value()?)),
            "--file" => file = Some(value()?),
            "--edits" => edits = value()?.parse().map_err(|e| format!("--edits: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        bin: bin.ok_or("--bin is required")?,
        project: project.ok_or("--project is required")?,
        file: file.ok_or("--file is required")?,
        edits,
    })
}

type Client = rmcp::service::RunningService<RoleClient, ClientConfig>;

async fn search(client: &Client, query: &str) -> Result<Value, String> {
    call(client, "search", json!({"query": query, "limit": 5})).await
}

async fn call(client: &Client, tool: &'static str, args: Value) -> Result<Value, String> {
    let Value::Object(args) = args else {
        return Err("bad arguments".into());
    };
    let r = client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(args))
        .await
        .map_err(|e| e.to_string())?;
    if r.is_error == Some(true) {
        return Err(format!("{:?}", r.content));
    }
    r.structured_content
        .ok_or_else(|| "no structured content".to_string())
}

/// Whether a search for `name` returns a chunk of `file` whose text holds
/// it (the new function may share a chunk whose snippet does not show it).
async fn found_in_results(client: &Client, name: &str, file: &str) -> Result<bool, String> {
    let out = search(client, name).await?;
    let results = out["results"].as_array().cloned().unwrap_or_default();
    for r in results.iter().filter(|r| r["path"] == json!(file)).take(3) {
        if r["snippet"].as_str().unwrap_or_default().contains(name) {
            return Ok(true);
        }
        // The id may already be outdated by the next edit: not found yet.
        let Ok(chunk) = call(client, "get_chunk", json!({"id": r["id"]})).await else {
            continue;
        };
        if chunk["text"].as_str().unwrap_or_default().contains(name) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let a = args()?;
    let target = a.project.join(&a.file);
    let original =
        std::fs::read_to_string(&target).map_err(|e| format!("{}: {e}", target.display()))?;

    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(&a.bin);
    cmd.arg("serve").arg(&a.project);
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let config = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("mcp_freshness", "0"),
    );
    let client = config.serve(transport).await.map_err(|e| e.to_string())?;
    let initialized = started.elapsed();
    search(&client, "configuration").await?;
    let first_answer = started.elapsed();
    println!(
        "start to initialized: {:.0} ms",
        initialized.as_secs_f64() * 1000.0
    );
    println!(
        "start to first search answer (existing index): {:.0} ms",
        first_answer.as_secs_f64() * 1000.0
    );

    let mut times = Vec::new();
    let mut text = original.clone();
    for i in 0..a.edits {
        let name = format!("freshness_probe_{}_{i}", std::process::id());
        let body = if a.file.ends_with(".py") {
            format!("\n\ndef {name}():\n    return {i}\n")
        } else {
            format!("\npub fn {name}() -> u32 {{ {i} }}\n")
        };
        text.push_str(&body);
        let saved = Instant::now();
        std::fs::write(&target, &text).map_err(|e| e.to_string())?;
        let mut found = None;
        while saved.elapsed() < Duration::from_secs(30) {
            if found_in_results(&client, &name, &a.file).await? {
                found = Some(saved.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        match found {
            Some(t) => {
                println!(
                    "edit {i}: searchable after {:.0} ms",
                    t.as_secs_f64() * 1000.0
                );
                times.push(t);
            }
            None => println!("edit {i}: NOT searchable after 30 s"),
        }
        // Space the edits so each is measured on its own.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    std::fs::write(&target, &original).map_err(|e| e.to_string())?;
    times.sort();
    println!(
        "edit-to-searchable over {} edits: p50 {:.0} ms, max {:.0} ms",
        times.len(),
        percentile(&times, 50.0).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    // Let the restore be indexed before the server goes away.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = client.cancel().await;
    Ok(())
}
