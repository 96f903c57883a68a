//! Swift: `class_declaration` covers class/struct/enum/extension/actor;
//! protocols, functions, initializers.

use super::{text, LangSpec, Refined};
use crate::ChunkKind;
use tree_sitter::Node;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_swift::LANGUAGE.into(),
    defs: &[
        ("class_declaration", ChunkKind::Class),
        ("protocol_declaration", ChunkKind::Interface),
        ("function_declaration", ChunkKind::Function),
        ("protocol_function_declaration", ChunkKind::Method),
        ("init_declaration", ChunkKind::Method),
        ("deinit_declaration", ChunkKind::Method),
        ("typealias_declaration", ChunkKind::Type),
    ],
    containers: &[
        ("class_declaration", "class"),
        ("protocol_declaration", "protocol"),
    ],
    wrappers: &[],
    transparent: &[],
    attachable: &["comment", "multiline_comment"],
    refine: Some(refine),
    name: Some(name),
    item_macros: None,
};

fn refine(node: Node, src: &str) -> Option<Refined> {
    if node.kind() != "class_declaration" {
        return None;
    }
    let decl = node
        .child_by_field_name("declaration_kind")
        .map(|k| text(k, src))
        .unwrap_or("class");
    let (kind, keyword) = match decl {
        "struct" => (ChunkKind::Struct, "struct"),
        "enum" => (ChunkKind::Enum, "enum"),
        "extension" => (ChunkKind::Impl, "extension"),
        "actor" => (ChunkKind::Class, "actor"),
        _ => (ChunkKind::Class, "class"),
    };
    Some(Refined {
        kind,
        name: name(node, src),
        scope: None,
        container: Some(keyword),
    })
}

fn name(node: Node, src: &str) -> Option<String> {
    match node.kind() {
        "init_declaration" => Some("init".to_string()),
        "deinit_declaration" => Some("deinit".to_string()),
        _ => {
            let n = node.child_by_field_name("name")?;
            let t = text(n, src).trim();
            (!t.is_empty()).then(|| t.to_string())
        }
    }
}
