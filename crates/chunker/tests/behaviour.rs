//! Merge, split, doc attachment, ids, fallbacks and pathological inputs.

mod common;

use amanmcp_chunker::{supported_languages, ChunkKind, Chunker, EstimateCounter, TokenCounter};
use amanmcp_scanner::Language;
use common::{by_symbol, check_invariants, chunker, summary};

#[test]
fn chunker_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Chunker>();
}

#[test]
fn supported_languages_are_the_16_grammars() {
    let langs = supported_languages();
    assert_eq!(langs.len(), 16);
    assert!(!langs.contains(&Language::Markdown) && langs.contains(&Language::Tsx));
    // Every grammar loads and yields symbols for a trivial definition.
    for &lang in langs {
        let chunks = chunker(384).chunk("x", lang, "x\n");
        assert_eq!(chunks.len(), 1, "{lang}");
    }
}

#[test]
fn blank_input_gives_no_chunks_and_text_at_least_one() {
    let c = chunker(384);
    assert!(c.chunk("a.rs", Language::Rust, "").is_empty());
    assert!(c.chunk("a.rs", Language::Rust, " \n\t\n").is_empty());
    for &lang in &Language::ALL {
        assert_eq!(
            c.chunk("a", lang, "// just one comment\n").len(),
            1,
            "{lang}"
        );
    }
}

#[test]
fn tiny_items_merge_up_to_the_budget_but_functions_stand_alone() {
    let mut src = String::from("use std::fmt;\nuse std::io;\n\n");
    for i in 0..40 {
        src.push_str(&format!("pub const C{i}: u32 = {i};\n"));
    }
    src.push('\n');
    for i in 0..10 {
        src.push_str(&format!("fn one_liner_{i}() -> u32 {{ {i} }}\n"));
    }
    let chunks = chunker(384).chunk("m.rs", Language::Rust, &src);
    check_invariants("m.rs", &src, &chunks);
    let (fns, consts): (Vec<_>, Vec<_>) =
        chunks.iter().partition(|c| c.kind == ChunkKind::Function);
    // The 40 constants share at most two chunks (the last may stand alone).
    assert!(consts.len() <= 2, "{:#?}", summary(&chunks));
    assert!(consts.iter().all(|c| c.content.contains("pub const C")));
    let names: Vec<String> = fns.iter().filter_map(|c| c.symbol.clone()).collect();
    let want: Vec<String> = (0..10).map(|i| format!("one_liner_{i}")).collect();
    assert_eq!(names, want, "{:#?}", summary(&chunks));
    assert!(fns.iter().all(|c| c.kind == ChunkKind::Function));
    assert!(chunks
        .iter()
        .all(|c| EstimateCounter.count(&c.embed_text) <= 384));
}

#[test]
fn a_lone_small_definition_keeps_its_symbol() {
    let body = "    let x = 1;\n".repeat(12);
    let src = format!("fn big_a() {{\n{body}}}\n\nfn tiny() {{}}\n\nfn big_b() {{\n{body}}}\n");
    let chunks = chunker(384).chunk("t.rs", Language::Rust, &src);
    check_invariants("t.rs", &src, &chunks);
    let names: Vec<_> = chunks.iter().map(|c| c.symbol.as_deref()).collect();
    assert_eq!(names, vec![Some("big_a"), Some("tiny"), Some("big_b")]);
}

#[test]
fn oversized_function_is_split_at_statements_with_header() {
    let mut src = String::from("/// Does a lot.\n#[inline]\npub fn huge(input: &[u32]) -> u64 {\n    let mut total = 0u64;\n");
    for i in 0..120 {
        src.push_str(&format!(
            "    total += input.get({i}).copied().unwrap_or_default() as u64 * {i};\n"
        ));
    }
    src.push_str("    total\n}\n");
    let chunks = chunker(200).chunk("h.rs", Language::Rust, &src);
    check_invariants("h.rs", &src, &chunks);
    assert!(chunks.len() > 3);
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c.symbol.as_deref(), Some("huge"));
        assert_eq!(c.kind, ChunkKind::Function);
        assert_eq!(
            c.signature.as_deref(),
            Some("pub fn huge(input: &[u32]) -> u64")
        );
        assert!(
            EstimateCounter.count(&c.embed_text) <= 200,
            "{}",
            c.embed_text
        );
        // Parts end on statement (line) boundaries.
        assert!(
            c.content.ends_with(';') || c.content.ends_with('}'),
            "{}",
            c.content
        );
        assert_eq!(i > 0, c.embed_text.contains("\nsignature: pub fn huge"));
    }
    // Doc comment and attribute start the first part.
    assert_eq!(chunks[0].start_line, 1);
    assert!(chunks[0]
        .content
        .starts_with("/// Does a lot.\n#[inline]\n"));
}

#[test]
fn oversized_container_is_split_by_member_with_scope() {
    let mut src = String::from("/// The set.\npub struct JoinSet<T> { inner: Vec<T> }\n\nimpl<T> JoinSet<T>\nwhere\n    T: Send,\n{\n");
    for name in [
        "spawn",
        "abort_all",
        "detach_all",
        "len",
        "is_empty",
        "join_next",
    ] {
        src.push_str(&format!(
            "    /// Docs for {name}, which does something with every task in the set.\n    pub fn {name}(&mut self) -> usize {{\n        let n = self.inner.len();\n        n + n * 2 - 1 + self.inner.capacity()\n    }}\n\n"
        ));
    }
    src.push_str("}\n");
    let chunks = chunker(128).chunk("tokio/src/task/join_set.rs", Language::Rust, &src);
    check_invariants("tokio/src/task/join_set.rs", &src, &chunks);
    let abort = by_symbol(&chunks, "abort_all");
    assert_eq!(abort.scope.as_deref(), Some("impl<T> JoinSet<T>"));
    assert_eq!(abort.kind, ChunkKind::Method);
    assert_eq!(
        abort.qualified_symbol().as_deref(),
        Some("JoinSet::abort_all")
    );
    assert!(abort.content.starts_with("    /// Docs for abort_all"));
    assert!(abort
        .embed_text
        .starts_with("path: tokio/src/task/join_set.rs\nscope: impl<T> JoinSet<T>\n    /// Docs"));
    // The closing brace does not become a chunk of its own.
    assert!(
        chunks.iter().all(|c| c.content.trim() != "}"),
        "{:#?}",
        summary(&chunks)
    );
}

#[test]
fn comment_separated_by_code_is_not_attached() {
    // `a` is big enough to stand alone, so only comment attachment could pull it in.
    let src = "let a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]; // trailing note\nfunction f() {\n  return a + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12;\n}\n";
    let chunks = chunker(384).chunk("a.js", Language::JavaScript, src);
    check_invariants("a.js", src, &chunks);
    let f = by_symbol(&chunks, "f");
    assert!(!f.content.contains("let a"), "{:#?}", summary(&chunks));
}

#[test]
fn ids_are_stable_and_unique_for_repeated_content() {
    let body = "def f():\n    return 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16\n";
    let src = &format!("{body}\n\n{body}");
    let c = chunker(384);
    let a = c.chunk("x.py", Language::Python, src);
    let b = c.chunk("x.py", Language::Python, src);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].content, a[1].content);
    assert_ne!(a[0].id, a[1].id);
    assert_eq!(
        a.iter().map(|c| &c.id).collect::<Vec<_>>(),
        b.iter().map(|c| &c.id).collect::<Vec<_>>()
    );
    let other = c.chunk("y.py", Language::Python, src);
    assert_ne!(a[0].id, other[0].id);
}

#[test]
fn badly_broken_code_falls_back_to_windows_mild_errors_do_not() {
    let garbage = "}}}} ]] ))) fn fn fn <<< >>> ;;; @@ \n".repeat(30);
    let chunks = chunker(384).chunk("g.rs", Language::Rust, &garbage);
    check_invariants("g.rs", &garbage, &chunks);
    assert!(chunks.iter().all(|c| c.kind == ChunkKind::Window));

    let mild = "fn ok() -> u32 {\n    let x = 1 +;\n    x * 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10\n}\n\nfn fine() -> u32 {\n    42 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9\n}\n";
    let chunks = chunker(384).chunk("m.rs", Language::Rust, mild);
    check_invariants("m.rs", mild, &chunks);
    assert_eq!(by_symbol(&chunks, "fine").kind, ChunkKind::Function);
}

#[test]
fn very_long_line_is_cut_under_the_budget() {
    let line = "var a=function(b){return b+1};".repeat(8000);
    for lang in [Language::JavaScript, Language::Text, Language::Json] {
        let chunks = chunker(256).chunk("min.js", lang, &line);
        check_invariants("min.js", &line, &chunks);
        assert!(chunks.len() > 10);
        assert!(
            chunks
                .iter()
                .all(|c| EstimateCounter.count(&c.embed_text) <= 256),
            "{lang}"
        );
    }
    let word = "x".repeat(100_000);
    let chunks = chunker(64).chunk("w.txt", Language::Text, &word);
    check_invariants("w.txt", &word, &chunks);
    assert!(chunks
        .iter()
        .all(|c| EstimateCounter.count(&c.embed_text) <= 64));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let rust = format!(
        "fn f() {{ let x = {}1{}; }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let python = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let mut nested_blocks = String::new();
    for i in 0..3000 {
        nested_blocks.push_str(&format!("{}if (a{i}) {{\n", " ".repeat(i % 40)));
    }
    nested_blocks.push_str(&"}\n".repeat(3000));
    // Run on a thread with a small stack to prove traversal depth is bounded.
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let c = chunker(384);
            for (lang, src) in [
                (Language::Rust, &rust),
                (Language::Python, &python),
                (Language::C, &nested_blocks),
                (Language::JavaScript, &nested_blocks),
            ] {
                let chunks = c.chunk("deep", lang, src);
                check_invariants("deep", src, &chunks);
            }
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn crlf_sources_keep_exact_bytes() {
    let src = "/// Doc.\r\nfn a() -> u32 {\r\n    1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12\r\n}\r\n\r\n# Not markdown\r\n";
    let chunks = chunker(384).chunk("c.rs", Language::Rust, src);
    check_invariants("c.rs", src, &chunks);
    let md = "# A\r\n\r\ntext\r\n\r\n## B\r\n\r\nmore\r\n";
    let chunks = chunker(384).chunk("c.md", Language::Markdown, md);
    check_invariants("c.md", md, &chunks);
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[1].scope.as_deref(), Some("A"));
    assert_eq!(chunks[1].symbol.as_deref(), Some("B"));
}

#[test]
fn big_markdown_section_splits_by_paragraph() {
    let mut src = String::from("# Guide\n\n## Big\n\n");
    for i in 0..30 {
        src.push_str(&format!("Paragraph {i} explains one more detail of the system in a few words.\nIt has a second line.\n\n"));
    }
    src.push_str("```rust\n# fn hidden() {}\nfn shown() {}\n```\n");
    let chunks = chunker(128).chunk("g.md", Language::Markdown, &src);
    check_invariants("g.md", &src, &chunks);
    assert!(chunks.len() > 3);
    for c in &chunks {
        assert_eq!(c.symbol.as_deref(), Some("Big"));
        assert_eq!(c.scope.as_deref(), Some("Guide"));
        assert!(c
            .embed_text
            .starts_with("path: g.md\nsection: Guide > Big\n"));
        // Cuts fall between paragraphs: no chunk ends on a paragraph's first line.
        assert!(!c.content.ends_with("in a few words."), "{}", c.content);
        assert!(EstimateCounter.count(&c.embed_text) <= 128);
    }
}

#[test]
fn preamble_and_windows() {
    let src = "Intro before any heading.\n\n# Title\n\nBody.\n";
    let chunks = chunker(384).chunk("p.md", Language::Markdown, src);
    assert_eq!(chunks.len(), 2);
    assert_eq!(
        (chunks[0].symbol.as_deref(), chunks[0].kind),
        (None, ChunkKind::Section)
    );
    let yaml = (0..400)
        .map(|i| format!("key{i}: value {i}\n"))
        .collect::<String>();
    let chunks = chunker(128).chunk("c.yaml", Language::Yaml, &yaml);
    check_invariants("c.yaml", &yaml, &chunks);
    assert!(chunks.len() > 5 && chunks.iter().all(|c| c.kind == ChunkKind::Window));
}

#[test]
fn pathological_parse_gives_up_and_uses_windows() {
    // Found by the property test: the TSX grammar spent ~7 minutes on these
    // 216 bytes. The parse deadline turns that into a line-window fallback.
    let src = common::fixture("pathological.tsx");
    let chunks = chunker(384).chunk("p.tsx", Language::Tsx, &src);
    check_invariants("p.tsx", &src, &chunks);
    assert!(chunks.iter().all(|c| c.kind == ChunkKind::Window));
}
