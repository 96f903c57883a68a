//! Rust: items, `impl`/`trait`/`mod` blocks as containers, `#[attr]` and
//! `///` comments attached to the item below.

use super::{text, LangSpec, Refined, HEADER_SCOPE};
use crate::unwrap::MacroBody;
use crate::ChunkKind;
use tree_sitter::Node;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_rust::LANGUAGE.into(),
    defs: &[
        ("function_item", ChunkKind::Function),
        ("function_signature_item", ChunkKind::Function),
        ("struct_item", ChunkKind::Struct),
        ("enum_item", ChunkKind::Enum),
        ("union_item", ChunkKind::Struct),
        ("trait_item", ChunkKind::Trait),
        ("impl_item", ChunkKind::Impl),
        ("mod_item", ChunkKind::Module),
        ("type_item", ChunkKind::Type),
        ("const_item", ChunkKind::Constant),
        ("static_item", ChunkKind::Constant),
        ("macro_definition", ChunkKind::Function),
    ],
    containers: &[("trait_item", "trait"), ("mod_item", "mod")],
    wrappers: &[],
    transparent: &[],
    attachable: &["line_comment", "block_comment", "attribute_item"],
    refine: Some(refine),
    name: None,
    item_macros: Some(item_macros),
};

/// `impl` blocks: the scope of members is the header
/// (`impl<T> Drop for JoinSet<T>`), the symbol the implementing type.
fn refine(node: Node, src: &str) -> Option<Refined> {
    if node.kind() != "impl_item" {
        return None;
    }
    let name = node
        .child_by_field_name("type")
        .map(|t| {
            text(t, src)
                .split('<')
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .filter(|s| !s.is_empty());
    Some(Refined {
        kind: ChunkKind::Impl,
        name,
        scope: None,
        container: Some(HEADER_SCOPE),
    })
}

/// Macro invocations in item position (the file, or an `impl`/`trait`/`mod`
/// body) with a `{ … }` body: `cfg_rt! { pub fn spawn… }`. Whether the body
/// really holds items is decided by parsing it (see `crate::unwrap`).
fn item_macros(root: Node, src: &str) -> Vec<MacroBody> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "macro_invocation" => {
                    if let Some(body) = brace_body(child, src) {
                        out.push(body);
                    }
                }
                // Item bodies that may hold further item macros.
                "impl_item" | "trait_item" | "mod_item" => {
                    if let Some(body) = child.child_by_field_name("body") {
                        stack.push(body);
                    }
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|m| m.outer);
    out
}

fn brace_body(node: Node, src: &str) -> Option<MacroBody> {
    let mut cursor = node.walk();
    let tt = node
        .children(&mut cursor)
        .find(|c| c.kind() == "token_tree")?;
    let (open, end) = (tt.start_byte(), tt.end_byte());
    let bytes = src.as_bytes();
    if end < open + 2 || bytes.get(open) != Some(&b'{') || bytes.get(end - 1) != Some(&b'}') {
        return None;
    }
    // `macro_rules!` is a definition, never an item list.
    if node
        .child_by_field_name("macro")
        .is_some_and(|m| text(m, src) == "macro_rules")
    {
        return None;
    }
    Some(MacroBody {
        outer: (node.start_byte(), node.end_byte()),
        head: (node.start_byte(), open + 1),
        close: (end - 1, end),
    })
}
