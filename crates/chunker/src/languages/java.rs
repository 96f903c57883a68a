//! Java: types as containers, methods and constructors; annotations are
//! part of the declaration's modifiers, Javadoc attaches from above.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_java::LANGUAGE.into(),
    defs: &[
        ("class_declaration", ChunkKind::Class),
        ("interface_declaration", ChunkKind::Interface),
        ("enum_declaration", ChunkKind::Enum),
        ("record_declaration", ChunkKind::Class),
        ("annotation_type_declaration", ChunkKind::Interface),
        ("method_declaration", ChunkKind::Method),
        ("constructor_declaration", ChunkKind::Method),
    ],
    containers: &[
        ("class_declaration", "class"),
        ("interface_declaration", "interface"),
        ("enum_declaration", "enum"),
        ("record_declaration", "record"),
    ],
    wrappers: &[],
    transparent: &["enum_body_declarations"],
    attachable: &["line_comment", "block_comment"],
    refine: None,
    name: None,
    item_macros: None,
};
