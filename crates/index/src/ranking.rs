//! Pure ranking math: weighted reciprocal-rank fusion, post-fusion boosts,
//! test-file detection and the deterministic order.

use crate::tokenizer::split_code;
use std::collections::HashMap;

/// Fused score and provenance of one candidate.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fused {
    pub score: f32,
    pub bm25: Option<(u32, f32)>,
    pub vector: Option<(u32, f32)>,
}

/// Weighted RRF: each list contributes `weight / (k + rank)` (rank 1-based).
/// Lists are (cid, raw score) best first; the third list (exact symbol
/// lookups) contributes with the BM25 weight but records no provenance.
pub(crate) fn fuse(
    bm25: &[(i64, f32)],
    vector: &[(i64, f32)],
    symbol: &[i64],
    bm25_weight: f32,
    vector_weight: f32,
    k: f32,
) -> HashMap<i64, Fused> {
    let mut out: HashMap<i64, Fused> = HashMap::new();
    for (i, (cid, s)) in bm25.iter().enumerate() {
        let e = out.entry(*cid).or_default();
        if e.bm25.is_none() {
            e.score += bm25_weight / (k + (i + 1) as f32);
            e.bm25 = Some((i as u32 + 1, *s));
        }
    }
    for (i, (cid, s)) in vector.iter().enumerate() {
        let e = out.entry(*cid).or_default();
        if e.vector.is_none() {
            e.score += vector_weight / (k + (i + 1) as f32);
            e.vector = Some((i as u32 + 1, *s));
        }
    }
    for (i, cid) in symbol.iter().enumerate() {
        out.entry(*cid).or_default().score += bm25_weight / (k + (i + 1) as f32);
    }
    out
}

/// Queries of at most this many words are treated as identifier lookups
/// (`shutdown`, `JoinSet abort_all`) even when their words look like English.
pub(crate) const SHORT_QUERY_WORDS: usize = 2;

/// True when a query word is written like code rather than prose: it has
/// `_`, `::`, an inner `.`, `()`, `$`, or an inner capital (`camelCase`,
/// `PascalCase`, `HTTP`). A capital only at the start (`Creates`) is prose.
pub(crate) fn is_identifier_like(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'));
    if w.is_empty() {
        return false;
    }
    if word.contains("()") || w.contains(['_', '$']) {
        return true;
    }
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    if core.contains("::") || core.contains('.') && core.split('.').all(|p| !p.is_empty()) {
        return true;
    }
    core.chars().skip(1).any(|c| c.is_uppercase())
}

/// True when the query is short enough that every word may be an identifier.
pub(crate) fn is_short_query(query: &str) -> bool {
    query.split_whitespace().count() <= SHORT_QUERY_WORDS
}

/// Fusion weight factor for a static (model2vec) vector list.
const STATIC_VECTOR_FACTOR: f32 = 0.1;

/// Prior trust in the vector list by embedding backend, multiplied into the
/// configured vector weight. Static embeddings are context-free token
/// averages: on the shared bench the static test model scores 0.09 chunk
/// MRR@10 alone (MiniLM 0.45), so at full weight they push good keyword hits
/// down; at 0.1 they only break ties between keyword hits, and the reranker
/// uses their cosine as one feature among others (docs/benchmarks.md).
pub(crate) fn vector_backend_factor(backend: Option<&str>) -> f32 {
    match backend {
        Some("static") => STATIC_VECTOR_FACTOR,
        _ => 1.0,
    }
}

/// Query words as typed (punctuation around them removed), e.g.
/// `JoinSet::abort_all`, `consume_value`, `Console.log` → `Console::log`.
/// In a sentence only identifier-like words count: `display` inside
/// "Stop live rendering display" is prose, not a symbol lookup.
pub(crate) fn symbol_candidates(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let short = is_short_query(query);
    for w in query.split_whitespace() {
        if !short && !is_identifier_like(w) {
            continue;
        }
        let w = w.trim_matches(|c: char| {
            !(c.is_alphanumeric() || c == '_' || c == ':' || c == '.' || c == '$')
        });
        let w = w
            .trim_end_matches("()")
            .trim_matches(|c| c == '.' || c == ':');
        if w.is_empty() || !w.chars().any(|c| c.is_alphabetic()) {
            continue;
        }
        let normalized = w.replace('.', "::");
        for cand in [w.to_string(), normalized] {
            if !out.contains(&cand) {
                out.push(cand);
            }
        }
    }
    out
}

/// True when a query word names this chunk's symbol (or qualified symbol,
/// or a path ending in it) ignoring ASCII case.
pub(crate) fn names_symbol(
    words: &[String],
    symbol: Option<&str>,
    qualified: Option<&str>,
) -> bool {
    words.iter().any(|w| {
        let eq = |s: Option<&str>| s.is_some_and(|s| s.eq_ignore_ascii_case(w));
        let tail = |s: Option<&str>| {
            s.is_some_and(|s| {
                s.contains("::")
                    && w.len() > s.len()
                    && w.to_ascii_lowercase()
                        .ends_with(&format!("::{}", s.to_ascii_lowercase()))
            })
        };
        eq(symbol) || eq(qualified) || tail(qualified)
    })
}

/// Identifiers the query names in code form (`abort_all`, `JoinSet::abort_all`
/// → `abort_all`, `retryWithBackoff`), or any word of a `short` query; used
/// to find the chunk that defines them when the chunker merged it into a
/// larger block. In a sentence a type name (`UnixListener` in "Creates new
/// UnixListener from a std::os::unix::net::UnixListener") is context for
/// the behaviour asked about, not the thing asked for, so it does not count.
pub(crate) fn code_identifiers(words: &[String], short: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        let last = w.rsplit("::").next().unwrap_or(w);
        let type_name = last.starts_with(char::is_uppercase) && !last.contains('_');
        let camel = last
            .chars()
            .zip(last.chars().skip(1))
            .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
        let code_like = short || (!type_name && (w.contains("::") || last.contains('_') || camel));
        if code_like && last.chars().count() >= 3 && !out.iter().any(|o| o == last) {
            out.push(last.to_string());
        }
    }
    out
}

/// True when `content` has a definition line for `ident`: the identifier
/// right after a definition keyword (`fn`, `def`, `class`, `func (r T)`, ...).
pub(crate) fn defines(content: &str, ident: &str) -> bool {
    const KEYWORDS: [&str; 22] = [
        "fn",
        "def",
        "func",
        "function",
        "class",
        "struct",
        "enum",
        "trait",
        "interface",
        "type",
        "impl",
        "mod",
        "module",
        "const",
        "static",
        "let",
        "var",
        "val",
        "object",
        "record",
        "macro_rules!",
        "sub",
    ];
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    for (i, _) in content.match_indices(ident) {
        let before = content[..i].chars().next_back();
        let after = content[i + ident.len()..].chars().next();
        if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
            continue;
        }
        let line_start = content[..i].rfind('\n').map(|p| p + 1).unwrap_or(0);
        let prefix = content[line_start..i].trim_end();
        let last = prefix
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        if KEYWORDS.contains(&last)
            || (prefix.trim_start().starts_with("func (") && prefix.ends_with(')'))
        {
            return true;
        }
    }
    false
}

/// Distinctive query terms (≥ 3 chars, not stop words) for path matching.
pub(crate) fn path_terms(query: &str) -> Vec<String> {
    const STOP: [&str; 24] = [
        "the", "and", "for", "with", "how", "what", "where", "does", "from", "that", "this", "are",
        "is", "in", "of", "to", "use", "used", "into", "when", "which", "who", "why", "can",
    ];
    let mut out: Vec<String> = split_code(query)
        .into_iter()
        .filter(|t| t.len() >= 3 && !STOP.contains(&t.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// True when any term equals a token of the path (directory or file stem part).
pub(crate) fn path_matches(terms: &[String], path: &str) -> bool {
    if terms.is_empty() {
        return false;
    }
    let toks = split_code(path);
    terms.iter().any(|t| toks.iter().any(|p| p == t))
}

/// True when the query asks about tests ("tests for abort_all",
/// `test_consume`): test files then keep their full score.
pub(crate) fn asks_for_tests(query: &str) -> bool {
    const WORDS: [&str; 9] = [
        "test",
        "tests",
        "testing",
        "tested",
        "unittest",
        "unittests",
        "pytest",
        "fixture",
        "fixtures",
    ];
    split_code(query)
        .iter()
        .any(|t| WORDS.contains(&t.as_str()))
}

/// Heuristic test-file detection across ecosystems.
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut segments: Vec<&str> = lower.split('/').collect();
    let file = segments.pop().unwrap_or("");
    if segments.iter().any(|d| {
        matches!(
            *d,
            "test"
                | "tests"
                | "__tests__"
                | "testing"
                | "spec"
                | "specs"
                | "testdata"
                | "__mocks__"
                | "fixtures"
        )
    }) {
        return true;
    }
    let stem = file.split('.').next().unwrap_or(file);
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || stem == "conftest"
        || file.contains(".test.")
        || file.contains(".spec.")
        || (stem.ends_with("test") && stem.len() > 4 && file.ends_with(".java"))
        || (stem.ends_with("tests") && file.ends_with(".cs"))
}

/// Final order: score desc, then path, then start line (deterministic).
pub(crate) fn order(a: (f32, &str, u32), b: (f32, &str, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0)
        .then_with(|| a.1.cmp(b.1))
        .then_with(|| a.2.cmp(&b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_math_is_weighted_reciprocal_rank() {
        let f = fuse(
            &[(1, 9.0), (2, 5.0)],
            &[(2, 0.9), (3, 0.8)],
            &[],
            1.0,
            2.0,
            60.0,
        );
        assert!((f[&1].score - 1.0 / 61.0).abs() < 1e-7);
        assert!((f[&2].score - (1.0 / 62.0 + 2.0 / 61.0)).abs() < 1e-7);
        assert!((f[&3].score - 2.0 / 62.0).abs() < 1e-7);
        assert_eq!(f[&2].bm25, Some((2, 5.0)));
        assert_eq!(f[&2].vector, Some((1, 0.9)));
        assert_eq!(f[&1].vector, None);
    }

    #[test]
    fn symbol_words_and_matching() {
        let w = symbol_candidates("how does `JoinSet::abort_all()` work, Console.log?");
        assert!(w.contains(&"JoinSet::abort_all".to_string()));
        assert!(w.contains(&"Console::log".to_string()));
        assert!(names_symbol(
            &w,
            Some("abort_all"),
            Some("JoinSet::abort_all")
        ));
        assert!(!names_symbol(&w, Some("abort"), Some("JoinSet::abort")));
        let w = symbol_candidates("tokio::task::JoinSet::abort_all");
        assert!(names_symbol(
            &w,
            Some("abort_all"),
            Some("JoinSet::abort_all")
        ));
    }

    #[test]
    fn static_vectors_weigh_less() {
        assert_eq!(vector_backend_factor(Some("candle")), 1.0);
        assert_eq!(vector_backend_factor(None), 1.0);
        assert!(vector_backend_factor(Some("static")) < 0.5);
    }

    #[test]
    fn prose_words_are_not_symbols() {
        for w in [
            "abort_all",
            "JoinSet::abort_all",
            "Console.log",
            "retryWithBackoff",
            "UnixListener",
            "run()",
            "IP_MULTICAST_LOOP",
            "`io::Result`",
        ] {
            assert!(is_identifier_like(w), "{w}");
        }
        for w in [
            "Creates", "display", "readable", "socket.", "128-bit", "(the",
        ] {
            assert!(!is_identifier_like(w), "{w}");
        }
        assert!(symbol_candidates("Stop live rendering display").is_empty());
        assert_eq!(
            symbol_candidates("Creates new UnixListener from a socket."),
            ["UnixListener"]
        );
        assert_eq!(symbol_candidates("stop display"), ["stop", "display"]);
    }

    #[test]
    fn definition_lines() {
        let rust = "impl<T> JoinSet<T> {\n    pub fn abort_all(&mut self) {}\n    fn shutdown() { self.abort_all(); }\n}";
        assert!(defines(rust, "abort_all"));
        assert!(!defines(rust, "abort"));
        assert!(!defines("x.abort_all();", "abort_all"));
        assert!(defines(
            "func (s *Server) ServeHTTP(w http.ResponseWriter) {",
            "ServeHTTP"
        ));
        assert!(defines(
            "    async def consume_value(stream):",
            "consume_value"
        ));
        let words = symbol_candidates("JoinSet::abort_all and retryWithBackoff in the code");
        assert_eq!(
            code_identifiers(&words, false),
            ["abort_all", "retryWithBackoff"]
        );
        let words = symbol_candidates("Creates new UnixListener from a std::net::UnixListener");
        assert!(code_identifiers(&words, false).is_empty());
        assert_eq!(
            code_identifiers(&symbol_candidates("shutdown"), true),
            ["shutdown"]
        );
        assert_eq!(
            code_identifiers(&symbol_candidates("UnixListener"), true),
            ["UnixListener"]
        );
    }

    #[test]
    fn queries_asking_for_tests() {
        assert!(asks_for_tests("tests for abort_all"));
        assert!(asks_for_tests("where is test_consume_value"));
        assert!(asks_for_tests("TestServeHTTP"));
        assert!(!asks_for_tests("Returns the latest value"));
        assert!(!asks_for_tests("contest attestation"));
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/a.rs",
            "src/foo/tests/x.py",
            "test_io.py",
            "pkg/io_test.go",
            "ui/button.spec.ts",
            "a/b.test.js",
            "src/FooTest.java",
            "conftest.py",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/lib.rs",
            "src/attest.rs",
            "contest/main.go",
            "latest.py",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn tie_break_is_deterministic() {
        let mut v = [
            (1.0, "b.rs", 3),
            (1.0, "a.rs", 9),
            (2.0, "z.rs", 1),
            (1.0, "a.rs", 2),
        ];
        v.sort_by(|x, y| order(*x, *y));
        assert_eq!(
            v,
            [
                (2.0, "z.rs", 1),
                (1.0, "a.rs", 2),
                (1.0, "a.rs", 9),
                (1.0, "b.rs", 3)
            ]
        );
    }
}
