//! PHP: namespaces and types as containers, functions and methods.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_php::LANGUAGE_PHP.into(),
    defs: &[
        ("function_definition", ChunkKind::Function),
        ("class_declaration", ChunkKind::Class),
        ("interface_declaration", ChunkKind::Interface),
        ("trait_declaration", ChunkKind::Trait),
        ("enum_declaration", ChunkKind::Enum),
        ("method_declaration", ChunkKind::Method),
        ("namespace_definition", ChunkKind::Module),
    ],
    containers: &[
        ("class_declaration", "class"),
        ("interface_declaration", "interface"),
        ("trait_declaration", "trait"),
        ("enum_declaration", "enum"),
        ("namespace_definition", "namespace"),
    ],
    wrappers: &[],
    transparent: &[],
    attachable: &["comment", "attribute_list"],
    refine: None,
    name: None,
    item_macros: None,
};
