//! Recognising definitions in a syntax tree and describing them: kind,
//! name, signature and the scope their members are chunked under.
//!
//! Kept apart from the packing in `code.rs`: what counts as a definition
//! is per-language table work, how units become chunks is not.

use crate::code::Ctx;
use crate::languages::{default_name, HEADER_SCOPE};
use crate::span::Meta;
use crate::ChunkKind;
use tree_sitter::Node;

/// Longest signature kept, in chars.
const SIGNATURE_MAX: usize = 160;

/// Node kinds that hold the members or statements of a definition when it
/// has no `body` field.
const BODY_KINDS: &[&str] = &[
    "block",
    "body_statement",
    "class_body",
    "declaration_list",
    "field_declaration_list",
    "template_body",
    "enum_body",
    "enum_class_body",
    "interface_body",
    "protocol_body",
    "object_type",
    "statement_block",
    "compound_statement",
    "function_body",
    "indented_block",
];

/// A recognised definition.
pub(crate) struct Def<'t> {
    /// The node including wrappers (`export`, decorators, `template<>`).
    pub outer: Node<'t>,
    /// The definition itself (signature starts here).
    pub node: Node<'t>,
    pub kind: ChunkKind,
    pub name: Option<String>,
    /// Scope known from the definition itself (Go receiver, C++ `Foo::`).
    pub scope_hint: Option<String>,
    /// Container keyword when members are chunked separately.
    pub container: Option<&'static str>,
}

/// Recognises a definition, looking through wrapper nodes.
pub(crate) fn def_info<'t>(ctx: &Ctx, node: Node<'t>, depth: usize) -> Option<Def<'t>> {
    let spec = ctx.spec;
    if spec.wrappers.contains(&node.kind()) {
        if depth >= 3 {
            return None;
        }
        let mut cursor = node.walk();
        let inner = node
            .named_children(&mut cursor)
            .find_map(|c| def_info(ctx, c, depth + 1));
        return inner.map(|mut d| {
            d.outer = node;
            d
        });
    }
    let table_kind = spec
        .defs
        .iter()
        .find(|(k, _)| *k == node.kind())
        .map(|(_, c)| *c);
    let refined = spec.refine.and_then(|f| f(node, ctx.src));
    if table_kind.is_none() && refined.is_none() {
        return None;
    }
    let table_container = spec
        .containers
        .iter()
        .find(|(k, _)| *k == node.kind())
        .map(|(_, w)| *w);
    let (kind, name, scope_hint, container) = match refined {
        Some(r) => (r.kind, r.name, r.scope, r.container.or(table_container)),
        None => (
            table_kind.unwrap_or(ChunkKind::Block),
            None,
            None,
            table_container,
        ),
    };
    let name = name
        .or_else(|| spec.name.and_then(|f| f(node, ctx.src)))
        .or_else(|| default_name(node, ctx.src));
    Some(Def {
        outer: node,
        node,
        kind,
        name,
        scope_hint,
        container,
    })
}

/// The node holding a definition's members or statements.
pub(crate) fn find_body(node: Node) -> Option<Node> {
    if let Some(body) = node.child_by_field_name("body") {
        return Some(body);
    }
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .filter(|c| BODY_KINDS.contains(&c.kind()))
        .last();
    found
}

/// The definition's head up to its body, whitespace collapsed, e.g.
/// `pub fn abort_all(&mut self)`.
fn signature(ctx: &Ctx, node: Node) -> Option<String> {
    let start = node.start_byte();
    let first_line_end = ctx.lines.end(ctx.lines.line_of(start));
    let end = match find_body(node) {
        Some(body) if body.start_byte() > start => body.start_byte(),
        _ => first_line_end.max(start),
    };
    let head = ctx.src.get(start..end.min(node.end_byte()).max(start))?;
    let collapsed = head.split_whitespace().collect::<Vec<_>>().join(" ");
    let collapsed = collapsed.split(" where ").next().unwrap_or(&collapsed);
    let trimmed = collapsed.trim_end_matches(['{', ':', '=', ' ']).trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(match trimmed.char_indices().nth(SIGNATURE_MAX) {
        Some((i, _)) => format!("{}…", &trimmed[..i]),
        None => trimmed.to_string(),
    })
}

pub(crate) fn def_meta(ctx: &Ctx, def: &Def, scope: Option<&str>) -> Meta {
    let scope = scope.map(str::to_string).or_else(|| def.scope_hint.clone());
    let kind = if def.kind == ChunkKind::Function && scope.is_some() {
        ChunkKind::Method
    } else {
        def.kind
    };
    Meta {
        kind,
        symbol: def.name.clone(),
        scope,
        signature: signature(ctx, def.node),
        sig_start: Some(def.node.start_byte()),
        context: None,
    }
}

/// Scope of a container's members: `class Console`, `impl<T> JoinSet<T>`,
/// nested as `mod a > impl B`.
pub(crate) fn member_scope(ctx: &Ctx, def: &Def, keyword: &str, parent: Option<&str>) -> String {
    let own = if keyword == HEADER_SCOPE {
        let end = find_body(def.node).map_or(def.node.end_byte(), |b| b.start_byte());
        let head = ctx.src.get(def.node.start_byte()..end).unwrap_or("");
        let head = head.split_whitespace().collect::<Vec<_>>().join(" ");
        head.split(" where ").next().unwrap_or(&head).to_string()
    } else {
        match &def.name {
            Some(name) => format!("{keyword} {name}"),
            None => keyword.to_string(),
        }
    };
    match parent {
        Some(p) => format!("{p} > {own}"),
        None => own,
    }
}
