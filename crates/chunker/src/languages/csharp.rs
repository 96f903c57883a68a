//! C#: namespaces and types as containers, methods, constructors, properties.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_c_sharp::LANGUAGE.into(),
    defs: &[
        ("class_declaration", ChunkKind::Class),
        ("struct_declaration", ChunkKind::Struct),
        ("interface_declaration", ChunkKind::Interface),
        ("enum_declaration", ChunkKind::Enum),
        ("record_declaration", ChunkKind::Class),
        ("namespace_declaration", ChunkKind::Module),
        ("method_declaration", ChunkKind::Method),
        ("constructor_declaration", ChunkKind::Method),
        ("property_declaration", ChunkKind::Method),
        ("delegate_declaration", ChunkKind::Type),
    ],
    containers: &[
        ("class_declaration", "class"),
        ("struct_declaration", "struct"),
        ("interface_declaration", "interface"),
        ("record_declaration", "record"),
        ("namespace_declaration", "namespace"),
    ],
    wrappers: &[],
    transparent: &["file_scoped_namespace_declaration"],
    attachable: &["comment"],
    refine: None,
    name: None,
    item_macros: None,
};
