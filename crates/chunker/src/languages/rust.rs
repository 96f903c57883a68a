//! Rust: items, `impl`/`trait`/`mod` blocks as containers, `#[attr]` and
//! `///` comments attached to the item below.

use super::{text, LangSpec, Refined, HEADER_SCOPE};
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
