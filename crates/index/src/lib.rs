//! The on-disk index.

mod types;

pub use types::*;
