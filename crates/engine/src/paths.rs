//! Keeping user-supplied paths inside the project root.

use std::path::{Component, Path, PathBuf};

use crate::EngineError;

/// Resolves `path` (relative to `root`, or absolute under it) to a file
/// inside `root`, following symlinks, and returns the absolute path plus the
/// `/`-separated relative path. `..` segments, absolute paths elsewhere and
/// symlinks pointing out of the root are refused.
pub(crate) fn confine(root: &Path, path: &str) -> Result<(PathBuf, String), EngineError> {
    let refuse = || EngineError::PathOutsideRoot(path.to_string());
    if path.is_empty() || path.contains('\0') {
        return Err(EngineError::InvalidQuery("empty path".into()));
    }
    let given = Path::new(path);
    let joined = if given.is_absolute() {
        given.to_path_buf()
    } else {
        if given
            .components()
            .any(|c| matches!(c, Component::ParentDir))
        {
            return Err(refuse());
        }
        root.join(given)
    };
    let real = joined.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::NotFound(path.to_string()),
        _ => EngineError::io(format!("cannot resolve {path}"), e),
    })?;
    let rel = real.strip_prefix(root).map_err(|_| refuse())?;
    Ok((real.clone(), relative_string(rel)))
}

/// `/`-separated form of a relative path.
pub(crate) fn relative_string(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}
