//! Bash: function definitions; the rest is top-level script code.

use super::LangSpec;
use crate::ChunkKind;

pub(crate) static SPEC: LangSpec = LangSpec {
    grammar: || tree_sitter_bash::LANGUAGE.into(),
    defs: &[("function_definition", ChunkKind::Function)],
    containers: &[],
    wrappers: &[],
    transparent: &[],
    attachable: &["comment"],
    refine: None,
    name: None,
    item_macros: None,
};
