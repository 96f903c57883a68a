//! Qualified symbol names.

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
/// empty`, `AsyncReadExt::read_i128` → `Async Read Ext read i128`: the
/// embedder sees it on its own next to the chunk text, because for thin
/// wrappers and accessors the name is most of what there is to match.
pub fn name_text(qualified: Option<&str>) -> Option<String> {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in qualified?.chars() {
        if c.is_alphanumeric() {
            let boundary =
                prev.is_some_and(|p| (p.is_lowercase() || p.is_ascii_digit()) && c.is_uppercase());
            if boundary && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        prev = Some(c);
    }
    let words = out.trim_end();
    (!words.is_empty()).then(|| words.to_string())
}

#[cfg(test)]
mod tests {
    use super::name_text;

    #[test]
    fn names_become_words() {
        let n = |q: &str| name_text(Some(q)).unwrap_or_default();
        assert_eq!(n("Receiver::is_empty"), "Receiver is empty");
        assert_eq!(n("AsyncReadExt::read_i128"), "Async Read Ext read i128");
        assert_eq!(n("Console._write_buffer"), "Console write buffer");
        assert_eq!(n("HTTPServer::getURL"), "HTTPServer get URL");
        assert_eq!(n("__init__"), "init");
        assert_eq!(name_text(Some("::")), None);
        assert_eq!(name_text(None), None);
    }
}
