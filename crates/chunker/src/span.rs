//! Intermediate spans (byte ranges plus symbol metadata) and their
//! conversion into [`Chunk`]s with ids and embed text.

use crate::lines::Lines;
use crate::{Chunk, ChunkKind};
use amanmcp_scanner::Language;
use std::collections::HashMap;

/// Longest scope/signature/path kept in the embed header, in chars.
pub(crate) const HEADER_FIELD_MAX: usize = 120;

/// Symbol metadata shared by the spans of one definition or section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    pub kind: ChunkKind,
    pub symbol: Option<String>,
    pub scope: Option<String>,
    pub signature: Option<String>,
    /// Byte where the signature starts; spans starting later are
    /// continuation parts and repeat the signature in their header.
    pub sig_start: Option<usize>,
    /// Header context line when it differs from `scope` (Markdown heading path).
    pub context: Option<String>,
}

impl Meta {
    pub fn plain(kind: ChunkKind) -> Meta {
        Meta {
            kind,
            symbol: None,
            scope: None,
            signature: None,
            sig_start: None,
            context: None,
        }
    }
}

/// A byte range of the source with its metadata.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub meta: Meta,
}

/// Turns spans into chunks: trims blank edge lines, drops empty spans,
/// assigns ids (hash of path, content and occurrence of identical content)
/// and builds the embed text.
pub(crate) fn to_chunks(
    path: &str,
    language: Language,
    lines: &Lines,
    spans: Vec<Span>,
) -> Vec<Chunk> {
    let src = lines.src;
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut chunks = Vec::with_capacity(spans.len());
    for span in spans {
        let Some((start, end)) = trim(lines, span.start, span.end) else {
            continue;
        };
        let Some(content) = src.get(start..end) else {
            continue;
        };
        let occurrence = seen.entry(content.to_string()).or_insert(0);
        let id = chunk_id(path, content, *occurrence);
        *occurrence += 1;
        let embed_text = embed_text(path, &span.meta, start, content);
        chunks.push(Chunk {
            id,
            path: path.to_string(),
            language,
            start_line: line_number(lines.line_of(start)),
            end_line: line_number(lines.line_of(end.saturating_sub(1).max(start))),
            start_byte: start,
            end_byte: end,
            symbol: span.meta.symbol,
            scope: span.meta.scope,
            kind: span.meta.kind,
            signature: span.meta.signature,
            content: content.to_string(),
            embed_text,
        });
    }
    chunks
}

fn line_number(l: usize) -> u32 {
    u32::try_from(l + 1).unwrap_or(u32::MAX)
}

/// Shrinks a span to exclude whole blank lines at either edge.
fn trim(lines: &Lines, start: usize, end: usize) -> Option<(usize, usize)> {
    let text = lines.src.get(start..end)?;
    let first = text.find(|c: char| !c.is_whitespace())?;
    let last = text.rfind(|c: char| !c.is_whitespace())?;
    let first_abs = start + first;
    let last_abs = start + last;
    let new_start = start.max(lines.start(lines.line_of(first_abs)));
    let new_end = end.min(lines.end(lines.line_of(last_abs)).max(last_abs + 1));
    (new_start < new_end).then_some((new_start, new_end))
}

/// 16 bytes of blake3 over path, content and occurrence index, as 32 hex chars.
pub(crate) fn chunk_id(path: &str, content: &str, occurrence: u32) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(path.as_bytes());
    hasher.update(&[0]);
    hasher.update(content.as_bytes());
    hasher.update(&[0]);
    hasher.update(&occurrence.to_le_bytes());
    hasher.finalize().to_hex()[..32].to_string()
}

/// The embed header: `path: …`, then `scope: …` (or `section: A > B > C`
/// for Markdown) when known, then `signature: …` only for continuation parts
/// of a split definition (the first part already shows it), then the code.
pub(crate) fn embed_text(path: &str, meta: &Meta, start: usize, content: &str) -> String {
    let mut out = String::with_capacity(content.len() + 96);
    out.push_str("path: ");
    out.push_str(clip(path));
    out.push('\n');
    if let Some(context) = &meta.context {
        out.push_str("section: ");
        out.push_str(clip(context));
        out.push('\n');
    } else if let Some(scope) = &meta.scope {
        out.push_str("scope: ");
        out.push_str(clip(scope));
        out.push('\n');
    }
    if let (Some(sig), Some(sig_start)) = (&meta.signature, meta.sig_start) {
        if start > sig_start {
            out.push_str("signature: ");
            out.push_str(clip(sig));
            out.push('\n');
        }
    }
    out.push_str(content);
    out
}

/// Cuts a header field at [`HEADER_FIELD_MAX`] chars.
pub(crate) fn clip(s: &str) -> &str {
    match s.char_indices().nth(HEADER_FIELD_MAX) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
