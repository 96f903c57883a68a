//! One writer updating while readers query in parallel: no errors, readers
//! always see a consistent committed state.

mod common;

use amanmcp_index::*;
use common::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn readers_query_while_a_writer_commits() {
    let dir = tempfile::tempdir().unwrap();
    sync_synthetic(dir.path(), 0, 40);
    let reader = Arc::new(IndexReader::open(dir.path()).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let queries = Arc::new(AtomicUsize::new(0));

    let mut handles = Vec::new();
    for t in 0..3 {
        // Two threads share one reader; one opens its own (like a second process would).
        let shared = reader.clone();
        let path = dir.path().to_path_buf();
        let done = done.clone();
        let queries = queries.clone();
        handles.push(std::thread::spawn(move || {
            let own = if t == 2 {
                Some(IndexReader::open(&path).unwrap())
            } else {
                None
            };
            let r: &IndexReader = own.as_ref().unwrap_or(&shared);
            let mut i = 0usize;
            while !done.load(Ordering::Relaxed) || i < 5 {
                r.refresh().unwrap();
                let q = [
                    "validate storage value",
                    "network_step_1_3",
                    "render input len",
                    "scheduler",
                ][i % 4];
                let mut req = request(q, 10);
                if i.is_multiple_of(3) {
                    req.filters.path_glob = Some("src/**".into());
                }
                let res = r.search(&req).unwrap();
                if res.hits.is_empty() {
                    let mut b = req.clone();
                    b.mode = SearchMode::Bm25Only;
                    let nb = r.search(&b).unwrap().hits.len();
                    b.filters = SearchFilters::default();
                    let nf = r.search(&b).unwrap().hits.len();
                    let again = r.search(&req).unwrap().hits.len();
                    panic!(
                        "{q} empty; bm25only={nb} nofilter={nf} again={again} stats={:?}",
                        r.stats().unwrap().chunks
                    );
                }
                if req.filters.path_glob.is_some() {
                    assert!(res.hits.iter().all(|h| h.path.starts_with("src/")));
                }
                r.find_symbol("cache_step_6_1", &[], 3).unwrap();
                let s = r.stats().unwrap();
                assert!(s.chunks > 0);
                i += 1;
                queries.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }

    // The writer moves through versions (modify + delete) with frequent commits.
    for version in 1..=6 {
        sync_synthetic(dir.path(), version, 40);
    }
    done.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    assert!(queries.load(Ordering::Relaxed) >= 15);
    reader.refresh().unwrap();
    let s = reader.stats().unwrap();
    assert_eq!(s.pending_embeddings, 0);
    assert_eq!(s.vectors, s.chunks);
    assert_eq!(s.files as usize, synthetic_files(6, 40).len());
}
