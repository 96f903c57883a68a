//! Hybrid search behaviour on a realistic corpus.

mod common;

use amanmcp_chunker::ChunkKind;
use amanmcp_index::*;
use amanmcp_scanner::Language;
use common::*;

fn reader() -> (tempfile::TempDir, IndexReader) {
    let dir = tempfile::tempdir().unwrap();
    drop(build(dir.path()));
    let r = IndexReader::open(dir.path()).unwrap();
    (dir, r)
}

fn top(r: &IndexReader, req: &SearchRequest) -> Vec<SearchHit> {
    r.search(req).unwrap().hits
}

#[test]
fn exact_identifier_queries_rank_the_definition_first() {
    let (_d, r) = reader();
    for (q, sym, path) in [
        (
            "JoinSet::abort_all",
            "abort_all",
            "tokio/src/task/join_set.rs",
        ),
        ("consume_value", "consume_value", "src/parser/consume.py"),
        (
            "retryWithBackoff",
            "retryWithBackoff",
            "web/src/http/retry.ts",
        ),
        (
            "how does parse_number work",
            "parse_number",
            "serde_json/src/de.rs",
        ),
    ] {
        for mode in [SearchMode::Hybrid, SearchMode::Bm25Only] {
            let mut req = request(q, 5);
            req.mode = mode;
            let hits = top(&r, &req);
            assert_eq!(
                hits[0].symbol.as_deref(),
                Some(sym),
                "{q} {mode:?}: {:?}",
                hits.iter().map(|h| &h.symbol).collect::<Vec<_>>()
            );
            assert_eq!(hits[0].path, path);
            assert!(
                hits[0].boosts.iter().any(|b| b.starts_with("symbol")),
                "{q}: {:?}",
                hits[0].boosts
            );
        }
    }
}

#[test]
fn natural_language_queries_use_or_semantics_and_split_identifiers() {
    let (_d, r) = reader();
    // No chunk contains all of these words; OR semantics must still find the backoff code.
    let hits = top(
        &r,
        &request(
            "retry failed http requests with exponential backoff please",
            3,
        ),
    );
    assert_eq!(hits[0].symbol.as_deref(), Some("retryWithBackoff"));
    // camelCase split: "backoff" alone finds retryWithBackoff via its parts.
    let mut req = request("backoff", 10);
    req.mode = SearchMode::Bm25Only;
    let hits = top(&r, &req);
    assert!(hits
        .iter()
        .any(|h| h.symbol.as_deref() == Some("retryWithBackoff")));
    // Stemming: "deserializing" matches "Deserialize".
    let mut req = request("deserializing json strings", 3);
    req.mode = SearchMode::Bm25Only;
    assert_eq!(top(&r, &req)[0].symbol.as_deref(), Some("from_str"));
}

#[test]
fn debug_fields_and_test_penalty() {
    let (_d, r) = reader();
    let res = r.search(&request("consume_value", 10)).unwrap();
    assert!(!res.degraded);
    let names: Vec<&str> = res.timings_ms.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(names, ["bm25", "vector", "fuse", "fetch"]);
    let def = &res.hits[0];
    assert!(def.bm25_rank.is_some() && def.bm25_score.is_some());
    assert!(def.vector_rank.is_some() && def.vector_cosine.is_some());
    assert_eq!(def.kind, ChunkKind::Function);
    assert_eq!(def.language, Language::Python);
    let test_hit = res
        .hits
        .iter()
        .find(|h| h.path == "tests/test_consume.py")
        .unwrap();
    assert!(
        test_hit.boosts.iter().any(|b| b.starts_with("test×")),
        "{:?}",
        test_hit.boosts
    );
    // A query that asks for tests keeps their full score.
    let res = r.search(&request("tests of consume_value", 10)).unwrap();
    assert!(res
        .hits
        .iter()
        .all(|h| !h.boosts.iter().any(|b| b.starts_with("test"))));
    // Without the penalty the test file has no test boost entry.
    let mut req = request("consume_value", 10);
    req.ranking.test_penalty = 1.0;
    let res = r.search(&req).unwrap();
    assert!(res
        .hits
        .iter()
        .all(|h| !h.boosts.iter().any(|b| b.starts_with("test"))));
}

#[test]
fn rerank_multiplies_boosted_scores_by_its_reported_factor() {
    let (_d, r) = reader();
    let mut off = request("abort tasks", 10);
    off.ranking.rerank = false;
    let plain = r.search(&off).unwrap().hits;
    let ranked = r.search(&request("abort tasks", 10)).unwrap().hits;
    assert!(!ranked.is_empty());
    let mut compared = 0;
    for h in &ranked {
        let f = h.rerank.expect("hybrid hits carry the reranker's features");
        assert!((0.0..=1.0).contains(&f.coverage), "{f:?}");
        assert!((0.0..=1.0).contains(&f.name), "{f:?}");
        assert!((0.0..=1.0).contains(&f.bm25), "{f:?}");
        if let Some(p) = plain.iter().find(|p| p.id == h.id) {
            // Switched off, the features are still reported but not applied.
            assert_eq!(p.rerank, Some(f));
            assert!(
                (h.score - p.score * f.multiplier).abs() <= 1e-5,
                "{} vs {}",
                h.score,
                p.score
            );
            compared += 1;
        }
    }
    assert!(compared > 0);
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
    // The halves stay pure: no reranking outside hybrid.
    for mode in [SearchMode::Bm25Only, SearchMode::VectorOnly] {
        let mut req = request("abort tasks", 10);
        req.mode = mode;
        assert!(r
            .search(&req)
            .unwrap()
            .hits
            .iter()
            .all(|h| h.rerank.is_none()));
    }
}

#[test]
fn fused_scores_follow_weighted_rrf() {
    let (_d, r) = reader();
    let mut req = request("abort tasks", 10);
    req.ranking = RankingOptions {
        test_penalty: 1.0,
        symbol_boost: 1.0,
        path_boost: 1.0,
        bm25_weight: 0.7,
        vector_weight: 1.3,
        rrf_k: 60.0,
        rerank: false,
    };
    for h in r.search(&req).unwrap().hits {
        let mut expect = 0.0;
        if let Some(rank) = h.bm25_rank {
            expect += 0.7 / (60.0 + rank as f32);
        }
        if let Some(rank) = h.vector_rank {
            expect += 1.3 / (60.0 + rank as f32);
        }
        // The exact-symbol list may add one more term; it never removes.
        assert!(
            h.score + 1e-6 >= expect,
            "{} {} < {}",
            h.path,
            h.score,
            expect
        );
    }
}

#[test]
fn filters_apply_inside_retrieval() {
    let (_d, r) = reader();
    let mut req = request("abort", 3);
    req.filters.languages = vec![Language::Python];
    let hits = top(&r, &req);
    assert_eq!(hits.len(), 3, "limit results from the filtered language");
    assert!(hits.iter().all(|h| h.language == Language::Python));

    let mut req = request("configuration", 10);
    req.filters.code_only = Some(false);
    let hits = top(&r, &req);
    assert!(!hits.is_empty() && hits.iter().all(|h| h.language == Language::Markdown));

    let mut req = request("task", 10);
    req.filters.kinds = vec![ChunkKind::Struct];
    let hits = top(&r, &req);
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.kind == ChunkKind::Struct));

    for glob in ["tokio/**/*.rs", "tokio/src", "*.go", "go/"] {
        let mut req = request("abort handler", 4);
        req.filters.path_glob = Some(glob.into());
        let hits = top(&r, &req);
        assert!(!hits.is_empty(), "{glob}");
        let prefix = glob.trim_end_matches('/').split('*').next().unwrap();
        assert!(
            hits.iter()
                .all(|h| h.path.starts_with(prefix) || h.path.ends_with(".go")),
            "{glob}"
        );
    }
    let mut req = request("x", 4);
    req.filters.path_glob = Some("src/[".into());
    assert!(matches!(r.search(&req), Err(IndexError::InvalidQuery(_))));
}

#[test]
fn degraded_without_vectors_and_deterministic_ties() {
    let (_d, r) = reader();
    let mut req = request("abort", 10);
    req.vector = None;
    let res = r.search(&req).unwrap();
    assert!(res.degraded);
    assert!(res.hits.iter().all(|h| h.vector_rank.is_none()));
    req.mode = SearchMode::Bm25Only;
    assert!(!r.search(&req).unwrap().degraded);
    req.mode = SearchMode::VectorOnly;
    let res = r.search(&req).unwrap();
    assert!(res.degraded && !res.hits.is_empty());

    let a = r.search(&request("task", 20)).unwrap().hits;
    let b = r.search(&request("task", 20)).unwrap().hits;
    let key = |h: &SearchHit| (h.path.clone(), h.start_line, h.score.to_bits());
    assert_eq!(
        a.iter().map(key).collect::<Vec<_>>(),
        b.iter().map(key).collect::<Vec<_>>()
    );
    for w in a.windows(2) {
        assert!(
            w[0].score > w[1].score
                || (w[0].score == w[1].score
                    && (&w[0].path, w[0].start_line) <= (&w[1].path, w[1].start_line))
        );
    }

    let mut bad = request("task", 5);
    bad.vector = Some(vec![1.0; 7]);
    assert!(matches!(r.search(&bad), Err(IndexError::InvalidVector(_))));
}

#[test]
fn vector_only_finds_semantic_neighbours() {
    let (_d, r) = reader();
    let target = corpus()
        .into_iter()
        .flat_map(|(_, cs)| cs)
        .find(|c| c.symbol.as_deref() == Some("abort_all"))
        .unwrap();
    let mut req = request("unrelated words", 3);
    req.vector = Some(embed(&target.embed_text));
    req.mode = SearchMode::VectorOnly;
    let res = r.search(&req).unwrap();
    assert!(!res.degraded);
    assert_eq!(res.hits[0].symbol.as_deref(), Some("abort_all"));
    assert!(res.hits[0].bm25_rank.is_none());
    assert!(res.hits[0].vector_cosine.unwrap() > 0.99);
}

#[test]
fn find_symbol_exact_then_fuzzy() {
    let (_d, r) = reader();
    let hits = r.find_symbol("JoinSet::abort_all", &[], 5).unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("abort_all"));
    assert_eq!(hits[0].score, 1.0);
    let hits = r
        .find_symbol("tokio::task::JoinSet::abort_all", &[], 5)
        .unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("abort_all"));
    let hits = r.find_symbol("joinset", &[], 5).unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("JoinSet"));
    assert!(hits[0].score < 1.0);
    let hits = r.find_symbol("abort", &[ChunkKind::Method], 5).unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("abort"));
    assert!(hits.iter().all(|h| h.kind == ChunkKind::Method));
    assert!(
        hits.iter()
            .any(|h| h.symbol.as_deref() == Some("abort_all")),
        "prefix match"
    );
    let hits = r.find_symbol("consume_valeu", &[], 5).unwrap();
    assert_eq!(
        hits[0].symbol.as_deref(),
        Some("consume_value"),
        "edit distance"
    );
    let hits = r.find_symbol("consume_value", &[], 5).unwrap();
    assert_eq!(
        hits[0].path, "src/parser/consume.py",
        "definition before the test"
    );
    assert!(r.find_symbol("zzzzzz", &[], 5).unwrap().is_empty());

    let id = hits[0].id.clone();
    let c = r.chunk(&id).unwrap().unwrap();
    assert_eq!(c.symbol.as_deref(), Some("consume_value"));
    assert!(c.content.contains("def consume_value"));
    assert!(r.chunk("nope").unwrap().is_none());
}
