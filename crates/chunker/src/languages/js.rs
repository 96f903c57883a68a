//! JavaScript, TypeScript and TSX: functions, classes, methods, interfaces,
//! type aliases, enums, namespaces; `export`/`declare` wrap a definition and
//! `const f = () => {}` counts as a function.

use super::{text, LangSpec, Refined};
use crate::ChunkKind;
use tree_sitter::Node;

const DEFS: &[(&str, ChunkKind)] = &[
    ("function_declaration", ChunkKind::Function),
    ("generator_function_declaration", ChunkKind::Function),
    ("function_signature", ChunkKind::Function),
    ("class_declaration", ChunkKind::Class),
    ("abstract_class_declaration", ChunkKind::Class),
    ("method_definition", ChunkKind::Method),
    ("method_signature", ChunkKind::Method),
    ("abstract_method_signature", ChunkKind::Method),
    ("interface_declaration", ChunkKind::Interface),
    ("type_alias_declaration", ChunkKind::Type),
    ("enum_declaration", ChunkKind::Enum),
    ("internal_module", ChunkKind::Module),
    ("module", ChunkKind::Module),
];

const CONTAINERS: &[(&str, &str)] = &[
    ("class_declaration", "class"),
    ("abstract_class_declaration", "class"),
    ("class", "class"),
    ("interface_declaration", "interface"),
    ("internal_module", "namespace"),
    ("module", "module"),
];

const WRAPPERS: &[&str] = &["export_statement", "ambient_declaration"];
const ATTACHABLE: &[&str] = &["comment", "decorator"];

pub(crate) static JAVASCRIPT: LangSpec = LangSpec {
    grammar: || tree_sitter_javascript::LANGUAGE.into(),
    defs: DEFS,
    containers: CONTAINERS,
    wrappers: WRAPPERS,
    transparent: &[],
    attachable: ATTACHABLE,
    refine: Some(refine),
    name: None,
    item_macros: None,
};

pub(crate) static TYPESCRIPT: LangSpec = LangSpec {
    grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
    defs: DEFS,
    containers: CONTAINERS,
    wrappers: WRAPPERS,
    transparent: &[],
    attachable: ATTACHABLE,
    refine: Some(refine),
    name: None,
    item_macros: None,
};

pub(crate) static TSX: LangSpec = LangSpec {
    grammar: || tree_sitter_typescript::LANGUAGE_TSX.into(),
    defs: DEFS,
    containers: CONTAINERS,
    wrappers: WRAPPERS,
    transparent: &[],
    attachable: ATTACHABLE,
    refine: Some(refine),
    name: None,
    item_macros: None,
};

/// `const handler = async (req) => { ... }` and `let Foo = class { ... }`.
fn refine(node: Node, src: &str) -> Option<Refined> {
    if node.kind() != "lexical_declaration" && node.kind() != "variable_declaration" {
        return None;
    }
    let mut cursor = node.walk();
    let declarators: Vec<Node> = node
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "variable_declarator")
        .collect();
    let [declarator] = declarators.as_slice() else {
        return None;
    };
    let value = declarator.child_by_field_name("value")?;
    let (kind, container) = match value.kind() {
        "arrow_function" | "function_expression" | "function" | "generator_function" => {
            (ChunkKind::Function, None)
        }
        "class" => (ChunkKind::Class, Some("class")),
        _ => return None,
    };
    let name = declarator
        .child_by_field_name("name")
        .map(|n| text(n, src).to_string());
    Some(Refined {
        kind,
        name,
        scope: None,
        container,
    })
}
