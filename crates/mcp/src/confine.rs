//! Keeps client-supplied paths inside the project root. Agents pass paths
//! they read elsewhere (absolute, `./x`, sometimes `../other`); we accept the
//! harmless forms and refuse anything that could read outside the root,
//! before the engine ever sees the path.

use std::path::{Component, Path, PathBuf};

/// Why a client path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Nothing usable was given.
    #[error("path is empty")]
    Empty,
    /// A `..` component; refused even when it would stay inside the root.
    #[error("path `{0}` contains `..`; give a path relative to the project root")]
    ParentTraversal(String),
    /// An absolute path that does not lie under the root.
    #[error("path `{0}` is outside the project root")]
    OutsideRoot(String),
    /// The path exists under the root but a symlink leads out of it.
    #[error("path `{0}` resolves (through a symlink) to a location outside the project root")]
    SymlinkEscape(String),
}

/// Turns a client path (relative, `./`-prefixed, or absolute under the root)
/// into the root-relative, `/`-separated form the engine uses. Refuses `..`,
/// absolute paths elsewhere, and symlinks that resolve outside the root.
pub fn confine_path(root: &Path, input: &str) -> Result<String, PathError> {
    let rel = lexical_relative(root, input)?;
    check_symlinks(root, &rel, input)?;
    Ok(rel)
}

/// Like [`confine_path`] but for glob filters (`src/**/*.rs`): the same
/// lexical rules, no filesystem check since a glob names no single file.
/// An empty result means "the whole root".
pub fn confine_glob(root: &Path, input: &str) -> Result<String, PathError> {
    match lexical_relative(root, input) {
        Err(PathError::Empty) if !input.trim().is_empty() => Ok(String::new()),
        other => other,
    }
}

/// The purely lexical part: strip the root or `./`, refuse `..`.
fn lexical_relative(root: &Path, input: &str) -> Result<String, PathError> {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.contains('\0') {
        return Err(PathError::Empty);
    }
    let path = Path::new(trimmed);
    let relative: PathBuf = if path.is_absolute() {
        strip_root(root, path).ok_or_else(|| PathError::OutsideRoot(trimmed.to_string()))?
    } else {
        path.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => return Err(PathError::ParentTraversal(trimmed.to_string())),
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::OutsideRoot(trimmed.to_string()))
            }
        }
    }
    if parts.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(parts.join("/"))
}

/// `path` relative to `root`, trying the root as given and canonicalized
/// (so `/tmp/x` and `/private/tmp/x` both work on systems with such links).
fn strip_root(root: &Path, path: &Path) -> Option<PathBuf> {
    if let Ok(rest) = path.strip_prefix(root) {
        return Some(rest.to_path_buf());
    }
    let canonical_root = root.canonicalize().ok()?;
    if let Ok(rest) = path.strip_prefix(&canonical_root) {
        return Some(rest.to_path_buf());
    }
    let canonical_path = path.canonicalize().ok()?;
    canonical_path
        .strip_prefix(&canonical_root)
        .ok()
        .map(Path::to_path_buf)
}

/// Resolves the deepest existing ancestor of `root/rel` and checks it is
/// still under the canonical root.
fn check_symlinks(root: &Path, rel: &str, input: &str) -> Result<(), PathError> {
    let Ok(canonical_root) = root.canonicalize() else {
        // Without a resolvable root there is nothing to escape from; the
        // engine reports the missing root itself.
        return Ok(());
    };
    let mut probe = root.join(rel);
    loop {
        if let Ok(resolved) = probe.canonicalize() {
            return if resolved.starts_with(&canonical_root) {
                Ok(())
            } else {
                Err(PathError::SymlinkEscape(input.trim().to_string()))
            };
        }
        if !probe.pop() || probe.as_os_str().is_empty() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/lib.rs"), "fn a() {}\n").expect("write");
        dir
    }

    #[test]
    fn relative_and_dot_prefixed_paths_are_accepted() {
        let dir = root();
        assert_eq!(
            confine_path(dir.path(), "src/lib.rs").as_deref(),
            Ok("src/lib.rs")
        );
        assert_eq!(
            confine_path(dir.path(), "./src/lib.rs").as_deref(),
            Ok("src/lib.rs")
        );
        assert_eq!(
            confine_path(dir.path(), " src//lib.rs ").as_deref(),
            Ok("src/lib.rs")
        );
    }

    #[test]
    fn absolute_paths_under_the_root_become_relative() {
        let dir = root();
        let abs = dir.path().join("src/lib.rs");
        let abs = abs.to_str().expect("utf8");
        assert_eq!(confine_path(dir.path(), abs).as_deref(), Ok("src/lib.rs"));
        let canonical = dir.path().canonicalize().expect("canon").join("src/lib.rs");
        assert_eq!(
            confine_path(dir.path(), canonical.to_str().expect("utf8")).as_deref(),
            Ok("src/lib.rs")
        );
    }

    #[test]
    fn traversal_and_foreign_absolute_paths_are_refused() {
        let dir = root();
        assert!(matches!(
            confine_path(dir.path(), "../etc/passwd"),
            Err(PathError::ParentTraversal(_))
        ));
        assert!(matches!(
            confine_path(dir.path(), "src/../../x"),
            Err(PathError::ParentTraversal(_))
        ));
        assert!(matches!(
            confine_path(dir.path(), "/etc/passwd"),
            Err(PathError::OutsideRoot(_))
        ));
        assert_eq!(confine_path(dir.path(), "  "), Err(PathError::Empty));
        assert_eq!(confine_path(dir.path(), "."), Err(PathError::Empty));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leading_out_of_the_root_are_refused() {
        let dir = root();
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.txt"), "s").expect("write");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("symlink");
        assert!(matches!(
            confine_path(dir.path(), "link/secret.txt"),
            Err(PathError::SymlinkEscape(_))
        ));
        // A missing file behind the escaping link is refused too.
        assert!(matches!(
            confine_path(dir.path(), "link/missing.txt"),
            Err(PathError::SymlinkEscape(_))
        ));
        // A link that stays inside is fine.
        std::os::unix::fs::symlink(dir.path().join("src"), dir.path().join("inner"))
            .expect("symlink");
        assert_eq!(
            confine_path(dir.path(), "inner/lib.rs").as_deref(),
            Ok("inner/lib.rs")
        );
    }

    #[test]
    fn globs_follow_the_lexical_rules() {
        let dir = root();
        assert_eq!(
            confine_glob(dir.path(), "src/**/*.rs").as_deref(),
            Ok("src/**/*.rs")
        );
        assert_eq!(confine_glob(dir.path(), "./").as_deref(), Ok(""));
        assert!(confine_glob(dir.path(), "../**").is_err());
        assert!(confine_glob(dir.path(), "/elsewhere/**").is_err());
    }
}
