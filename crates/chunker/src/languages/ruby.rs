//! Ruby: classes and modules as containers, methods.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_ruby::LANGUAGE.into(),
    defs: &[
        ("class", ChunkKind::Class),
        ("module", ChunkKind::Module),
        ("method", ChunkKind::Function),
        ("singleton_method", ChunkKind::Method),
    ],
    containers: &[("class", "class"), ("module", "module")],
    wrappers: &[],
    transparent: &[],
    attachable: &["comment"],
    refine: None,
    name: None,
    item_macros: None,
};
