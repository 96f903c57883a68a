//! Python: functions and classes (decorators included), docstrings stay in
//! their function because they are part of its body.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_python::LANGUAGE.into(),
    defs: &[
        ("function_definition", ChunkKind::Function),
        ("class_definition", ChunkKind::Class),
    ],
    containers: &[("class_definition", "class")],
    wrappers: &["decorated_definition"],
    transparent: &[],
    attachable: &["comment"],
    refine: None,
    name: None,
    item_macros: None,
};
