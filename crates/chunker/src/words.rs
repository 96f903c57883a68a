//! Word boundaries inside identifiers, for the embedder's eyes only.
//!
//! Uncased WordPiece models (MiniLM, BGE, E5) lowercase before splitting,
//! so `UdpSocket` becomes `udpsocket` and is cut into meaningless pieces
//! (`ud ##ps ##ock ##et`), while `udp socket` is two known words. The
//! chunk's displayed content is untouched; only `embed_text` is spaced.
//! `snake_case` needs nothing: `_` is already a word break for them.

/// `text` with a space at every camelCase boundary inside identifiers:
/// `AsyncReadExt` → `Async Read Ext`, `HTTPServer` → `HTTP Server`,
/// `parseJSON2` → `parse JSON2`.
pub(crate) fn spaced_camel(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = prev.is_lowercase()
                || prev.is_ascii_digit()
                    && chars[..i]
                        .iter()
                        .rev()
                        .take_while(|p| p.is_alphanumeric())
                        .any(|p| p.is_lowercase())
                || prev.is_uppercase() && next_lower;
            if boundary {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::spaced_camel;

    #[test]
    fn splits_camel_and_acronyms_only() {
        assert_eq!(spaced_camel("UdpSocket::try_recv"), "Udp Socket::try_recv");
        assert_eq!(
            spaced_camel("impl AsyncReadExt for R"),
            "impl Async Read Ext for R"
        );
        assert_eq!(
            spaced_camel("HTTPServer parseJSON"),
            "HTTP Server parse JSON"
        );
        assert_eq!(
            spaced_camel("snake_case CONST_NAME x"),
            "snake_case CONST_NAME x"
        );
        assert_eq!(spaced_camel("u8 ReadU8 Ipv6Addr"), "u8 Read U8 Ipv6 Addr");
        assert_eq!(spaced_camel("née Émile"), "née Émile");
    }
}
