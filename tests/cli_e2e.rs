//! End-to-end tests of the `amanmcp` binary: a fixture repository indexed
//! with the real MiniLM test model (from scripts/fetch-models.sh), searched
//! through `search --json`, then changed and re-indexed incrementally.

mod support;

use serde_json::Value;
use support::{Fixture, MINILM};

fn first_hit(out: &Value) -> (&str, Option<&str>) {
    let r = &out["results"][0];
    (r["path"].as_str().unwrap_or(""), r["symbol"].as_str())
}

#[test]
fn identifier_natural_language_and_filtered_queries() {
    let Some(fx) = Fixture::new(MINILM) else {
        return;
    };
    let report = fx.index(&["--force"]);
    assert!(report["chunks_total"].as_u64().unwrap() >= 8, "{report}");
    assert_eq!(report["pending_embeddings"], 0, "{report}");

    let out = fx.search("backoff_delay", &[]);
    assert_eq!(
        first_hit(&out),
        ("src/net/retry.rs", Some("backoff_delay")),
        "{out}"
    );
    assert_eq!(out["backend"], "candle");
    assert_eq!(out["degraded"], false);

    let out = fx.search(
        "evict the least recently used entry when the cache is full",
        &[],
    );
    assert_eq!(first_hit(&out).0, "app/cache.py", "{out}");

    let out = fx.search("how do I install it", &[]);
    assert_eq!(first_hit(&out).0, "docs/guide.md", "{out}");

    let out = fx.search("parse", &["--lang", "python"]);
    assert!(
        out["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["language"] == "python"),
        "{out}"
    );
    assert_eq!(first_hit(&out).0, "app/parser.py", "{out}");

    let out = fx.search("configuration", &["--path", "src/**"]);
    let results = out["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results
            .iter()
            .all(|r| r["path"].as_str().unwrap().starts_with("src/")),
        "{out}"
    );

    let out = fx.search("cache", &["--kind", "class"]);
    assert!(
        out["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["kind"] == "class"),
        "{out}"
    );
    assert_eq!(first_hit(&out), ("app/cache.py", Some("LruCache")), "{out}");

    // Lines are 1-based, inclusive, and the JSON object is alone on stdout.
    let r = &fx.search("backoff_delay", &[])["results"][0];
    assert!(r["start_line"].as_u64().unwrap() >= 1);
    assert!(r["end_line"].as_u64().unwrap() >= r["start_line"].as_u64().unwrap());
}

#[test]
fn incremental_changes_and_force_reuse_the_cache() {
    let Some(fx) = Fixture::new(MINILM) else {
        return;
    };
    let first = fx.index(&[]);
    assert!(first["chunks_embedded"].as_u64().unwrap() > 0, "{first}");

    // Unchanged tree: nothing to do.
    let again = fx.index(&[]);
    assert_eq!(again["files_unchanged"], first["files_scanned"], "{again}");
    assert_eq!(again["chunks_embedded"], 0, "{again}");

    // An index made by older chunking rules: every file is chunked again,
    // unchanged chunk texts keep their vectors, and the version is recorded.
    {
        let db =
            rusqlite::Connection::open(fx.root().join(".amanmcp").join("index.sqlite")).unwrap();
        let n = db
            .execute(
                "UPDATE manifest SET value = 'older' WHERE key = 'pipeline_version'",
                [],
            )
            .unwrap();
        assert_eq!(n, 1, "the index records its pipeline version");
    }
    let upgraded = fx.index(&[]);
    assert_eq!(
        upgraded["files_modified"], first["files_scanned"],
        "{upgraded}"
    );
    assert_eq!(upgraded["chunks_embedded"], 0, "{upgraded}");
    assert_eq!(
        upgraded["chunks_total"], first["chunks_total"],
        "{upgraded}"
    );
    let settled = fx.index(&[]);
    assert_eq!(
        settled["files_unchanged"], first["files_scanned"],
        "{settled}"
    );

    // --force on an unchanged repo rebuilds but embeds nothing.
    let forced = fx.index(&["--force"]);
    assert_eq!(forced["chunks_embedded"], 0, "{forced}");
    assert_eq!(forced["chunks_total"], first["chunks_total"], "{forced}");
    // Every vector came from the cache, and the graph was still written.
    let out = fx.search("evict the least recently used entry", &["--vector-only"]);
    assert_eq!(out["degraded"], false, "{out}");
    assert_eq!(first_hit(&out).0, "app/cache.py", "{out}");

    // Modify: a new function becomes searchable.
    fx.write(
        "src/net/retry.rs",
        &format!(
            "{}\n/// Sleeps for a random fraction of the delay to spread out reconnect storms.\npub fn jittered_sleep(delay: Duration) {{\n    std::thread::sleep(delay / 2);\n}}\n",
            support::RETRY_RS
        ),
    );
    // Delete one file, add another.
    fx.remove("app/parser.py");
    fx.write(
        "app/mailer.py",
        "def send_welcome_email(user):\n    \"\"\"Sends the welcome message to a newly registered user.\"\"\"\n    return smtp_send(user.email, 'Welcome!')\n",
    );
    let inc = fx.index(&[]);
    assert_eq!(inc["files_modified"], 1, "{inc}");
    assert_eq!(inc["files_removed"], 1, "{inc}");
    assert_eq!(inc["files_added"], 1, "{inc}");

    let out = fx.search("jittered_sleep", &[]);
    assert_eq!(
        first_hit(&out),
        ("src/net/retry.rs", Some("jittered_sleep")),
        "{out}"
    );
    let out = fx.search("welcome message for new users", &[]);
    assert_eq!(first_hit(&out).0, "app/mailer.py", "{out}");
    let out = fx.search("parse_csv_rows", &["-n", "20"]);
    assert!(
        out["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["path"] != "app/parser.py"),
        "deleted file still returned: {out}"
    );
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_1() {
    let Some(fx) = Fixture::new(support::NO_EMBEDDER) else {
        return;
    };
    // No index yet: says how to create one.
    let out = fx.run(&["search", "--json", "anything"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("amanmcp index"), "{err}");
    assert!(out.stdout.is_empty(), "stdout must stay clean on errors");

    fx.index(&[]);
    for args in [
        vec!["search", "--json", ""],
        vec!["search", "--json", "x", "--lang", "klingon"],
        vec!["search", "--json", "x", "--kind", "spaceship"],
        vec!["search", "--json", "x", "-n", "0"],
        vec!["search", "--json", "x", "--vector-only"],
    ] {
        let out = fx.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{args:?}"
        );
    }

    // BM25-only search works and says it is degraded.
    let out = fx.search("backoff_delay", &[]);
    assert_eq!(first_hit(&out).1, Some("backoff_delay"), "{out}");
    assert_eq!(out["degraded"], true);
    assert_eq!(out["backend"], "none");

    // Invalid config names the key.
    fx.write(".amanmcp.yaml", "search:\n  bm25_wieght: 2\n");
    let out = fx.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bm25_wieght"));
}

#[test]
fn status_dry_run_and_config() {
    let Some(fx) = Fixture::new(support::NO_EMBEDDER) else {
        return;
    };
    let out = fx.run(&["index", "--dry-run", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(plan["chunks"].as_u64().unwrap() > 0);
    assert!(plan["languages"]["python"].is_array(), "{plan}");
    assert!(
        !fx.root().join(".amanmcp").exists(),
        "dry run must not write"
    );

    fx.index(&[]);
    let out = fx.run(&["status", "--json", "--check"]);
    assert!(out.status.success());
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["indexed"], true);
    assert_eq!(status["stale_files"], 0);
    assert!(status["files"].as_u64().unwrap() >= 5);

    let out = fx.run(&["config", "show"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("search.rrf_k: "));
    let out = fx.run(&["config", "init"]);
    assert!(out.status.success());
    assert!(fx.root().join(".amanmcp.yaml").exists());
    let out = fx.run(&["config", "show"]);
    assert!(
        out.status.success(),
        "the shipped example must load: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
