//! End-to-end tests of `amanmcp serve`: the real binary, spawned as a child
//! process, driven over stdio by rmcp's client. Registered as a test of the
//! `amanmcp` package (crates/cli/Cargo.toml) so `CARGO_BIN_EXE_amanmcp`
//! points at the freshly built binary.

#[path = "mcp_support.rs"]
mod support;

use rmcp::model::ProtocolVersion;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{fixture, start, text, until, Session};

const SETTLE: Duration = Duration::from_secs(180);

/// Polls `search` for `query` for up to 30 s until `path` is among the hits;
/// how the watcher tests wait for a file change to become searchable.
async fn until_found(s: &Session, query: &str, path: &str) -> Option<Duration> {
    until(Duration::from_secs(30), || async move {
        s.search_paths("search", json!({"query": query}))
            .await
            .contains(&path.to_string())
    })
    .await
}

/// Polls for up to 60 s until no `tools/` file answers a query matching
/// `tools/report.py`, i.e. until a `.gitignore` naming `tools/` took effect.
async fn until_tools_ignored(s: &Session) -> Option<Duration> {
    until(Duration::from_secs(60), || async move {
        !s.search_paths("search", json!({"query": "render_report rows table"}))
            .await
            .iter()
            .any(|p| p.starts_with("tools/"))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_tools_with_schemas_and_instructions() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = start(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    let info = s.client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("amanmcp")
    );
    assert_eq!(info.protocol_version, ProtocolVersion::V_2025_06_18);
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(
        instructions.contains("search_code") && instructions.contains("find_symbol"),
        "{instructions}"
    );

    let tools = s.client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "find_symbol",
            "get_chunk",
            "index_status",
            "reindex",
            "search",
            "search_code",
            "search_docs"
        ]
    );
    for tool in &tools {
        assert!(
            tool.description.as_deref().is_some_and(|d| d.len() > 20),
            "{} lacks a description",
            tool.name
        );
        let output = tool
            .output_schema
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no output schema", tool.name));
        assert_eq!(output.get("type"), Some(&json!("object")), "{}", tool.name);
        assert_eq!(
            tool.input_schema.get("type"),
            Some(&json!("object")),
            "{}",
            tool.name
        );
    }
    let search = tools.iter().find(|t| t.name == "search").expect("search");
    let props = search.input_schema.get("properties").expect("properties");
    for key in ["query", "limit", "language", "path", "kind"] {
        assert!(props.get(key).is_some(), "search lacks {key}");
    }
    assert_eq!(search.input_schema.get("required"), Some(&json!(["query"])));
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_2025_11_25_is_accepted() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = start(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_11_25,
    )
    .await;
    let info = s.client.peer_info().expect("server info");
    assert_eq!(info.protocol_version, ProtocolVersion::V_2025_11_25);
    s.wait_idle(SETTLE).await;
    let paths = s
        .search_paths("search", json!({"query": "retry with exponential backoff"}))
        .await;
    assert_eq!(
        paths.first().map(String::as_str),
        Some("src/net.rs"),
        "{paths:?}"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_answers() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = start(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    let status = s.wait_idle(SETTLE).await;
    assert!(status["files"].as_u64().unwrap_or(0) >= 5, "{status}");
    assert!(status["chunks"].as_u64().unwrap_or(0) >= 5, "{status}");
    assert_eq!(status["server"]["role"], json!("writer"), "{status}");
    assert!(
        status["backend"].is_string() && status["languages"].is_object(),
        "{status}"
    );

    // search: structured content has the contract fields; text is compact.
    let r = s
        .call(
            "search",
            json!({"query": "parse_config key value pairs", "limit": 5}),
        )
        .await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let out = r.structured_content.clone().expect("structured");
    for key in ["results", "backend", "degraded", "stale"] {
        assert!(out.get(key).is_some(), "search output lacks {key}: {out}");
    }
    let first = &out["results"][0];
    for key in [
        "id",
        "path",
        "start_line",
        "end_line",
        "symbol",
        "kind",
        "language",
        "score",
        "snippet",
    ] {
        assert!(first.get(key).is_some(), "result lacks {key}: {first}");
    }
    assert_eq!(first["path"], json!("src/lib.rs"), "{out}");
    let rendered = text(&r);
    assert!(
        rendered.contains("src/lib.rs:") && rendered.contains("parse_config"),
        "{rendered}"
    );
    assert!(
        rendered.len() < 4000,
        "text rendering is not compact: {rendered}"
    );

    // Ignored build output never shows up.
    let paths = s
        .search_paths("search", json!({"query": "generated_build_artifact"}))
        .await;
    assert!(paths.iter().all(|p| !p.starts_with("target/")), "{paths:?}");

    // search_code / search_docs respect their scope; filters work.
    let code = s
        .search_paths(
            "search_code",
            json!({"query": "deployment guide rolling upgrades"}),
        )
        .await;
    assert!(code.iter().all(|p| !p.ends_with(".md")), "{code:?}");
    let docs = s
        .search_paths(
            "search_docs",
            json!({"query": "rolling upgrades load balancer"}),
        )
        .await;
    assert_eq!(
        docs.first().map(String::as_str),
        Some("docs/guide.md"),
        "{docs:?}"
    );
    assert!(
        docs.iter()
            .all(|p| !p.ends_with(".rs") && !p.ends_with(".py")),
        "{docs:?}"
    );
    let py = s
        .search_paths(
            "search_code",
            json!({"query": "render report table", "language": "python"}),
        )
        .await;
    assert!(
        !py.is_empty() && py.iter().all(|p| p.ends_with(".py")),
        "{py:?}"
    );
    let scoped = s
        .search_paths("search", json!({"query": "retry backoff", "path": "src"}))
        .await;
    assert!(
        !scoped.is_empty() && scoped.iter().all(|p| p.starts_with("src/")),
        "{scoped:?}"
    );

    // find_symbol
    let sym = s
        .ok("find_symbol", json!({"name": "retry_with_backoff"}))
        .await;
    assert_eq!(sym["results"][0]["path"], json!("src/net.rs"), "{sym}");
    assert_eq!(
        sym["results"][0]["symbol"],
        json!("retry_with_backoff"),
        "{sym}"
    );
    let fuzzy = s
        .ok(
            "find_symbol",
            json!({"name": "ServerSetings", "kind": "struct"}),
        )
        .await;
    assert_eq!(
        fuzzy["results"][0]["symbol"],
        json!("ServerSettings"),
        "{fuzzy}"
    );

    // get_chunk by id and by range.
    let id = first["id"].as_str().expect("id").to_string();
    let chunk = s.ok("get_chunk", json!({"id": id})).await;
    assert!(
        chunk["text"]
            .as_str()
            .unwrap_or_default()
            .contains("fn parse_config"),
        "{chunk}"
    );
    let range = s
        .ok(
            "get_chunk",
            json!({"path": "src/net.rs", "start_line": 3, "end_line": 4}),
        )
        .await;
    assert_eq!(range["start_line"], json!(3));
    assert!(
        range["text"]
            .as_str()
            .unwrap_or_default()
            .contains("pub fn retry_with_backoff"),
        "{range}"
    );
    let abs = project.path().join("src/net.rs");
    let by_abs = s
        .ok(
            "get_chunk",
            json!({"path": abs.to_str(), "start_line": 1, "end_line": 1}),
        )
        .await;
    assert_eq!(by_abs["path"], json!("src/net.rs"));

    // reindex in the background answers at once; with wait it reports.
    let started = Instant::now();
    let bg = s.ok("reindex", json!({})).await;
    assert!(
        ["started", "already_running"].contains(&bg["state"].as_str().unwrap_or_default()),
        "{bg}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let done = s.ok("reindex", json!({"force": true, "wait": true})).await;
    assert_eq!(done["state"], json!("done"), "{done}");
    assert!(
        done["report"]["chunks_written"].as_u64().unwrap_or(0) > 0,
        "{done}"
    );
    let progress = s.progress.lock().expect("lock").clone();
    assert!(
        !progress.is_empty(),
        "no progress notifications for reindex"
    );
    assert!(progress
        .windows(2)
        .all(|w| w[0].progress < w[1].progress || w[0].progress_token != w[1].progress_token));
    s.wait_idle(SETTLE).await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_tool_error_and_the_server_keeps_running() {
    let project = fixture();
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.txt"), "top secret\n").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), project.path().join("escape")).expect("symlink");
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = start(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    s.wait_idle(SETTLE).await;

    let cases: Vec<(&str, Value, &str)> = vec![
        ("search", json!({"query": ""}), "must not be empty"),
        ("search", json!({"query": "   "}), "must not be empty"),
        ("search", json!({"query": "x".repeat(5000)}), "too long"),
        (
            "search",
            json!({"query": "q", "limit": 0}),
            "between 1 and 100",
        ),
        (
            "search",
            json!({"query": "q", "limit": 101}),
            "between 1 and 100",
        ),
        (
            "search",
            json!({"query": "q", "limit": -5}),
            "between 1 and 100",
        ),
        ("search", json!({"query": "q", "limit": "ten"}), "limit"),
        ("search", json!({"query": 42}), "query"),
        ("search", json!({}), "query"),
        (
            "search",
            json!({"query": "q", "path": "../elsewhere"}),
            "..",
        ),
        (
            "search",
            json!({"query": "q", "path": "/etc"}),
            "outside the project root",
        ),
        (
            "search_code",
            json!({"query": "q", "limit": 1000}),
            "between 1 and 100",
        ),
        ("search_docs", json!({"query": ""}), "must not be empty"),
        ("find_symbol", json!({"name": ""}), "must not be empty"),
        ("get_chunk", json!({}), "give either"),
        ("get_chunk", json!({"id": "no-such-chunk"}), "no chunk"),
        (
            "get_chunk",
            json!({"path": "../../etc/passwd", "start_line": 1, "end_line": 2}),
            "..",
        ),
        (
            "get_chunk",
            json!({"path": "/etc/passwd", "start_line": 1, "end_line": 2}),
            "outside the project root",
        ),
        (
            "get_chunk",
            json!({"path": "escape/secret.txt", "start_line": 1, "end_line": 1}),
            "outside the project root",
        ),
        (
            "get_chunk",
            json!({"path": "src/net.rs", "start_line": 9, "end_line": 2}),
            "before",
        ),
        (
            "get_chunk",
            json!({"path": "src/net.rs", "start_line": 0, "end_line": 2}),
            "at least 1",
        ),
        (
            "get_chunk",
            json!({"path": "src/missing.rs", "start_line": 1, "end_line": 2}),
            "missing.rs",
        ),
        ("reindex", json!({"force": "yes"}), "force"),
    ];
    for (tool, args, needle) in cases {
        let message = s.tool_error(tool, args.clone()).await;
        assert!(
            message.to_lowercase().contains(&needle.to_lowercase()),
            "{tool} {args}: message `{message}` does not mention `{needle}`"
        );
        assert!(!message.contains("top secret"));
    }
    // Unknown tools are rejected by the protocol layer (or as a tool error).
    match s.try_call("no_such_tool", json!({})).await {
        Err(e) => assert!(e.to_string().contains("tool not found"), "{e}"),
        Ok(r) => assert_eq!(r.is_error, Some(true)),
    }
    // Still serving.
    let paths = s
        .search_paths("search", json!({"query": "parse_config"}))
        .await;
    assert!(paths.contains(&"src/lib.rs".to_string()), "{paths:?}");
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletes_and_renames_reach_the_index() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = start(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    s.wait_idle(SETTLE).await;
    let root = project.path().to_path_buf();

    // Edit: a new function appears in search results.
    let edited = Instant::now();
    let mut net = std::fs::read_to_string(root.join("src/net.rs")).expect("read");
    net.push_str("\n/// Computes the zebracorn checksum of a buffer.\npub fn zebracorn_checksum(buf: &[u8]) -> u32 {\n    buf.iter().map(|b| *b as u32).sum()\n}\n");
    std::fs::write(root.join("src/net.rs"), &net).expect("write");
    let seen = until(Duration::from_secs(30), || async {
        let out = s
            .ok("search", json!({"query": "zebracorn_checksum", "limit": 3}))
            .await;
        out["results"].as_array().is_some_and(|r| {
            r.iter().any(|x| {
                x["snippet"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("zebracorn")
                    || x["symbol"] == json!("zebracorn_checksum")
            })
        })
    })
    .await;
    let elapsed = edited.elapsed();
    assert!(seen.is_some(), "edit not searchable after 30s\n{}", s.log());
    eprintln!("edit-to-searchable (fixture): {elapsed:?}");

    // New file.
    std::fs::write(
        root.join("src/quokka.rs"),
        "pub fn quokka_paradox() -> u8 { 7 }\n",
    )
    .expect("write");
    let added = until_found(&s, "quokka_paradox", "src/quokka.rs").await;
    assert!(added.is_some(), "new file not indexed\n{}", s.log());

    // Rename: old path disappears, new path appears.
    std::fs::rename(root.join("src/quokka.rs"), root.join("src/wombat.rs")).expect("rename");
    let renamed = until(Duration::from_secs(30), || async {
        let paths = s
            .search_paths("search", json!({"query": "quokka_paradox"}))
            .await;
        paths.contains(&"src/wombat.rs".to_string())
            && !paths.contains(&"src/quokka.rs".to_string())
    })
    .await;
    assert!(renamed.is_some(), "rename not reflected\n{}", s.log());

    // Delete.
    std::fs::remove_file(root.join("src/wombat.rs")).expect("rm");
    let deleted = until(Duration::from_secs(30), || async {
        !s.search_paths("search", json!({"query": "quokka_paradox"}))
            .await
            .contains(&"src/wombat.rs".to_string())
    })
    .await;
    assert!(deleted.is_some(), "deleted file still found\n{}", s.log());

    // A directory moved in brings its files.
    let incoming = scratch.path().join("incoming");
    std::fs::create_dir_all(incoming.join("deep")).expect("mkdir");
    std::fs::write(
        incoming.join("deep/platypus.rs"),
        "pub fn platypus_venom() {}\n",
    )
    .expect("write");
    std::fs::rename(&incoming, root.join("vendored")).expect("move dir in");
    let moved_in = until_found(&s, "platypus_venom", "vendored/deep/platypus.rs").await;
    assert!(
        moved_in.is_some(),
        "moved-in directory not indexed\n{}",
        s.log()
    );

    // Ignore rules: ignoring a file removes it after the reconcile.
    std::fs::write(root.join(".gitignore"), "target/\ntools/\n").expect("write");
    let ignored = until_tools_ignored(&s).await;
    assert!(
        ignored.is_some(),
        ".gitignore change not applied\n{}",
        s.log()
    );

    let status = s.wait_idle(SETTLE).await;
    assert!(
        status["server"]["watcher"] == json!("native")
            || status["server"]["watcher"] == json!("polling"),
        "{status}"
    );
    s.close().await;
}

/// After `.gitignore` starts ignoring a directory, later edits there must not
/// bring its files back: the rescan a rule-file change triggers reloads the
/// engine's ignore rules, which the watcher path then uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_to_newly_ignored_files_stay_out() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = start(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    s.wait_idle(SETTLE).await;
    let root = project.path().to_path_buf();
    std::fs::write(root.join(".gitignore"), "target/\ntools/\n").expect("write");
    let ignored = until_tools_ignored(&s).await;
    assert!(
        ignored.is_some(),
        ".gitignore change not applied\n{}",
        s.log()
    );
    std::fs::write(
        root.join("tools/report.py"),
        "def render_report_again(rows):\n    return rows\n",
    )
    .expect("write");
    std::fs::write(root.join("src/marker.rs"), "pub fn ignore_marker_fn() {}\n").expect("write");
    let marker = until_found(&s, "ignore_marker_fn", "src/marker.rs").await;
    assert!(marker.is_some(), "marker edit not indexed\n{}", s.log());
    let back = s
        .search_paths("search", json!({"query": "render_report_again"}))
        .await;
    assert!(
        back.iter().all(|p| !p.starts_with("tools/")),
        "ignored file re-indexed after an edit: {back:?}"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_watcher_keeps_the_index_fresh() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = support::start_with_env(
        project.path(),
        scratch.path(),
        ProtocolVersion::V_2025_06_18,
        &[("AMANMCP_WATCH", "poll")],
    )
    .await;
    let status = s.wait_idle(SETTLE).await;
    assert_eq!(status["server"]["watcher"], json!("polling"), "{status}");
    std::fs::write(
        project.path().join("src/echidna.rs"),
        "pub fn echidna_spines() {}\n",
    )
    .expect("write");
    let seen = until_found(&s, "echidna_spines", "src/echidna.rs").await;
    assert!(
        seen.is_some(),
        "polling watcher missed a new file\n{}",
        s.log()
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_project() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let a = start(
        project.path(),
        &scratch.path().join("a"),
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    a.wait_idle(SETTLE).await;
    let b = start(
        project.path(),
        &scratch.path().join("b"),
        ProtocolVersion::V_2025_11_25,
    )
    .await;
    // B answers at once from the existing index, while it tries to write.
    let paths = b
        .search_paths("search", json!({"query": "retry with backoff"}))
        .await;
    assert!(paths.contains(&"src/net.rs".to_string()), "{paths:?}");

    // An edit is picked up (by whichever holds the writer lock) and both see it.
    std::fs::write(
        project.path().join("src/kiwi.rs"),
        "pub fn kiwi_flightless() {}\n",
    )
    .expect("write");
    for (name, s) in [("a", &a), ("b", &b)] {
        let seen = until_found(s, "kiwi_flightless", "src/kiwi.rs").await;
        assert!(
            seen.is_some(),
            "server {name} never saw the edit\n{}",
            s.log()
        );
    }
    // Neither surfaces lock errors; reindex on the reader is deferred, not failed.
    let r = b.ok("reindex", json!({"wait": true})).await;
    assert!(
        ["done", "deferred"].contains(&r["state"].as_str().unwrap_or_default()),
        "{r}"
    );
    let sb = b.ok("index_status", json!({})).await;
    let sa = a.ok("index_status", json!({})).await;
    let roles = [sa["server"]["role"].clone(), sb["server"]["role"].clone()];
    assert!(roles.contains(&json!("writer")), "{roles:?}");
    for st in [&sa, &sb] {
        let err = st["server"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase();
        assert!(!err.contains("lock"), "lock error surfaced: {st}");
    }
    a.close().await;
    b.close().await;
}

/// Talks raw JSON-RPC to the binary: every stdout line must be a JSON-RPC
/// message, logs go to stderr, and closing stdin ends the process cleanly.
#[test]
fn stdout_carries_only_protocol_and_stdin_eof_exits() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_amanmcp"));
    cmd.arg("serve").arg(project.path());
    cmd.env("AMANMCP_CACHE_PATH", scratch.path().join("cache"));
    cmd.env("AMANMCP_EMBEDDER", "none");
    cmd.env("RUST_LOG", "debug");
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let stderr = child.stderr.take().expect("stderr");
    let stderr_thread =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());

    let messages = [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"reindex","arguments":{"wait":true}}}),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{"query":"parse config"}}}),
    ];
    for m in &messages {
        writeln!(stdin, "{m}").expect("send");
    }
    stdin.flush().expect("flush");
    let mut answered = std::collections::BTreeSet::new();
    let mut lines = stdout.lines();
    while answered.len() < 4 {
        let line = lines
            .next()
            .expect("server closed stdout early")
            .expect("read");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"));
        assert_eq!(v["jsonrpc"], json!("2.0"), "{line}");
        if let Some(id) = v["id"].as_u64() {
            assert!(v.get("error").is_none(), "request {id} failed: {line}");
            answered.insert(id);
        }
    }
    drop(stdin); // EOF: the server must exit by itself.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not exit after stdin closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    for line in lines {
        let line = line.expect("read");
        assert!(
            serde_json::from_str::<Value>(&line).is_ok(),
            "non-JSON on stdout: {line}"
        );
    }
    assert!(status.success(), "exit status {status}");
    let log = stderr_thread.join().expect("stderr");
    assert!(!log.is_empty(), "expected logs on stderr");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let project = fixture();
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_amanmcp"))
        .arg("serve")
        .arg(project.path())
        .env("AMANMCP_CACHE_PATH", scratch.path().join("cache"))
        .env("AMANMCP_EMBEDDER", "none")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}})).expect("send");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read");
    assert!(
        first.contains("\"protocolVersion\":\"2025-11-25\""),
        "{first}"
    );
    let killed = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(
                status.success() || status.code().is_some(),
                "killed instead of exiting: {status}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stdin);
}
