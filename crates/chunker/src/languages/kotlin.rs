//! Kotlin: classes, interfaces, objects as containers, functions.

use super::{LangSpec, Refined};
use crate::ChunkKind;
use tree_sitter::Node;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_kotlin_ng::LANGUAGE.into(),
    defs: &[
        ("class_declaration", ChunkKind::Class),
        ("object_declaration", ChunkKind::Class),
        ("companion_object", ChunkKind::Class),
        ("function_declaration", ChunkKind::Function),
        ("secondary_constructor", ChunkKind::Method),
        ("type_alias", ChunkKind::Type),
    ],
    containers: &[
        ("class_declaration", "class"),
        ("object_declaration", "object"),
        ("companion_object", "companion object"),
    ],
    wrappers: &[],
    transparent: &[],
    attachable: &["line_comment", "block_comment", "comment"],
    refine: Some(refine),
    name: None,
    item_macros: None,
};

/// `interface Foo` and `enum class Foo` are `class_declaration`s too.
fn refine(node: Node, src: &str) -> Option<Refined> {
    if node.kind() != "class_declaration" {
        return None;
    }
    let head = src.get(node.start_byte()..node.end_byte())?;
    let head = head.split(['{', '(']).next().unwrap_or(head);
    let words: Vec<&str> = head.split_whitespace().collect();
    let (kind, keyword) = if words.contains(&"interface") {
        (ChunkKind::Interface, "interface")
    } else if words.contains(&"enum") {
        (ChunkKind::Enum, "enum class")
    } else {
        (ChunkKind::Class, "class")
    };
    let name = super::default_name(node, src);
    Some(Refined {
        kind,
        name,
        scope: None,
        container: Some(keyword),
    })
}
