//! Per-language fixtures: symbol names, kinds, scopes, line ranges and doc
//! attachment. Budget 160 tokens so the container in each fixture is split
//! into its members while each member fits whole.

mod common;

use amanmcp_chunker::{ChunkKind, EstimateCounter, TokenCounter};
use amanmcp_scanner::Language;
use common::{by_symbol, check_invariants, chunker, fixture, summary};

/// (symbol, kind, scope, first line, last line)
type Expect = (&'static str, ChunkKind, Option<&'static str>, u32, u32);

fn check(file: &str, language: Language, expected: &[Expect]) {
    let source = fixture(file);
    let chunks = chunker(160).chunk(file, language, &source);
    check_invariants(file, &source, &chunks);
    for &(symbol, kind, scope, start, end) in expected {
        let c = by_symbol(&chunks, symbol);
        let got = (c.kind, c.scope.as_deref(), c.start_line, c.end_line);
        assert_eq!(
            got,
            (kind, scope, start, end),
            "{file} {symbol}: {:#?}",
            summary(&chunks)
        );
    }
    for c in &chunks {
        assert!(
            EstimateCounter.count(&c.embed_text) <= 160,
            "{file}: chunk over budget:\n{}",
            c.embed_text
        );
    }
}

#[test]
fn rust() {
    check(
        "sample.rs",
        Language::Rust,
        &[
            // Doc comment and derive attribute attach to the struct.
            ("Cache", ChunkKind::Struct, None, 7, 11),
            // `impl Cache {` header joins the first method; its doc comment too.
            ("insert", ChunkKind::Method, Some("impl Cache"), 13, 21),
            ("lookup", ChunkKind::Method, Some("impl Cache"), 23, 29),
        ],
    );
    let source = fixture("sample.rs");
    let chunks = chunker(160).chunk("sample.rs", Language::Rust, &source);
    let display = chunks
        .iter()
        .find(|c| c.kind == ChunkKind::Impl && c.start_line == 31)
        .unwrap();
    assert_eq!(
        display.signature.as_deref(),
        Some("impl fmt::Display for Cache")
    );
    let insert = by_symbol(&chunks, "insert");
    assert_eq!(
        insert.signature.as_deref(),
        Some("pub fn insert(&mut self, key: String, page: String) -> Option<String>")
    );
    assert_eq!(insert.qualified_symbol().as_deref(), Some("Cache::insert"));
    // With a smaller budget `render` is split in parts that all keep its
    // symbol and repeat the signature in the header after the first.
    let chunks = chunker(100).chunk("sample.rs", Language::Rust, &source);
    check_invariants("sample.rs", &source, &chunks);
    let parts: Vec<_> = chunks
        .iter()
        .filter(|c| c.symbol.as_deref() == Some("render"))
        .collect();
    assert!(parts.len() >= 2, "{:#?}", summary(&chunks));
    assert_eq!(parts[0].start_line, 37, "doc comment starts the first part");
    assert!(!parts[0].embed_text.contains("signature:"));
    assert!(parts[1]
        .embed_text
        .contains("signature: pub fn render(title: &str, body: &str) -> String\n"));
    assert_eq!(parts.last().unwrap().end_line, 46);
}

#[test]
fn python() {
    check(
        "sample.py",
        Language::Python,
        &[
            ("Cache", ChunkKind::Class, None, 7, 8),
            ("__init__", ChunkKind::Method, Some("class Cache"), 10, 11),
            // The decorator belongs to the method.
            ("insert", ChunkKind::Method, Some("class Cache"), 13, 20),
            ("lookup", ChunkKind::Method, Some("class Cache"), 22, 28),
            ("render", ChunkKind::Function, None, 31, 36),
        ],
    );
    let source = fixture("sample.py");
    let chunks = chunker(160).chunk("sample.py", Language::Python, &source);
    // Docstrings stay with their function.
    assert!(by_symbol(&chunks, "lookup")
        .content
        .contains("\"\"\"Looks a page up"));
    assert_eq!(
        by_symbol(&chunks, "render").signature.as_deref(),
        Some("def render(title, body)")
    );
}

#[test]
fn go() {
    check(
        "sample.go",
        Language::Go,
        &[
            ("Cache", ChunkKind::Struct, None, 10, 13),
            ("Insert", ChunkKind::Method, Some("Cache"), 15, 23),
            ("Render", ChunkKind::Function, None, 25, 33),
        ],
    );
}

#[test]
fn typescript_and_tsx() {
    let expected: &[Expect] = &[
        ("Cache", ChunkKind::Class, None, 5, 7),
        ("insert", ChunkKind::Method, Some("class Cache"), 9, 17),
        ("lookup", ChunkKind::Method, Some("class Cache"), 19, 26),
        ("Renderer", ChunkKind::Interface, None, 28, 30),
        // `export const render = (...) => {}` is a function.
        ("render", ChunkKind::Function, None, 32, 37),
    ];
    check("sample.ts", Language::TypeScript, expected);
    check("sample.tsx", Language::Tsx, expected);
    check(
        "sample.tsx",
        Language::Tsx,
        &[("Page", ChunkKind::Function, None, 39, 41)],
    );
}

#[test]
fn javascript() {
    check(
        "sample.js",
        Language::JavaScript,
        &[
            ("constructor", ChunkKind::Method, Some("class Cache"), 7, 9),
            ("insert", ChunkKind::Method, Some("class Cache"), 11, 19),
            ("render", ChunkKind::Function, None, 30, 35),
        ],
    );
}

#[test]
fn java() {
    check(
        "Sample.java",
        Language::Java,
        &[
            ("Cache", ChunkKind::Class, None, 6, 9),
            // Javadoc above, annotation inside the declaration.
            ("insert", ChunkKind::Method, Some("class Cache"), 11, 19),
            ("lookup", ChunkKind::Method, Some("class Cache"), 21, 30),
        ],
    );
}

#[test]
fn c() {
    check(
        "sample.c",
        Language::C,
        &[
            ("cache", ChunkKind::Struct, None, 6, 10),
            ("cache_insert", ChunkKind::Function, None, 12, 21),
            ("render", ChunkKind::Function, None, 23, 29),
        ],
    );
}

#[test]
fn cpp() {
    check(
        "sample.cpp",
        Language::Cpp,
        &[
            (
                "insert",
                ChunkKind::Method,
                Some("namespace demo > class Cache"),
                9,
                17,
            ),
            ("demo_lookup", ChunkKind::Function, None, 26, 32),
        ],
    );
}

#[test]
fn csharp() {
    check(
        "sample.cs",
        Language::CSharp,
        &[
            (
                "Insert",
                ChunkKind::Method,
                Some("namespace Demo.Caching > class Cache"),
                12,
                22,
            ),
            (
                "Lookup",
                ChunkKind::Method,
                Some("namespace Demo.Caching > class Cache"),
                24,
                32,
            ),
        ],
    );
}

#[test]
fn ruby() {
    check(
        "sample.rb",
        Language::Ruby,
        &[
            // `class Cache` and its comment are tiny and adjacent: they join the first method.
            ("initialize", ChunkKind::Method, Some("class Cache"), 5, 9),
            ("insert", ChunkKind::Method, Some("class Cache"), 11, 17),
            ("render", ChunkKind::Function, None, 28, 31),
        ],
    );
}

#[test]
fn php() {
    check(
        "sample.php",
        Language::Php,
        &[
            ("insert", ChunkKind::Method, Some("class Cache"), 12, 21),
            ("lookup", ChunkKind::Method, Some("class Cache"), 23, 33),
            ("render", ChunkKind::Function, None, 35, 39),
        ],
    );
}

#[test]
fn kotlin() {
    check(
        "sample.kt",
        Language::Kotlin,
        &[
            ("insert", ChunkKind::Method, Some("class Cache"), 11, 18),
            ("lookup", ChunkKind::Method, Some("class Cache"), 20, 26),
            ("render", ChunkKind::Function, None, 28, 31),
        ],
    );
}

#[test]
fn swift() {
    check(
        "sample.swift",
        Language::Swift,
        &[
            ("Cache", ChunkKind::Struct, None, 5, 7),
            ("insert", ChunkKind::Method, Some("struct Cache"), 9, 17),
            ("lookup", ChunkKind::Method, Some("struct Cache"), 19, 25),
            ("render", ChunkKind::Function, None, 27, 30),
        ],
    );
}

#[test]
fn scala() {
    check(
        "sample.scala",
        Language::Scala,
        &[
            ("insert", ChunkKind::Method, Some("class Cache"), 10, 18),
            ("lookup", ChunkKind::Method, Some("class Cache"), 20, 25),
            ("Render", ChunkKind::Class, None, 27, 31),
        ],
    );
}

#[test]
fn bash() {
    check(
        "sample.sh",
        Language::Bash,
        &[
            ("cache_insert", ChunkKind::Function, None, 6, 13),
            ("render", ChunkKind::Function, None, 15, 18),
        ],
    );
}

#[test]
fn markdown_sections() {
    let source = fixture("sample.md");
    let chunks = chunker(160).chunk("sample.md", Language::Markdown, &source);
    check_invariants("sample.md", &source, &chunks);
    let got: Vec<_> = chunks
        .iter()
        .map(|c| {
            (
                c.kind,
                c.symbol.as_deref(),
                c.scope.as_deref(),
                c.start_line,
                c.end_line,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (ChunkKind::Section, Some("Cache Guide"), None, 1, 3),
            // `# not a heading` inside the fence stays in Install.
            (
                ChunkKind::Section,
                Some("Install"),
                Some("Cache Guide"),
                5,
                12
            ),
            // Heading-only `## Usage` merges into its first subsection.
            (
                ChunkKind::Section,
                Some("Insert"),
                Some("Cache Guide > Usage"),
                14,
                18
            ),
            (
                ChunkKind::Section,
                Some("Lookup"),
                Some("Cache Guide > Usage"),
                20,
                22
            ),
            (ChunkKind::Section, Some("Setext Title"), None, 24, 27),
        ]
    );
    assert!(chunks[3]
        .embed_text
        .starts_with("path: sample.md\nsection: Cache Guide > Usage > Lookup\n"));
}

#[test]
fn data_files_use_windows() {
    let source = fixture("sample.toml");
    let chunks = chunker(384).chunk("sample.toml", Language::Toml, &source);
    check_invariants("sample.toml", &source, &chunks);
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        (chunks[0].kind, chunks[0].start_line, chunks[0].end_line),
        (ChunkKind::Window, 1, 6)
    );
    assert_eq!(chunks[0].symbol, None);
}
