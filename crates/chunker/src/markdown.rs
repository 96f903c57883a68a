//! Markdown chunking by headings. ATX (`## Title`) and setext (`Title` over
//! `===`/`---`) headings start sections; `#` lines inside fenced code blocks
//! do not. A section's scope is the path of its ancestor headings
//! (`A > B`), its symbol the heading text, and the embed header carries the
//! full path (`section: A > B > C`). A heading with no text of its own is
//! merged into the section that follows it. Sections over the budget are
//! cut at paragraph boundaries (fenced blocks kept whole when they fit),
//! then lines.

use crate::lines::Lines;
use crate::span::{Meta, Span};
use crate::window::{line_pieces, pack};
use crate::{ChunkKind, TokenCounter};

struct Section {
    start: usize,
    end: usize,
    /// Heading texts from the top level down to this section's own heading.
    path: Vec<String>,
    /// True when only the heading line has content.
    heading_only: bool,
}

/// A heading found at line `line` (the text line for setext headings).
struct Heading {
    line: usize,
    level: usize,
    text: String,
}

pub(crate) fn chunk_markdown(
    lines: &Lines,
    counter: &dyn TokenCounter,
    file_budget: usize,
) -> Vec<Span> {
    let headings = find_headings(lines);
    let sections = sections(lines, &headings);
    let mut out = Vec::new();
    let mut pending_start: Option<usize> = None;
    for (i, section) in sections.iter().enumerate() {
        let is_last = i + 1 == sections.len();
        if section.heading_only && !is_last && !section.path.is_empty() {
            pending_start.get_or_insert(section.start);
            continue;
        }
        let start = pending_start.take().unwrap_or(section.start);
        let meta = section_meta(section);
        let context_cost = meta.context.as_deref().map_or(0, |c| {
            counter.count("section") + 1 + counter.count(crate::span::clip(c))
        });
        let budget = file_budget.saturating_sub(context_cost).max(16);
        if lines.tokens(start, section.end) <= budget {
            out.push(Span {
                start: lines.start(start),
                end: lines.end(section.end),
                meta,
            });
            continue;
        }
        let mut pieces = Vec::new();
        for (a, b) in paragraphs(lines, start, section.end) {
            line_pieces(lines, counter, budget, a, b, &mut pieces);
        }
        for (s, e) in pack(&pieces, budget) {
            out.push(Span {
                start: s,
                end: e,
                meta: meta.clone(),
            });
        }
    }
    out
}

fn section_meta(section: &Section) -> Meta {
    let mut meta = Meta::plain(ChunkKind::Section);
    if let Some((own, parents)) = section.path.split_last() {
        meta.symbol = Some(own.clone());
        meta.scope = (!parents.is_empty()).then(|| parents.join(" > "));
        meta.context = Some(section.path.join(" > "));
    }
    meta
}

fn find_headings(lines: &Lines) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut start = 0;
    // YAML front matter belongs to the preamble.
    if lines.text(0, 0).trim_end() == "---" {
        if let Some(close) =
            (1..lines.count()).find(|&l| matches!(lines.text(l, l).trim_end(), "---" | "..."))
        {
            start = close + 1;
        }
    }
    for l in start..lines.count() {
        let line = lines.text(l, l);
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent <= 3 {
            if let Some((c, n)) = fence_marker(trimmed) {
                match fence {
                    None => fence = Some((c, n)),
                    Some((fc, fnum)) if fc == c && n >= fnum && trimmed[n..].trim().is_empty() => {
                        fence = None
                    }
                    Some(_) => {}
                }
                continue;
            }
        }
        if fence.is_some() || indent > 3 {
            continue;
        }
        if let Some((level, text)) = atx_heading(trimmed) {
            headings.push(Heading {
                line: l,
                level,
                text,
            });
            continue;
        }
        // Setext underline: previous line is paragraph text, not already a heading.
        if l > start {
            let underline = trimmed.trim_end();
            let level = if !underline.is_empty() && underline.chars().all(|c| c == '=') {
                1
            } else if underline.len() >= 2 && underline.chars().all(|c| c == '-') {
                2
            } else {
                0
            };
            let prev = lines.text(l - 1, l - 1);
            let prev_is_heading = headings.last().is_some_and(|h| h.line == l - 1);
            if level > 0 && !prev.trim().is_empty() && !prev_is_heading && is_paragraph_text(prev) {
                headings.push(Heading {
                    line: l - 1,
                    level,
                    text: prev.trim().to_string(),
                });
            }
        }
    }
    headings
}

/// Plain paragraph text (not a list item, quote, table row or fence).
fn is_paragraph_text(line: &str) -> bool {
    let t = line.trim_start();
    !(t.starts_with(['-', '*', '+', '>', '|', '`', '~', '<'])
        || t.starts_with(|c: char| c.is_ascii_digit()))
}

fn fence_marker(trimmed: &str) -> Option<(char, usize)> {
    let c = trimmed.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = trimmed.chars().take_while(|&x| x == c).count();
    (n >= 3).then_some((c, n))
}

fn atx_heading(trimmed: &str) -> Option<(usize, String)> {
    let level = trimmed.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim().to_string();
    Some((level, text))
}

fn sections(lines: &Lines, headings: &[Heading]) -> Vec<Section> {
    let mut sections = Vec::new();
    let last = lines.last();
    let first_heading = headings.first().map_or(last + 1, |h| h.line);
    if first_heading > 0 {
        sections.push(Section {
            start: 0,
            end: first_heading - 1,
            path: Vec::new(),
            heading_only: false,
        });
    }
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, h) in headings.iter().enumerate() {
        while stack.last().is_some_and(|(level, _)| *level >= h.level) {
            stack.pop();
        }
        stack.push((h.level, h.text.clone()));
        let end = headings
            .get(i + 1)
            .map_or(last, |next| next.line.saturating_sub(1));
        let end = end.max(h.line);
        let body_start = (h.line + 1..=end).find(|&l| !is_setext_underline(lines.text(l, l)));
        let heading_only = match body_start {
            Some(s) => (s..=end).all(|l| lines.is_blank(l)),
            None => true,
        };
        sections.push(Section {
            start: h.line,
            end,
            path: stack.iter().map(|(_, t)| t.clone()).collect(),
            heading_only,
        });
    }
    sections
}

fn is_setext_underline(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && (t.chars().all(|c| c == '=') || t.chars().all(|c| c == '-'))
}

/// Blank-line separated blocks of lines `a..=b`, fenced blocks kept whole.
fn paragraphs(lines: &Lines, a: usize, b: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut fence: Option<(char, usize)> = None;
    for l in a..=b {
        let line = lines.text(l, l);
        let trimmed = line.trim_start();
        if let Some((c, n)) = fence_marker(trimmed) {
            match fence {
                None => fence = Some((c, n)),
                Some((fc, fnum)) if fc == c && n >= fnum => fence = None,
                Some(_) => {}
            }
        }
        if trimmed.is_empty() && fence.is_none() {
            if let Some(s) = start.take() {
                out.push((s, l - 1));
            }
        } else if start.is_none() {
            start = Some(l);
        }
    }
    if let Some(s) = start {
        out.push((s, b));
    }
    out
}
