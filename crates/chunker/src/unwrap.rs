//! Definitions hidden inside item-position macros.
//!
//! Rust libraries wrap whole groups of items in macros such as
//! `cfg_rt! { … }` or `feature! { #![cfg(unix)] … }`; tree-sitter sees only
//! an opaque token tree there, so every function inside would land in one
//! anonymous block chunk with no symbols. A language hook names the
//! delimiters of such macros (the `name! {` head and the closing `}`);
//! they are blanked with spaces — byte offsets and lines stay the same —
//! and the file is parsed again. A macro whose body then parses without
//! errors keeps its unwrapping (its items are chunked like any other);
//! one whose body is not plain items (`bitflags!`, `select!`) is restored.
//! Unwrapping repeats a few rounds for macros nested in macros.

use tree_sitter::{Node, Tree};

/// Deepest macro-in-macro nesting unwrapped.
const MAX_ROUNDS: usize = 3;
/// Re-parses allowed to settle one round (each failure restores macros).
const MAX_SETTLE: usize = 3;

/// One macro invocation a language hook proposes to unwrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MacroBody {
    /// The whole invocation, `name! { … }`.
    pub outer: (usize, usize),
    /// Bytes `name! {` (from the invocation start through the open brace).
    pub head: (usize, usize),
    /// The closing brace.
    pub close: (usize, usize),
}

/// Finds unwrappable macro invocations in a parsed tree.
pub(crate) type FindMacros = fn(Node, &str) -> Vec<MacroBody>;

/// The source with every accepted macro's delimiters blanked and its
/// parse, or `None` when no macro was unwrapped.
pub(crate) fn unwrap_macros(
    src: &str,
    tree: &Tree,
    find: FindMacros,
    parse: &mut dyn FnMut(&str) -> Option<Tree>,
) -> Option<(String, Tree)> {
    let mut accepted: Vec<MacroBody> = Vec::new();
    let mut current: Option<(String, Tree)> = None;
    for _ in 0..MAX_ROUNDS {
        let (cur_src, cur_tree) = match &current {
            Some((s, t)) => (s.as_str(), t),
            None => (src, tree),
        };
        let mut fresh: Vec<MacroBody> = find(cur_tree.root_node(), cur_src)
            .into_iter()
            .filter(|m| !accepted.contains(m))
            .collect();
        if fresh.is_empty() {
            break;
        }
        let mut settled = None;
        for _ in 0..MAX_SETTLE {
            let all: Vec<MacroBody> = accepted.iter().chain(fresh.iter()).copied().collect();
            let masked = mask(src, &all);
            let Some(parsed) = parse(&masked) else {
                return current;
            };
            let errors = error_ranges(parsed.root_node());
            let before = fresh.len();
            fresh.retain(|m| !errors.iter().any(|&e| overlaps(e, m.outer)));
            if fresh.len() == before {
                settled = Some((masked, parsed));
                break;
            }
            if fresh.is_empty() {
                break;
            }
        }
        match settled {
            Some(done) if !fresh.is_empty() => {
                accepted.extend(fresh);
                current = Some(done);
            }
            _ => break,
        }
    }
    current
}

/// `src` with the delimiters of `macros` replaced by spaces (newlines kept).
fn mask(src: &str, macros: &[MacroBody]) -> String {
    let mut bytes = src.as_bytes().to_vec();
    for m in macros {
        for (a, b) in [m.head, m.close] {
            for byte in bytes.iter_mut().take(b.min(src.len())).skip(a) {
                if *byte != b'\n' {
                    *byte = b' ';
                }
            }
        }
    }
    // Every byte of a blanked range is replaced, so multi-byte characters
    // are replaced whole and the text stays UTF-8; stay safe regardless.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Byte ranges of ERROR and MISSING nodes.
fn error_ranges(root: Node) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            out.push((
                node.start_byte(),
                node.end_byte().max(node.start_byte() + 1),
            ));
            continue;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    out
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}
