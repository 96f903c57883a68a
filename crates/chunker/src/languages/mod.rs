//! Per-language knowledge: which tree-sitter node kinds are definitions,
//! which of them contain further definitions (and how their scope reads),
//! which wrap a definition (`export`, decorators, templates), and which
//! precede one as doc comments or attributes. The chunking algorithm in
//! `crate::code` is generic over this table.

use crate::ChunkKind;
use amanmcp_scanner::Language;
use tree_sitter::Node;

mod bash;
mod c_family;
mod csharp;
mod go;
mod java;
mod js;
mod kotlin;
mod php;
mod python;
mod ruby;
mod rust;
mod scala;
mod swift;

/// Grammar plus node-kind tables for one language.
pub(crate) struct LangSpec {
    pub grammar: fn() -> tree_sitter::Language,
    /// Node kinds that are definitions, and the chunk kind they produce.
    pub defs: &'static [(&'static str, ChunkKind)],
    /// Definition kinds whose body holds member definitions, with the
    /// keyword used in the scope of members (`class Console`).
    pub containers: &'static [(&'static str, &'static str)],
    /// Nodes that wrap one definition (`export_statement`, `decorated_definition`).
    pub wrappers: &'static [&'static str],
    /// Nodes whose children are chunked as if they were siblings
    /// (`#ifdef` blocks, `extern "C" { }`, file-scoped namespaces).
    pub transparent: &'static [&'static str],
    /// Comments and attributes that attach to the definition right below them.
    pub attachable: &'static [&'static str],
    /// Language-specific recognition that the tables cannot express
    /// (JS `const f = () => {}`, Swift `class_declaration` that is a struct).
    pub refine: Option<fn(Node, &str) -> Option<Refined>>,
    /// Name of a definition when the `name` field does not give it.
    pub name: Option<fn(Node, &str) -> Option<String>>,
    /// Macro invocations whose bodies may hold definitions (Rust
    /// `cfg_rt! { … }`), unwrapped before chunking; see `crate::unwrap`.
    pub item_macros: Option<crate::unwrap::FindMacros>,
}

/// What a language hook says about a node.
pub(crate) struct Refined {
    pub kind: ChunkKind,
    pub name: Option<String>,
    /// Scope for a definition outside any container, e.g. a Go method's receiver type.
    pub scope: Option<String>,
    /// Container keyword if the node's members should be chunked separately.
    pub container: Option<&'static str>,
}

/// Container keyword meaning "use the definition's header text (up to its
/// body) as the scope", for Rust `impl<T> Drop for JoinSet<T>`.
pub(crate) const HEADER_SCOPE: &str = "<header>";

/// The spec for a language parsed with tree-sitter, `None` for the rest.
pub(crate) fn spec(language: Language) -> Option<&'static LangSpec> {
    Some(match language {
        Language::Rust => &rust::SPEC,
        Language::Python => &python::SPEC,
        Language::Go => &go::SPEC,
        Language::TypeScript => &js::TYPESCRIPT,
        Language::Tsx => &js::TSX,
        Language::JavaScript => &js::JAVASCRIPT,
        Language::Java => &java::SPEC,
        Language::C => &c_family::C,
        Language::Cpp => &c_family::CPP,
        Language::CSharp => &csharp::SPEC,
        Language::Ruby => &ruby::SPEC,
        Language::Php => &php::SPEC,
        Language::Kotlin => &kotlin::SPEC,
        Language::Swift => &swift::SPEC,
        Language::Scala => &scala::SPEC,
        Language::Bash => &bash::SPEC,
        Language::Markdown | Language::Toml | Language::Yaml | Language::Json | Language::Text => {
            return None
        }
    })
}

/// Languages chunked by syntax tree.
pub(crate) const TREE_SITTER_LANGUAGES: [Language; 16] = [
    Language::Rust,
    Language::Python,
    Language::Go,
    Language::TypeScript,
    Language::Tsx,
    Language::JavaScript,
    Language::Java,
    Language::C,
    Language::Cpp,
    Language::CSharp,
    Language::Ruby,
    Language::Php,
    Language::Kotlin,
    Language::Swift,
    Language::Scala,
    Language::Bash,
];

/// Source text of a node ("" if the range is not valid UTF-8 boundaries).
pub(crate) fn text<'s>(node: Node, src: &'s str) -> &'s str {
    src.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// Text of the `name` field, else of the first identifier-like named child.
pub(crate) fn default_name(node: Node, src: &str) -> Option<String> {
    if let Some(name) = node.child_by_field_name("name") {
        let t = text(name, src).trim();
        if !t.is_empty() {
            return Some(t.to_string());
        }
    }
    let mut cursor = node.walk();
    let found = node.named_children(&mut cursor).find(|c| {
        matches!(
            c.kind(),
            "identifier" | "type_identifier" | "simple_identifier" | "constant" | "name" | "word"
        )
    });
    found
        .map(|c| text(c, src).trim().to_string())
        .filter(|s| !s.is_empty())
}
