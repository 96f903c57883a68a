//! A [`TokenCounter`] backed by the embedding model's own tokenizer, so the
//! chunker's size budget matches what the model will actually see.

use amanmcp_chunker::TokenCounter;
use tokenizers::Tokenizer;

/// Counts tokens with a model's tokenizer (without special tokens). Falls
/// back to a byte estimate if the tokenizer rejects the text, so chunking
/// never fails on odd input.
pub struct TokenizerCounter {
    tokenizer: Tokenizer,
}

impl TokenizerCounter {
    /// Wraps a tokenizer; truncation and padding are switched off so counts
    /// are the true length of the text.
    pub fn new(mut tokenizer: Tokenizer) -> Self {
        tokenizer.with_padding(None);
        let _ = tokenizer.with_truncation(None);
        Self { tokenizer }
    }
}

impl std::fmt::Debug for TokenizerCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenizerCounter").finish_non_exhaustive()
    }
}

impl TokenCounter for TokenizerCounter {
    fn count(&self, text: &str) -> usize {
        match self.tokenizer.encode_fast(text, false) {
            Ok(enc) => enc.len(),
            Err(_) => text.len().div_ceil(3),
        }
    }
}
