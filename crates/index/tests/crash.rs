//! kill -9 at random moments while indexing: the index stays searchable and a
//! re-run converges to exactly what a clean build produces.

mod common;

use amanmcp_index::*;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: usize = 60;
const FINAL: u32 = 99;
const ITERATIONS: u32 = 24;

/// Runs in the child process only (re-invoked test binary).
#[test]
#[ignore]
fn crash_child() {
    let (Ok(dir), Ok(version)) = (
        std::env::var("AMANMCP_CRASH_DIR"),
        std::env::var("AMANMCP_CRASH_VERSION"),
    ) else {
        return;
    };
    sync_synthetic(Path::new(&dir), version.parse().unwrap(), FILES);
}

fn child(dir: &Path, version: u32) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "crash_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("AMANMCP_CRASH_DIR", dir)
    .env("AMANMCP_CRASH_VERSION", version.to_string())
    .env("RUST_BACKTRACE", "0")
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    c
}

/// Small deterministic PRNG (xorshift) so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn assert_searchable(dir: &Path) {
    if !index_exists(dir) {
        return;
    }
    let r = IndexReader::open(dir).expect("index opens after kill -9");
    let res = r
        .search(&request("parser_step_16_2 validate", 5))
        .expect("search works after kill -9");
    let _ = res.hits;
    r.find_symbol("parser_step_16_2", &[], 3)
        .expect("find_symbol works after kill -9");
    r.stats().expect("stats after kill -9");
}

#[test]
fn sigkill_at_random_moments_never_loses_the_index() {
    let base = tempfile::tempdir().unwrap();
    let reference = base.path().join("reference");
    let t = Instant::now();
    assert!(
        child(&reference, FINAL).status().unwrap().success(),
        "clean reference build"
    );
    let full_run = t.elapsed();

    let dir = base.path().join("crashy");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut killed = 0;
    for i in 0..ITERATIONS {
        // The first runs start from nothing and die early, while the index is being created.
        let window = if i < 4 {
            let _ = std::fs::remove_dir_all(&dir);
            Duration::from_millis(80)
        } else {
            // Re-runs over an existing index finish sooner than the clean
            // build; aim at the first part so most runs really die mid-write.
            full_run.mul_f32(0.6)
        };
        let mut proc = child(&dir, i % 4).spawn().unwrap();
        let wait = Duration::from_micros(rng.next() % (window.as_micros() as u64).max(1000));
        std::thread::sleep(wait);
        if proc.try_wait().unwrap().is_none() {
            proc.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        proc.wait().unwrap();
        assert_searchable(&dir);
    }
    assert!(
        killed >= ITERATIONS / 3,
        "too few runs were interrupted ({killed} of {ITERATIONS})"
    );

    assert!(
        child(&dir, FINAL).status().unwrap().success(),
        "re-run completes"
    );
    let a = IndexReader::open(&dir).unwrap();
    let b = IndexReader::open(&reference).unwrap();
    let (sa, sb) = (a.stats().unwrap(), b.stats().unwrap());
    assert_eq!(
        (sa.files, sa.chunks, sa.vectors, sa.pending_embeddings),
        (sb.files, sb.chunks, sb.vectors, sb.pending_embeddings)
    );
    assert_eq!(sa.pending_embeddings, 0);
    assert_eq!(a.files().unwrap(), b.files().unwrap());
    for sym in ["parser_step_16_2", "storage_step_58_4", "config_step_12_0"] {
        let ha = a.search(&request(sym, 3)).unwrap();
        let hb = b.search(&request(sym, 3)).unwrap();
        assert!(!ha.degraded && !hb.degraded);
        assert_eq!(ha.hits[0].id, hb.hits[0].id, "{sym}");
        assert_eq!(ha.hits[0].symbol.as_deref(), Some(sym));
        assert!(ha.hits[0].vector_rank.is_some());
    }
    // Every chunk is reachable through BM25 (no missing or stale documents).
    let mut q = request("validate", 1000);
    q.mode = SearchMode::Bm25Only;
    assert_eq!(a.search(&q).unwrap().hits.len() as u64, sa.chunks);
}
