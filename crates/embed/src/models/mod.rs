//! Where model files come from: the known-model registry and resolution of
//! an id or path to a directory on disk (local dir, amanmcp's models dir,
//! the Hugging Face cache, or a one-time download).

mod registry;
mod resolve;

pub use registry::{find_known, KnownModel, ModelKind, KNOWN_MODELS};
pub(crate) use resolve::shard_files;
pub use resolve::{detect_kind, models_dir, resolve_model, ResolvedModel};
