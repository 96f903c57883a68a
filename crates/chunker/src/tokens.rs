//! Token counting for the chunk size budget.

/// Counts tokens the way the embedder will, so chunks fit its context. The
/// embedder crate provides a counter backed by the model's real tokenizer;
/// [`EstimateCounter`] is the cheap default.
pub trait TokenCounter: Send + Sync {
    /// Number of tokens `text` costs, excluding special tokens.
    fn count(&self, text: &str) -> usize;
}

/// A tokenizer-free estimate tuned for WordPiece/BPE on code: each run of
/// identifier characters costs about one token per 4 bytes, every other
/// non-space character costs one.
#[derive(Debug, Clone, Copy, Default)]
pub struct EstimateCounter;

impl TokenCounter for EstimateCounter {
    fn count(&self, text: &str) -> usize {
        let mut tokens = 0usize;
        let mut word = 0usize;
        for c in text.chars() {
            if c.is_alphanumeric() || c == '_' {
                word += 1;
            } else {
                tokens += word.div_ceil(4);
                word = 0;
                if !c.is_whitespace() {
                    tokens += 1;
                }
            }
        }
        tokens + word.div_ceil(4)
    }
}
