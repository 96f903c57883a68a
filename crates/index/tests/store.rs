//! Incremental updates, embedding cache, spec changes, tombstones, repair and locking.

mod common;

use amanmcp_chunker::ChunkKind;
use amanmcp_index::*;
use amanmcp_scanner::Language;
use common::*;
use std::path::Path;
use std::time::Duration;

fn pointer(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("vectors/current.json")).unwrap()).unwrap()
}

fn vector_only(text_for_vector: &str) -> SearchRequest {
    let mut r = request("zzqq", 10);
    r.vector = Some(embed(text_for_vector));
    r.mode = SearchMode::VectorOnly;
    r
}

#[test]
fn incremental_add_modify_delete_keeps_stores_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = build(dir.path());
    let r = IndexReader::open(dir.path()).unwrap();
    let before = r.stats().unwrap();
    assert_eq!(before.files, 9);
    assert_eq!(before.chunks, 18);
    assert_eq!(before.vectors, 18);
    assert_eq!(before.pending_embeddings, 0);
    assert_eq!(w.files().unwrap().len(), 9);
    assert!(
        r.refresh().is_ok_and(|changed| !changed),
        "nothing changed since open"
    );

    // Modify: one chunk changes, one is added, others keep their vectors.
    let path = "tokio/src/task/abort.rs";
    let cs = chunks(path, Language::Rust, &[
        def(ChunkKind::Struct, "AbortHandle", None, "/// An owned permission to abort a spawned task, without awaiting its completion.\npub struct AbortHandle {\n    raw: RawTask,\n}"),
        def(ChunkKind::Method, "abort", Some("impl AbortHandle"), "/// Abort the task; a cancelled flag is set first.\npub fn abort(&self) {\n    self.cancelled.store(true);\n    self.raw.remote_abort();\n}"),
        def(ChunkKind::Method, "is_finished", Some("impl AbortHandle"), "/// Returns true if the task has finished (quiescent_marker).\npub fn is_finished(&self) -> bool {\n    self.raw.state().load().is_complete()\n}"),
    ]);
    w.upsert_file(&record(path, Language::Rust, &cs), &cs)
        .unwrap();
    assert_eq!(
        w.pending_count().unwrap(),
        2,
        "unchanged chunk keeps its vector"
    );
    w.commit().unwrap();
    assert!(r.refresh().unwrap());
    let mut q = request("quiescent_marker", 5);
    q.mode = SearchMode::Bm25Only;
    assert_eq!(
        r.search(&q).unwrap().hits[0].symbol.as_deref(),
        Some("is_finished")
    );
    let mut q = request("remote_abort cancelled", 20);
    q.mode = SearchMode::Bm25Only;
    let abort_hits: Vec<_> = r
        .search(&q)
        .unwrap()
        .hits
        .into_iter()
        .filter(|h| h.symbol.as_deref() == Some("abort"))
        .collect();
    assert_eq!(
        abort_hits.len(),
        1,
        "old version of the chunk is gone from BM25"
    );
    assert!(abort_hits[0].content.contains("cancelled"));
    embed_pending(&mut w);
    w.commit_vectors().unwrap();
    r.refresh().unwrap();
    assert_eq!(r.stats().unwrap().vectors, 19);

    // Delete: the file disappears from every list, including the vector graph
    // (tombstone filtered before any rebuild).
    let old_abort_all = corpus()
        .into_iter()
        .flat_map(|(_, c)| c)
        .find(|c| c.symbol.as_deref() == Some("abort_all"))
        .unwrap();
    w.remove_file("tokio/src/task/join_set.rs").unwrap();
    w.commit().unwrap();
    r.refresh().unwrap();
    let hits = r
        .search(&vector_only(&old_abort_all.embed_text))
        .unwrap()
        .hits;
    assert!(
        hits.iter().all(|h| h.path != "tokio/src/task/join_set.rs"),
        "tombstones filtered"
    );
    let hits = r.search(&request("JoinSet::abort_all", 10)).unwrap().hits;
    assert!(hits.iter().all(|h| h.path != "tokio/src/task/join_set.rs"));
    let s = r.stats().unwrap();
    assert_eq!((s.files, s.chunks, s.vectors), (8, 15, 15));
    assert!(r
        .find_symbol("JoinSet", &[], 5)
        .unwrap()
        .iter()
        .all(|h| h.symbol.as_deref() != Some("JoinSet")));
}

#[test]
fn tombstones_trigger_a_graph_rebuild_past_the_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = build(dir.path());
    let first = pointer(dir.path());
    assert_eq!(first["points"], 18);
    // 2 of 18 dead (< 20%): no rebuild, dead points stay in the graph.
    w.remove_file("serde_json/src/de.rs").unwrap();
    w.commit_vectors().unwrap();
    assert_eq!(pointer(dir.path())["points"], 18);
    // 6 of 18 dead (> 20%): rebuilt without them.
    w.remove_file("tokio/src/task/join_set.rs").unwrap();
    w.commit_vectors().unwrap();
    let p = pointer(dir.path());
    assert_eq!(p["points"], 12);
    // Only the current dump is left on disk.
    let dumps: Vec<_> = std::fs::read_dir(dir.path().join("vectors"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".hnsw.graph"))
        .collect();
    assert_eq!(dumps.len(), 1);
    let r = IndexReader::open(dir.path()).unwrap();
    let target = corpus()
        .into_iter()
        .flat_map(|(_, c)| c)
        .find(|c| c.symbol.as_deref() == Some("consume_value"))
        .unwrap();
    let hits = r.search(&vector_only(&target.embed_text)).unwrap().hits;
    assert_eq!(hits[0].symbol.as_deref(), Some("consume_value"));
    assert_eq!(hits.len(), 10);
}

#[test]
fn embedding_cache_survives_force_rebuilds_and_is_shared() {
    let base = tempfile::tempdir().unwrap();
    let shared = base.path().join("shared-cache.sqlite");
    let o = IndexOptions {
        cache_path: Some(shared.clone()),
        ..opts()
    };
    let a = base.path().join("a");
    {
        let mut w = IndexWriter::open(&a, &o).unwrap();
        w.set_embedding_spec(Some(&spec())).unwrap();
        for (f, cs) in corpus() {
            w.upsert_file(&f, &cs).unwrap();
        }
        assert_eq!(w.pending_count().unwrap(), 18);
        assert_eq!(embed_pending(&mut w), 18);
        w.commit_vectors().unwrap();
        // --force: everything dropped, the cache refills all vectors.
        w.clear().unwrap();
        w.commit_vectors().unwrap();
        assert_eq!(w.stats().unwrap().chunks, 0);
        for (f, cs) in corpus() {
            w.upsert_file(&f, &cs).unwrap();
        }
        assert_eq!(w.pending_count().unwrap(), 0, "all vectors from the cache");
        w.commit_vectors().unwrap();
        let hashes: Vec<String> = corpus()
            .iter()
            .flat_map(|(_, c)| {
                c.iter()
                    .map(|c| vector_key(&c.embed_text, c.name_text().as_deref()))
            })
            .collect();
        let refs: Vec<&str> = hashes.iter().map(|s| s.as_str()).collect();
        assert_eq!(w.cached_vectors(&refs).unwrap().len(), 18);
    }
    // A second worktree sharing the cache never embeds.
    let b = base.path().join("b");
    let mut w = IndexWriter::open(&b, &o).unwrap();
    w.set_embedding_spec(Some(&spec())).unwrap();
    for (f, cs) in corpus() {
        w.upsert_file(&f, &cs).unwrap();
    }
    assert_eq!(w.pending_count().unwrap(), 0);
    w.commit_vectors().unwrap();
    let r = IndexReader::open(&b).unwrap();
    let res = r.search(&request("JoinSet::abort_all", 3)).unwrap();
    assert!(!res.degraded);
    assert!(res.hits[0].vector_rank.is_some());
    assert!(!b.join("embeddings.sqlite").exists());
}

#[test]
fn changing_the_embedding_spec_never_mixes_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = build(dir.path());
    let r = IndexReader::open(dir.path()).unwrap();
    assert!(
        !w.set_embedding_spec(Some(&spec())).unwrap(),
        "same spec: no change"
    );
    let other = EmbeddingSpec {
        backend: "test".into(),
        model_id: "other".into(),
        dims: 16,
    };
    assert!(w.set_embedding_spec(Some(&other)).unwrap());
    assert_eq!(w.embedding_spec().unwrap(), Some(other.clone()));
    assert_eq!(w.pending_count().unwrap(), 18);
    w.commit().unwrap();
    r.refresh().unwrap();
    // Old 32-d graph must not answer for the 16-d spec.
    let mut q = request("abort", 5);
    q.vector = Some(vec![0.25; 16]);
    let res = r.search(&q).unwrap();
    assert!(res.degraded);
    assert!(res.hits.iter().all(|h| h.vector_rank.is_none()));
    // Wrong-dimension vectors are refused.
    let p = w.pending_embeddings(1).unwrap().remove(0);
    let err = w
        .add_vectors(&[(p.chunk_id.clone(), p.text_hash.clone(), vec![1.0; 32])])
        .unwrap_err();
    assert!(matches!(err, IndexError::InvalidVector(_)), "{err}");
    let err = w
        .add_vectors(&[(p.chunk_id.clone(), p.text_hash.clone(), vec![f32::NAN; 16])])
        .unwrap_err();
    assert!(matches!(err, IndexError::InvalidVector(_)));
    // Back to the first spec: refilled from the cache, nothing to embed.
    assert!(w.set_embedding_spec(Some(&spec())).unwrap());
    assert_eq!(w.pending_count().unwrap(), 0);
    w.commit_vectors().unwrap();
    r.refresh().unwrap();
    let res = r.search(&request("abort", 5)).unwrap();
    assert!(!res.degraded);
    // No embedder at all.
    assert!(w.set_embedding_spec(None).unwrap());
    w.commit_vectors().unwrap();
    assert!(!dir.path().join("vectors/current.json").exists());
    assert!(matches!(
        w.add_vectors(&[(p.chunk_id, p.text_hash, vec![1.0; 16])]),
        Err(IndexError::NoEmbeddingSpec)
    ));
    r.refresh().unwrap();
    assert!(r.search(&request("abort", 5)).unwrap().degraded);
}

#[test]
fn reopen_after_restart_reuses_the_dump() {
    let dir = tempfile::tempdir().unwrap();
    drop(build(dir.path()));
    let before = pointer(dir.path());
    let w = IndexWriter::open(dir.path(), &opts()).unwrap();
    assert_eq!(pointer(dir.path()), before, "no rebuild on a clean reopen");
    assert_eq!(w.stats().unwrap().vectors, 18);
    drop(w);
    let r = IndexReader::open(dir.path()).unwrap();
    let res = r.search(&request("consume_value", 3)).unwrap();
    assert!(!res.degraded);
    assert_eq!(res.hits[0].symbol.as_deref(), Some("consume_value"));
    let s = r.stats().unwrap();
    assert!(s.bytes_on_disk > 0 && s.created_at.is_some() && s.updated_at.is_some());
    assert_eq!(s.embedding, Some(spec()));
    assert_eq!(s.languages[0], ("rust".to_string(), 8));
}

#[test]
fn mismatched_derived_stores_are_repaired_on_open() {
    let dir = tempfile::tempdir().unwrap();
    drop(build(dir.path()));
    let db = rusqlite::Connection::open(dir.path().join("index.sqlite")).unwrap();
    // Pretend a crash after SQLite committed but before BM25 and the graph did.
    db.execute_batch("UPDATE manifest SET value = value + 1 WHERE key IN ('data_generation', 'vector_generation')").unwrap();
    // And a damaged graph dump.
    let p = pointer(dir.path());
    let base = p["basename"].as_str().unwrap().to_string();
    std::fs::write(
        dir.path().join(format!("vectors/{base}.hnsw.graph")),
        b"garbage",
    )
    .unwrap();
    let r = IndexReader::open(dir.path()).unwrap();
    let res = r.search(&request("consume_value", 3)).unwrap();
    assert_eq!(
        res.hits[0].symbol.as_deref(),
        Some("consume_value"),
        "still searchable before repair"
    );
    let w = IndexWriter::open(dir.path(), &opts()).unwrap();
    let p2 = pointer(dir.path());
    assert_ne!(p2["basename"], p["basename"]);
    assert_eq!(p2["points"], 18);
    drop(w);
    r.refresh().unwrap();
    let res = r.search(&request("consume_value", 3)).unwrap();
    assert!(!res.degraded);
    assert_eq!(res.hits[0].symbol.as_deref(), Some("consume_value"));
    assert!(res.hits[0].vector_rank.is_some());

    // Schema from another version: readers refuse with a hint, writers start fresh.
    db.execute(
        "UPDATE manifest SET value = '999' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(r);
    let err = IndexReader::open(dir.path()).err().unwrap();
    assert!(
        matches!(err, IndexError::SchemaMismatch { found: 999, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("amanmcp index"));
    let w = IndexWriter::open(dir.path(), &opts()).unwrap();
    assert_eq!(w.stats().unwrap().chunks, 0);
}

#[test]
fn second_writer_waits_then_fails_with_the_holder_pid() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!index_exists(dir.path()));
    assert!(matches!(
        IndexReader::open(dir.path()),
        Err(IndexError::NotFound { .. })
    ));
    let w = build(dir.path());
    assert!(index_exists(dir.path()));
    let o = IndexOptions {
        lock_timeout: Duration::from_millis(200),
        ..opts()
    };
    let t = std::time::Instant::now();
    let err = IndexWriter::open(dir.path(), &o).err().unwrap();
    assert!(t.elapsed() >= Duration::from_millis(200));
    match &err {
        IndexError::Locked { holder_pid, .. } => assert_eq!(*holder_pid, Some(std::process::id())),
        other => panic!("{other}"),
    }
    assert!(err
        .to_string()
        .contains(&format!("pid {}", std::process::id())));
    // Readers are never blocked by the writer.
    let r = IndexReader::open(dir.path()).unwrap();
    assert!(!r.search(&request("abort", 3)).unwrap().hits.is_empty());
    drop(w);
    IndexWriter::open(dir.path(), &o).unwrap();
}

#[test]
fn bad_input_is_refused_without_losing_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = build(dir.path());
    let cs = chunks(
        "a.rs",
        Language::Rust,
        &[def(ChunkKind::Function, "f", None, "fn f() {}")],
    );
    let err = w
        .upsert_file(&record("b.rs", Language::Rust, &cs), &cs)
        .unwrap_err();
    assert!(matches!(err, IndexError::InvalidInput(_)));
    let bad = EmbeddingSpec {
        backend: "x".into(),
        model_id: "".into(),
        dims: 0,
    };
    assert!(w.set_embedding_spec(Some(&bad)).is_err());
    w.commit().unwrap();
    assert_eq!(w.stats().unwrap().chunks, 18);
    let o = IndexOptions {
        hnsw_m: 0,
        ..opts()
    };
    assert!(matches!(
        IndexWriter::open(&dir.path().join("x"), &o),
        Err(IndexError::InvalidOption(_))
    ));
    let r = IndexReader::open(dir.path()).unwrap();
    assert!(matches!(
        r.search(&SearchRequest {
            vector: None,
            ..request("  ", 3)
        }),
        Err(IndexError::InvalidQuery(_))
    ));
    assert!(r.search(&request("abort", 0)).unwrap().hits.is_empty());
}
