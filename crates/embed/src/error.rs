//! Errors from loading models and embedding text.

/// Everything that can go wrong while resolving a model or embedding.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model could not be found locally or in the Hugging Face cache.
    #[error("model `{model}` not found: {hint}")]
    ModelNotFound { model: String, hint: String },
    /// Model files exist but could not be loaded.
    #[error("failed to load model `{model}`: {reason}")]
    Load { model: String, reason: String },
    /// The forward pass or tokenization failed.
    #[error("embedding failed: {0}")]
    Inference(String),
    /// A remote server failed or answered with something unusable.
    #[error("embedding server {endpoint}: {reason}")]
    Remote { endpoint: String, reason: String },
    /// A vector had the wrong length or non-finite values.
    #[error("invalid embedding: {0}")]
    InvalidVector(String),
    /// Configuration names an unusable backend/device combination.
    #[error("configuration: {0}")]
    Config(String),
}
