//! Scala: classes, objects, traits and enums as containers, defs.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_scala::LANGUAGE.into(),
    defs: &[
        ("class_definition", ChunkKind::Class),
        ("object_definition", ChunkKind::Class),
        ("trait_definition", ChunkKind::Trait),
        ("enum_definition", ChunkKind::Enum),
        ("function_definition", ChunkKind::Function),
        ("function_declaration", ChunkKind::Function),
        ("type_definition", ChunkKind::Type),
    ],
    containers: &[
        ("class_definition", "class"),
        ("object_definition", "object"),
        ("trait_definition", "trait"),
        ("enum_definition", "enum"),
    ],
    wrappers: &[],
    transparent: &[],
    attachable: &["comment", "block_comment"],
    refine: None,
    name: None,
    item_macros: None,
};
