//! Go: functions, methods (scoped by receiver type) and type declarations.

use super::{text, LangSpec, Refined};
use crate::ChunkKind;
use tree_sitter::Node;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_go::LANGUAGE.into(),
    defs: &[
        ("function_declaration", ChunkKind::Function),
        ("method_declaration", ChunkKind::Method),
        ("type_declaration", ChunkKind::Type),
        ("const_declaration", ChunkKind::Constant),
    ],
    containers: &[],
    wrappers: &[],
    transparent: &[],
    attachable: &["comment"],
    refine: Some(refine),
    name: None,
    item_macros: None,
};

fn refine(node: Node, src: &str) -> Option<Refined> {
    match node.kind() {
        "method_declaration" => {
            let receiver = node.child_by_field_name("receiver")?;
            // `(s *Server[T])` -> `Server`
            let ty = text(receiver, src)
                .trim_matches(|c| c == '(' || c == ')')
                .split_whitespace()
                .last()
                .unwrap_or("")
                .trim_start_matches('*')
                .split('[')
                .next()
                .unwrap_or("")
                .to_string();
            let name = node
                .child_by_field_name("name")
                .map(|n| text(n, src).to_string());
            Some(Refined {
                kind: ChunkKind::Method,
                name,
                scope: (!ty.is_empty()).then_some(ty),
                container: None,
            })
        }
        "type_declaration" => {
            let mut cursor = node.walk();
            let spec = node
                .named_children(&mut cursor)
                .find(|c| c.kind() == "type_spec" || c.kind() == "type_alias")?;
            let name = spec
                .child_by_field_name("name")
                .map(|n| text(n, src).to_string());
            let kind = match spec.child_by_field_name("type").map(|t| t.kind()) {
                Some("struct_type") => ChunkKind::Struct,
                Some("interface_type") => ChunkKind::Interface,
                _ => ChunkKind::Type,
            };
            Some(Refined {
                kind,
                name,
                scope: None,
                container: None,
            })
        }
        "const_declaration" => {
            let mut cursor = node.walk();
            let spec = node
                .named_children(&mut cursor)
                .find(|c| c.kind() == "const_spec")?;
            let name = spec
                .child_by_field_name("name")
                .map(|n| text(n, src).to_string());
            Some(Refined {
                kind: ChunkKind::Constant,
                name,
                scope: None,
                container: None,
            })
        }
        _ => None,
    }
}
