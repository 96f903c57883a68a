//! Qualified symbol names.

use crate::{abbreviations, ChunkKind};

/// Joins a scope and a symbol into `Scope::symbol`, taking the type name out
/// of scopes such as `impl Display for Foo` or `class Console`.
pub(crate) fn qualify(scope: Option<&str>, symbol: Option<&str>) -> Option<String> {
    let symbol = symbol?;
    let Some(scope) = scope else {
        return Some(symbol.to_string());
    };
    let owner = scope
        .rsplit(" for ")
        .next()
        .unwrap_or(scope)
        .split_whitespace()
        .last()
        .unwrap_or(scope);
    let owner = owner.split('<').next().unwrap_or(owner);
    if owner.is_empty() {
        Some(symbol.to_string())
    } else {
        Some(format!("{owner}::{symbol}"))
    }
}

/// A symbol's name in plain words, `Receiver::is_empty` → `Receiver is
/// empty`, `AsyncReadExt::read_i128` → `Async Read Ext extension read i128
/// signed integer`: the embedder sees it on its own next to the chunk text,
/// because for thin wrappers and accessors the name is most of what there
/// is to match. Known abbreviations are followed by their words (see
/// [`crate::abbreviations`]), which a sentence encoder understands better.
pub fn name_text(qualified: Option<&str>) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for ident in qualified?.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let parts = ident_words(ident);
        let is_part = parts.len() > 1;
        for part in parts {
            words.push(part);
            let lower = part.to_lowercase();
            words.extend(
                abbreviations::spell_out(&lower, is_part)
                    .into_iter()
                    .flatten(),
            );
        }
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// The words of one identifier: split at `_` and where a lowercase letter
/// or digit meets an uppercase one (`getURL` → `get`, `URL`).
fn ident_words(ident: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for piece in ident.split('_').filter(|p| !p.is_empty()) {
        let mut start = 0;
        let mut prev: Option<char> = None;
        for (i, c) in piece.char_indices() {
            if prev.is_some_and(|p| (p.is_lowercase() || p.is_ascii_digit()) && c.is_uppercase()) {
                out.push(&piece[start..i]);
                start = i;
            }
            prev = Some(c);
        }
        out.push(&piece[start..]);
    }
    out
}

/// Most member names listed for a container.
const MAX_MEMBERS: usize = 16;

/// The name text of a chunk: its qualified symbol in words, and for a
/// container kept whole (a small `impl` or class) the names of the
/// functions it defines too, so each member's name reaches the vector.
pub fn chunk_name_text(kind: ChunkKind, qualified: Option<&str>, content: &str) -> Option<String> {
    let own = name_text(qualified)?;
    if !matches!(
        kind,
        ChunkKind::Impl | ChunkKind::Class | ChunkKind::Trait | ChunkKind::Interface
    ) {
        return Some(own);
    }
    let mut out = own;
    for member in defined_functions(content).take(MAX_MEMBERS) {
        if let Some(words) = name_text(Some(member)) {
            out.push(' ');
            out.push_str(&words);
        }
    }
    Some(out)
}

/// Names following a function keyword (`fn`, `def`, `func`, `function`) at
/// the start of a line's code, after modifiers such as `pub(crate) async`;
/// comment lines are skipped.
fn defined_functions(content: &str) -> impl Iterator<Item = &str> {
    content.lines().filter_map(|line| {
        let code = line.trim_start();
        if ["//", "#", "*", "/*", "--"]
            .iter()
            .any(|c| code.starts_with(c))
        {
            return None;
        }
        let mut words = code
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty());
        let has_keyword = words
            .by_ref()
            .take(6)
            .any(|w| matches!(w, "fn" | "def" | "func" | "function"));
        has_keyword.then(|| words.next()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::{chunk_name_text, name_text};
    use crate::ChunkKind;

    #[test]
    fn containers_list_their_functions() {
        let src = "impl<T> Timeout<T> {\n    pub fn get_ref(&self) -> &T {\n        &self.value\n    }\n    pub(crate) async fn into_inner(self) -> T { self.value }\n    // fn commented\n}\n";
        assert_eq!(
            chunk_name_text(ChunkKind::Impl, Some("Timeout"), src).as_deref(),
            Some("Timeout get ref reference into inner")
        );
        assert_eq!(
            chunk_name_text(ChunkKind::Method, Some("Timeout::get_ref"), src).as_deref(),
            Some("Timeout get ref reference")
        );
        let py = "class Stack:\n    def push(self, item):\n        self._items.append(item)\n";
        assert_eq!(
            chunk_name_text(ChunkKind::Class, Some("Stack"), py).as_deref(),
            Some("Stack push")
        );
    }

    #[test]
    fn names_become_words() {
        let n = |q: &str| name_text(Some(q)).unwrap_or_default();
        assert_eq!(n("Receiver::is_empty"), "Receiver is empty");
        assert_eq!(
            n("AsyncReadExt::read_i128_le"),
            "Async Read Ext extension read i128 signed integer le little"
        );
        assert_eq!(n("UdpSocket::recv"), "Udp Socket recv receive");
        assert_eq!(n("PartialOrd::le"), "Partial Ord le");
        assert_eq!(n("Console._write_buffer"), "Console write buffer");
        assert_eq!(n("HTTPServer::getURL"), "HTTPServer get URL");
        assert_eq!(n("__init__"), "init initialize");
        assert_eq!(name_text(Some("::")), None);
        assert_eq!(name_text(None), None);
    }
}
