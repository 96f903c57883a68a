//! Symbol-aware chunking of a syntax tree, generic over [`LangSpec`].
//!
//! At each level (the file, then the body of an oversized container such as
//! an `impl` or a class) the children become units: definitions (with the
//! comments and attributes directly above them) and loose code. Units are
//! packed into chunks:
//! - a function or method, a definition of at least `small` tokens, or any
//!   container, is its own chunk (a tiny run of loose code before it, such
//!   as `impl Foo {`, is absorbed into it): a one-line accessor is still
//!   what a search for it should land on, with its own symbol;
//! - smaller definitions (constants, fields, type aliases) and loose code
//!   are merged up to the budget;
//! - an oversized container is chunked member by member with the container
//!   as scope; any other oversized unit is cut along its syntax children,
//!   then lines, each part keeping the definition's symbol and signature.
//!
//! Recursion is depth-limited, so pathological nesting cannot overflow the
//! stack: past the limit, units are cut by lines. What counts as a
//! definition, and its signature and scope, is `definition.rs`.

use crate::definition::{def_info, def_meta, find_body, member_scope, Def};
use crate::languages::LangSpec;
use crate::lines::Lines;
use crate::span::{Meta, Span};
use crate::window::{line_pieces, pack, Piece};
use crate::{ChunkKind, TokenCounter};
use tree_sitter::Node;

/// Deepest container nesting chunked member by member.
const MAX_LEVEL_DEPTH: usize = 6;
/// Deepest syntax recursion when cutting an oversized unit.
const MAX_SPLIT_DEPTH: usize = 12;
/// Deepest nesting of transparent nodes (`#ifdef` inside `#ifdef`).
const MAX_TRANSPARENT_DEPTH: usize = 4;
/// Loose code this small after a chunk is appended to it (a closing `}`).
const TRIVIAL_TOKENS: usize = 4;
/// Smallest content budget, whatever the header costs.
const MIN_BUDGET: usize = 16;
/// Everything the algorithm needs about the file being chunked.
pub(crate) struct Ctx<'a> {
    pub src: &'a str,
    pub lines: &'a Lines<'a>,
    pub spec: &'static LangSpec,
    pub counter: &'a dyn TokenCounter,
    pub budget: usize,
    /// Definitions below this many tokens are merged with neighbours.
    pub small: usize,
}

enum UnitKind<'t> {
    Def(Box<Def<'t>>),
    /// Code that is not a definition; the node (if any) guides splitting.
    Loose(Option<Node<'t>>),
}

/// A line range `a..=b` of one level.
struct Unit<'t> {
    a: usize,
    b: usize,
    tokens: usize,
    /// True when the node started on a line already covered (a trailing comment).
    clipped: bool,
    kind: UnitKind<'t>,
}

/// Chunks a parsed file.
pub(crate) fn chunk_tree(ctx: &Ctx, root: Node) -> Vec<Span> {
    let mut out = Vec::new();
    let children = children_of(root);
    let meta = Meta::plain(ChunkKind::Block);
    level(
        ctx,
        &children,
        0,
        ctx.lines.last(),
        None,
        &meta,
        0,
        &mut out,
    );
    out
}

fn children_of(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// First and last line of a node; a node ending at column 0 ends on the previous line.
fn node_lines(ctx: &Ctx, node: Node) -> (usize, usize) {
    let a = node.start_position().row;
    let end = node.end_position();
    let b = if end.column == 0 && end.row > a {
        end.row - 1
    } else {
        end.row
    };
    let last = ctx.lines.last();
    (a.min(last), b.min(last))
}

#[allow(clippy::too_many_arguments)]
fn level(
    ctx: &Ctx,
    children: &[Node],
    a: usize,
    b: usize,
    scope: Option<&str>,
    loose_meta: &Meta,
    depth: usize,
    out: &mut Vec<Span>,
) {
    let mut flat = Vec::with_capacity(children.len());
    flatten(ctx, children, 0, &mut flat);
    let units = build_units(ctx, &flat, a, b);
    pack_level(ctx, units, scope, loose_meta, depth, out);
}

/// Replaces transparent nodes (`#ifdef`, `extern "C"`) by their children.
fn flatten<'t>(ctx: &Ctx, nodes: &[Node<'t>], depth: usize, out: &mut Vec<Node<'t>>) {
    for &node in nodes {
        if depth < MAX_TRANSPARENT_DEPTH
            && ctx.spec.transparent.contains(&node.kind())
            && node.child_count() > 0
        {
            flatten(ctx, &children_of(node), depth + 1, out);
        } else {
            out.push(node);
        }
    }
}

fn build_units<'t>(ctx: &Ctx, nodes: &[Node<'t>], a: usize, b: usize) -> Vec<Unit<'t>> {
    let mut units: Vec<Unit<'t>> = Vec::new();
    let mut floor = a;
    for &node in nodes {
        let (na, nb) = node_lines(ctx, node);
        if nb < floor || na > b {
            continue;
        }
        let def = def_info(ctx, node, 0);
        let mut start = na;
        if def.is_some() {
            // Pull in doc comments and attributes directly above.
            while let Some(last) = units.last() {
                let attachable = matches!(last.kind, UnitKind::Loose(Some(n)) if ctx.spec.attachable.contains(&n.kind()));
                if attachable && !last.clipped && last.b + 1 >= start && last.a <= start {
                    start = last.a;
                    floor = last.a;
                    units.pop();
                } else {
                    break;
                }
            }
        }
        if start > floor {
            push_unit(
                ctx,
                &mut units,
                floor,
                start - 1,
                false,
                UnitKind::Loose(None),
            );
        }
        let s = start.max(floor);
        let e = nb.min(b);
        if s > e {
            continue;
        }
        let kind = match def {
            Some(def) => UnitKind::Def(Box::new(def)),
            None => UnitKind::Loose(Some(node)),
        };
        push_unit(ctx, &mut units, s, e, s > start, kind);
        floor = e + 1;
    }
    if floor <= b {
        push_unit(ctx, &mut units, floor, b, false, UnitKind::Loose(None));
    }
    units
}

fn push_unit<'t>(
    ctx: &Ctx,
    units: &mut Vec<Unit<'t>>,
    a: usize,
    b: usize,
    clipped: bool,
    kind: UnitKind<'t>,
) {
    let tokens = ctx.lines.tokens(a, b);
    units.push(Unit {
        a,
        b,
        tokens,
        clipped,
        kind,
    });
}

/// Tokens a `label: value` header line costs (value clipped like the header).
fn header_line_cost(ctx: &Ctx, label: &str, value: &str) -> usize {
    let value = match value.char_indices().nth(crate::span::HEADER_FIELD_MAX) {
        Some((i, _)) => &value[..i],
        None => value,
    };
    ctx.counter.count(label) + 1 + ctx.counter.count(value)
}

/// Units waiting to be merged into one chunk.
#[derive(Default)]
struct Group {
    a: usize,
    b: usize,
    tokens: usize,
    defs: usize,
    /// Tokens of the definitions in the group.
    def_tokens: usize,
    meta: Option<Meta>,
    len: usize,
    /// Last line of a unit with content (blank gaps excluded).
    last_content: usize,
    /// Holds nothing but comments and blank lines.
    has_code: bool,
}

impl Group {
    /// A small run of loose code that belongs with the definition starting
    /// at `line`: an `impl Foo {` header right above it, or comments only
    /// (`// === impl Builder ===`). Imports separated by a blank line stay apart.
    fn absorbable(&self, line: usize, small: usize) -> bool {
        self.len > 0
            && self.defs == 0
            && self.tokens < small
            && (!self.has_code || self.last_content + 1 >= line)
    }
}

fn pack_level(
    ctx: &Ctx,
    units: Vec<Unit>,
    scope: Option<&str>,
    loose_meta: &Meta,
    depth: usize,
    out: &mut Vec<Span>,
) {
    let level_start = out.len();
    let budget = ctx
        .budget
        .saturating_sub(scope.map_or(0, |s| header_line_cost(ctx, "scope", s)))
        .max(MIN_BUDGET);
    let mut group = Group::default();
    for unit in units {
        match &unit.kind {
            UnitKind::Def(def) => {
                let meta = def_meta(ctx, def, scope);
                let container = def.container.filter(|_| depth < MAX_LEVEL_DEPTH);
                if unit.tokens > budget {
                    // A small comment or header right above joins the split definition.
                    let start = if group.absorbable(unit.a, ctx.small) {
                        let start = group.a;
                        group = Group::default();
                        start
                    } else {
                        flush(ctx, &mut group, scope, loose_meta, budget, level_start, out);
                        unit.a
                    };
                    match container {
                        Some(keyword) => {
                            let member_scope = member_scope(ctx, def, keyword, scope);
                            let children = match find_body(def.node) {
                                Some(body) => children_of(body),
                                None => children_of(def.node),
                            };
                            level(
                                ctx,
                                &children,
                                start,
                                unit.b,
                                Some(&member_scope),
                                &meta,
                                depth + 1,
                                out,
                            );
                        }
                        None => split_unit(ctx, Some(def.outer), start, unit.b, &meta, out),
                    }
                } else if container.is_some() || unit.tokens >= ctx.small || is_callable(def.kind) {
                    let mut start = unit.a;
                    // A small function takes in the loose code before it, as
                    // merging would have; constants before it stay apart.
                    let small_callable = unit.tokens < ctx.small && group.defs == 0;
                    let absorbable = (small_callable || group.absorbable(unit.a, ctx.small))
                        && group.len > 0
                        && group.tokens + unit.tokens <= budget;
                    if absorbable {
                        start = group.a;
                        group = Group::default();
                    } else {
                        flush(ctx, &mut group, scope, loose_meta, budget, level_start, out);
                    }
                    out.push(span(ctx, start, unit.b, meta));
                } else {
                    add(
                        ctx,
                        &mut group,
                        &unit,
                        Some(meta),
                        scope,
                        loose_meta,
                        budget,
                        level_start,
                        out,
                    );
                }
            }
            UnitKind::Loose(node) => {
                if unit.tokens > budget {
                    flush(ctx, &mut group, scope, loose_meta, budget, level_start, out);
                    split_unit(ctx, *node, unit.a, unit.b, loose_meta, out);
                } else {
                    add(
                        ctx,
                        &mut group,
                        &unit,
                        None,
                        scope,
                        loose_meta,
                        budget,
                        level_start,
                        out,
                    );
                }
            }
        }
    }
    flush(ctx, &mut group, scope, loose_meta, budget, level_start, out);
}

#[allow(clippy::too_many_arguments)]
fn add(
    ctx: &Ctx,
    group: &mut Group,
    unit: &Unit,
    def_meta: Option<Meta>,
    scope: Option<&str>,
    loose_meta: &Meta,
    budget: usize,
    level_start: usize,
    out: &mut Vec<Span>,
) {
    if group.len > 0 && group.tokens + unit.tokens > budget {
        flush(ctx, group, scope, loose_meta, budget, level_start, out);
    }
    if group.len == 0 {
        group.a = unit.a;
    }
    group.b = unit.b;
    if unit.tokens > 0 {
        group.last_content = unit.b;
        let comment = matches!(unit.kind, UnitKind::Loose(Some(n)) if ctx.spec.attachable.contains(&n.kind()));
        group.has_code |= !comment;
    }
    group.tokens += unit.tokens;
    group.len += 1;
    if let Some(meta) = def_meta {
        group.defs += 1;
        group.def_tokens += unit.tokens;
        group.meta = Some(meta);
    }
}

#[allow(clippy::too_many_arguments)]
fn flush(
    ctx: &Ctx,
    group: &mut Group,
    scope: Option<&str>,
    loose_meta: &Meta,
    _budget: usize,
    level_start: usize,
    out: &mut Vec<Span>,
) {
    let g = std::mem::take(group);
    if g.len == 0 {
        return;
    }
    if g.defs == 0 && g.tokens <= TRIVIAL_TOKENS && out.len() > level_start {
        if let Some(last) = out.last_mut() {
            last.end = last.end.max(ctx.lines.end(g.b));
            return;
        }
    }
    let meta = match (g.defs, g.meta) {
        (1, Some(meta)) => meta,
        (0, _) => loose_meta.clone(),
        _ => Meta {
            scope: scope.map(str::to_string),
            ..Meta::plain(ChunkKind::Block)
        },
    };
    out.push(span(ctx, g.a, g.b, meta));
}

/// Functions and methods stand alone however small: merged into a block
/// they would lose their symbol, and with it symbol search and ranking.
fn is_callable(kind: ChunkKind) -> bool {
    matches!(kind, ChunkKind::Function | ChunkKind::Method)
}

fn span(ctx: &Ctx, a: usize, b: usize, meta: Meta) -> Span {
    Span {
        start: ctx.lines.start(a),
        end: ctx.lines.end(b),
        meta,
    }
}

/// Cuts an oversized unit (lines `a..=b`) along its syntax children, then
/// lines; every part keeps `meta`.
fn split_unit(ctx: &Ctx, node: Option<Node>, a: usize, b: usize, meta: &Meta, out: &mut Vec<Span>) {
    let header = meta
        .scope
        .as_deref()
        .map_or(0, |s| header_line_cost(ctx, "scope", s))
        + meta
            .signature
            .as_deref()
            .map_or(0, |s| header_line_cost(ctx, "signature", s));
    let budget = ctx.budget.saturating_sub(header).max(MIN_BUDGET);
    let mut pieces = Vec::new();
    let mut floor = a;
    if let Some(node) = node {
        leaves(ctx, node, b, budget, &mut floor, &mut pieces, 0);
    }
    if floor <= b {
        line_pieces(ctx.lines, ctx.counter, budget, floor, b, &mut pieces);
    }
    for (start, end) in pack(&pieces, budget) {
        out.push(Span {
            start,
            end,
            meta: meta.clone(),
        });
    }
}

/// Emits pieces under the budget covering `floor..=node end` (capped at `max_line`).
fn leaves(
    ctx: &Ctx,
    node: Node,
    max_line: usize,
    budget: usize,
    floor: &mut usize,
    out: &mut Vec<Piece>,
    depth: usize,
) {
    let (na, nb) = node_lines(ctx, node);
    let nb = nb.min(max_line);
    if nb < *floor {
        return;
    }
    // Lines between the previous piece and this node (comments above, blank lines).
    if na > *floor {
        line_pieces(ctx.lines, ctx.counter, budget, *floor, na - 1, out);
        *floor = na;
    }
    let a = *floor;
    let tokens = ctx.lines.tokens(a, nb);
    if tokens <= budget || a == nb || depth >= MAX_SPLIT_DEPTH || node.child_count() == 0 {
        line_pieces(ctx.lines, ctx.counter, budget, a, nb, out);
        *floor = nb + 1;
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        leaves(ctx, child, nb, budget, floor, out, depth + 1);
    }
    if *floor <= nb {
        line_pieces(ctx.lines, ctx.counter, budget, *floor, nb, out);
        *floor = nb + 1;
    }
}

/// Share of the file inside ERROR nodes, used to decide whether the tree is
/// too broken to chunk by syntax. Iterative: no recursion on deep trees.
pub(crate) fn error_bytes(root: Node) -> usize {
    if !root.has_error() {
        return 0;
    }
    let mut total = 0;
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let descend = if node.is_error() {
            total += node.end_byte().saturating_sub(node.start_byte());
            false
        } else {
            node.has_error()
        };
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return total;
            }
        }
    }
}
