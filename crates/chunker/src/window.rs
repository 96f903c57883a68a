//! Line-window chunking: the fallback for data formats, plain text and
//! unparsable code, and the last resort inside oversized definitions.
//! Lines are packed greedily under the budget; a single line over the
//! budget (minified code, huge literals) is cut at whitespace, or at char
//! boundaries when there is none.

use crate::lines::Lines;
use crate::span::{Meta, Span};
use crate::TokenCounter;

/// A contiguous byte range with its token cost.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    pub start: usize,
    pub end: usize,
    pub tokens: usize,
}

/// Pieces for lines `a..=b`: one per line, long lines cut further.
pub(crate) fn line_pieces(
    lines: &Lines,
    counter: &dyn TokenCounter,
    budget: usize,
    a: usize,
    b: usize,
    out: &mut Vec<Piece>,
) {
    if a > b {
        return;
    }
    let total = lines.tokens(a, b);
    if total <= budget {
        out.push(Piece {
            start: lines.start(a),
            end: lines.end(b),
            tokens: total,
        });
        return;
    }
    for l in a..=b {
        let tokens = lines.tokens(l, l);
        if tokens <= budget {
            out.push(Piece {
                start: lines.start(l),
                end: lines.end(l),
                tokens,
            });
        } else {
            split_long_line(
                lines.src,
                counter,
                budget,
                lines.start(l),
                lines.end(l),
                out,
            );
        }
    }
}

/// Cuts one over-budget line into pieces under the budget.
fn split_long_line(
    src: &str,
    counter: &dyn TokenCounter,
    budget: usize,
    start: usize,
    end: usize,
    out: &mut Vec<Piece>,
) {
    let Some(line) = src.get(start..end) else {
        return;
    };
    let mut cur_start = start;
    let mut cur_tokens = 0;
    let mut offset = start;
    for word in line.split_inclusive(char::is_whitespace) {
        let tokens = counter.count(word);
        if tokens > budget {
            if cur_tokens > 0 {
                out.push(Piece {
                    start: cur_start,
                    end: offset,
                    tokens: cur_tokens,
                });
            }
            split_word(word, offset, counter, budget, out);
            offset += word.len();
            cur_start = offset;
            cur_tokens = 0;
            continue;
        }
        if cur_tokens + tokens > budget && cur_tokens > 0 {
            out.push(Piece {
                start: cur_start,
                end: offset,
                tokens: cur_tokens,
            });
            cur_start = offset;
            cur_tokens = 0;
        }
        cur_tokens += tokens;
        offset += word.len();
    }
    if offset > cur_start {
        out.push(Piece {
            start: cur_start,
            end: offset,
            tokens: cur_tokens,
        });
    }
}

/// Cuts a whitespace-free run at char boundaries.
fn split_word(
    word: &str,
    base: usize,
    counter: &dyn TokenCounter,
    budget: usize,
    out: &mut Vec<Piece>,
) {
    let mut rest = word;
    let mut offset = base;
    while !rest.is_empty() {
        let mut len = rest.len().min(budget.max(1) * 2);
        loop {
            while !rest.is_char_boundary(len) {
                len -= 1;
            }
            if len == 0 {
                // A single char wider than the budget can only stand alone.
                len = rest.chars().next().map_or(rest.len(), char::len_utf8);
                break;
            }
            if counter.count(&rest[..len]) <= budget || len <= 1 {
                break;
            }
            len /= 2;
        }
        out.push(Piece {
            start: offset,
            end: offset + len,
            tokens: counter.count(&rest[..len]),
        });
        offset += len;
        rest = &rest[len..];
    }
}

/// Greedily merges consecutive pieces while their tokens fit the budget.
pub(crate) fn pack(pieces: &[Piece], budget: usize) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut current: Option<(usize, usize, usize)> = None;
    for p in pieces {
        current = match current {
            Some((s, _, t)) if t + p.tokens <= budget => Some((s, p.end, t + p.tokens)),
            Some((s, e, _)) => {
                ranges.push((s, e));
                Some((p.start, p.end, p.tokens))
            }
            None => Some((p.start, p.end, p.tokens)),
        };
    }
    if let Some((s, e, _)) = current {
        ranges.push((s, e));
    }
    ranges
}

/// Line windows over lines `a..=b`, all with the same metadata.
pub(crate) fn windows(
    lines: &Lines,
    counter: &dyn TokenCounter,
    budget: usize,
    a: usize,
    b: usize,
    meta: &Meta,
) -> Vec<Span> {
    let mut pieces = Vec::new();
    line_pieces(lines, counter, budget, a, b, &mut pieces);
    pack(&pieces, budget)
        .into_iter()
        .map(|(start, end)| Span {
            start,
            end,
            meta: meta.clone(),
        })
        .collect()
}
