//! C and C++: functions (name found through the declarator chain), structs,
//! unions, enums, typedefs; C++ classes and namespaces as containers and
//! out-of-class `Foo::bar` definitions scoped to `Foo`.

use super::{text, LangSpec, Refined};
use crate::ChunkKind;
use tree_sitter::Node;

const TRANSPARENT: &[&str] = &[
    "preproc_if",
    "preproc_ifdef",
    "preproc_else",
    "preproc_elif",
    "preproc_elifdef",
    "linkage_specification",
    "declaration_list",
];

pub(crate) static C: LangSpec = LangSpec {
    grammar: || tree_sitter_c::LANGUAGE.into(),
    defs: &[
        ("function_definition", ChunkKind::Function),
        ("struct_specifier", ChunkKind::Struct),
        ("union_specifier", ChunkKind::Struct),
        ("enum_specifier", ChunkKind::Enum),
        ("type_definition", ChunkKind::Type),
    ],
    containers: &[],
    wrappers: &[],
    transparent: TRANSPARENT,
    attachable: &["comment"],
    refine: Some(refine),
    name: None,
    item_macros: None,
};

pub(crate) static CPP: LangSpec = LangSpec {
    grammar: || tree_sitter_cpp::LANGUAGE.into(),
    defs: &[
        ("function_definition", ChunkKind::Function),
        ("class_specifier", ChunkKind::Class),
        ("struct_specifier", ChunkKind::Struct),
        ("union_specifier", ChunkKind::Struct),
        ("enum_specifier", ChunkKind::Enum),
        ("type_definition", ChunkKind::Type),
        ("alias_declaration", ChunkKind::Type),
        ("namespace_definition", ChunkKind::Module),
        ("concept_definition", ChunkKind::Type),
    ],
    containers: &[
        ("class_specifier", "class"),
        ("struct_specifier", "struct"),
        ("namespace_definition", "namespace"),
    ],
    wrappers: &["template_declaration"],
    transparent: TRANSPARENT,
    attachable: &["comment"],
    refine: Some(refine),
    name: None,
    item_macros: None,
};

fn refine(node: Node, src: &str) -> Option<Refined> {
    match node.kind() {
        "function_definition" => {
            let full = declarator_name(node, src)?;
            let (scope, name) = match full.rsplit_once("::") {
                Some((scope, name)) => (Some(scope.to_string()), name.to_string()),
                None => (None, full),
            };
            Some(Refined {
                kind: ChunkKind::Function,
                name: Some(name),
                scope,
                container: None,
            })
        }
        "type_definition" => {
            let name = declarator_name(node, src);
            Some(Refined {
                kind: ChunkKind::Type,
                name,
                scope: None,
                container: None,
            })
        }
        _ => None,
    }
}

/// Follows `declarator` fields (pointer, function, reference declarators)
/// down to the declared name.
fn declarator_name(node: Node, src: &str) -> Option<String> {
    let mut current = node.child_by_field_name("declarator")?;
    for _ in 0..16 {
        match current.kind() {
            "identifier"
            | "field_identifier"
            | "type_identifier"
            | "qualified_identifier"
            | "destructor_name"
            | "operator_name"
            | "primitive_type" => {
                return Some(
                    text(current, src)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            _ => {
                current = current
                    .child_by_field_name("declarator")
                    .or_else(|| current.named_child(0))?
            }
        }
    }
    None
}
