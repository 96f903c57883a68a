//! Line geometry of one source file plus per-line token counts, so every
//! range's token cost is an O(1) prefix-sum lookup.

use crate::TokenCounter;

/// Line starts and token prefix sums for a source text.
pub(crate) struct Lines<'a> {
    pub src: &'a str,
    starts: Vec<usize>,
    /// `prefix[l]` = tokens of lines `0..l`.
    prefix: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(src: &'a str, counter: &dyn TokenCounter) -> Lines<'a> {
        let mut starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' && i + 1 < src.len() {
                starts.push(i + 1);
            }
        }
        let mut lines = Lines {
            src,
            starts,
            prefix: Vec::new(),
        };
        let mut prefix = Vec::with_capacity(lines.count() + 1);
        prefix.push(0);
        let mut total = 0;
        for l in 0..lines.count() {
            total += counter.count(lines.text(l, l));
            prefix.push(total);
        }
        lines.prefix = prefix;
        lines
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    pub fn last(&self) -> usize {
        self.count() - 1
    }

    /// Byte offset where line `l` starts.
    pub fn start(&self, l: usize) -> usize {
        self.starts[l.min(self.last())]
    }

    /// Byte offset where line `l` ends, excluding its newline.
    pub fn end(&self, l: usize) -> usize {
        let l = l.min(self.last());
        let next = if l + 1 < self.count() {
            self.starts[l + 1]
        } else {
            self.src.len()
        };
        if next > self.starts[l] && self.src.as_bytes()[next - 1] == b'\n' {
            next - 1
        } else {
            next
        }
    }

    /// Text of lines `a..=b`.
    pub fn text(&self, a: usize, b: usize) -> &'a str {
        self.src
            .get(self.start(a)..self.end(b).max(self.start(a)))
            .unwrap_or("")
    }

    /// Line containing byte offset `byte`.
    pub fn line_of(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        }
    }

    pub fn is_blank(&self, l: usize) -> bool {
        self.text(l, l).trim().is_empty()
    }

    /// Tokens of lines `a..=b` (sum of per-line counts).
    pub fn tokens(&self, a: usize, b: usize) -> usize {
        if a > b {
            return 0;
        }
        let b = b.min(self.last());
        self.prefix[b + 1].saturating_sub(self.prefix[a.min(b)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EstimateCounter;

    #[test]
    fn geometry() {
        let l = Lines::new("ab\n\ncd\n", &EstimateCounter);
        assert_eq!(l.count(), 3);
        assert_eq!(l.text(0, 0), "ab");
        assert_eq!(l.text(1, 1), "");
        assert_eq!(l.text(0, 2), "ab\n\ncd");
        assert_eq!(l.line_of(4), 2);
        assert!(l.is_blank(1));
        let one = Lines::new("x", &EstimateCounter);
        assert_eq!((one.count(), one.text(0, 0)), (1, "x"));
    }
}
