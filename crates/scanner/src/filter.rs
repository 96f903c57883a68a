//! The ignore-rule engine shared by the full scan and the file watcher.
//!
//! Precedence mirrors the `ignore` crate (ripgrep): `.amanmcpignore` files
//! (deepest directory first), then `.gitignore` files (deepest first), then
//! `.git/info/exclude`, the global git excludes file, and last the built-in
//! defaults followed by the config's `ignore_patterns`. The first rule that
//! matches decides; `!pattern` re-includes. `.git/` and the index directory
//! are always excluded and cannot be re-included. `.gitignore` files are
//! honoured even outside a git repository (a tarball of a project should
//! index like its checkout). When the root sits inside a repository, the
//! ignore files of the directories between the repository root and the scan
//! root apply too.

use crate::defaults::{DEFAULT_DIRS, DEFAULT_FILES};
use crate::detect::{detect_language, needs_shebang};
use crate::options::{ScanError, ScanOptions};
use crate::read::first_line;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Name of the project-level ignore file (gitignore syntax).
pub const AMANMCP_IGNORE_FILE: &str = ".amanmcpignore";

/// Marker recorded as the source of built-in default patterns.
const DEFAULTS_SOURCE: &str = "<amanmcp defaults>";

/// Outcome of the ignore rules for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Include,
    /// Excluded by a user rule (gitignore, .amanmcpignore, config pattern).
    Ignored,
    /// Excluded by a built-in default (`target/`, `*.lock`, ...).
    DefaultExcluded,
    /// `.git` or the index directory: never indexed.
    Always,
}

/// Ignore files found in one directory.
struct DirRules {
    custom: Option<Gitignore>,
    git: Option<Gitignore>,
}

/// Decides whether single paths would be indexed, with exactly the ignore
/// rules of [`crate::scan`] — the watcher uses it for change events.
///
/// Limits: ignore files are read lazily and cached, so after a `.gitignore`
/// or `.amanmcpignore` changes (see [`PathFilter::is_rule_file`]) build a new
/// filter. [`PathFilter::is_indexable`] checks rules and language only;
/// content rules (binary, size, UTF-8, minified) need the bytes and are
/// applied by [`PathFilter::scan_file`] / [`crate::read_text`]. A deleted
/// path is judged as a file, since it can no longer be inspected.
pub struct PathFilter {
    /// Absolute root as given (the prefix of every walked path).
    root: PathBuf,
    /// Canonical root, for symlink checks and for paths reported canonically.
    canonical_root: PathBuf,
    /// Repository root (directory holding `.git`) at or above `root`, else `root`.
    top: PathBuf,
    index_dir_name: String,
    git_exclude: Gitignore,
    global: Gitignore,
    /// Defaults followed by the user's `ignore_patterns`, rooted at `root`.
    explicit: Gitignore,
    pub(crate) max_file_size: u64,
    cache: RwLock<HashMap<PathBuf, Arc<DirRules>>>,
}

impl PathFilter {
    /// Prepares the rules for `root`; fails only if the root is unusable.
    pub fn new(root: &Path, opts: &ScanOptions) -> Result<PathFilter, ScanError> {
        let canonical_root =
            std::fs::canonicalize(root).map_err(|source| ScanError::RootUnavailable {
                path: root.to_path_buf(),
                source,
            })?;
        if !canonical_root.is_dir() {
            return Err(ScanError::RootNotDirectory(root.to_path_buf()));
        }
        let root = if root.is_absolute() {
            root.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|cwd| cwd.join(root))
                .unwrap_or_else(|_| canonical_root.clone())
        };
        let root = normalize(&root);
        let top = root
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .unwrap_or(&root)
            .to_path_buf();

        let mut exclude = GitignoreBuilder::new(&top);
        exclude.add(top.join(".git/info/exclude"));
        let git_exclude = exclude.build().unwrap_or_else(|_| Gitignore::empty());
        let (global, err) = GitignoreBuilder::new(&top).build_global();
        if let Some(err) = err {
            tracing::debug!("global git excludes: {err}");
        }

        let mut explicit = GitignoreBuilder::new(&root);
        for pattern in DEFAULT_DIRS.iter().chain(DEFAULT_FILES) {
            if let Err(err) = explicit.add_line(Some(PathBuf::from(DEFAULTS_SOURCE)), pattern) {
                tracing::warn!("built-in ignore pattern {pattern}: {err}");
            }
        }
        for pattern in &opts.ignore_patterns {
            if let Err(err) = explicit.add_line(None, pattern) {
                tracing::warn!("ignoring invalid ignore pattern `{pattern}` from config: {err}");
            }
        }
        let explicit = explicit.build().unwrap_or_else(|err| {
            tracing::warn!("ignore patterns: {err}");
            Gitignore::empty()
        });

        Ok(PathFilter {
            root,
            canonical_root,
            top,
            index_dir_name: opts.index_dir_name.clone(),
            git_exclude,
            global,
            explicit,
            max_file_size: opts.max_file_size,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// The root paths are reported relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True when `abs_path` is under the root, not excluded by any ignore
    /// rule (its own or a parent directory's) and has a known language
    /// (a shebang is read if the file exists and has no extension).
    /// Directories answer whether the scan would descend into them.
    pub fn is_indexable(&self, abs_path: &Path) -> bool {
        let Some(rel) = self.relative(abs_path) else {
            return false;
        };
        let path = self.root.join(&rel);
        let mut dir = self.root.clone();
        let components: Vec<_> = rel.components().collect();
        let Some((_, parents)) = components.split_last() else {
            return false; // the root itself
        };
        for comp in parents {
            dir.push(comp);
            if self.verdict(&dir, true) != Verdict::Include {
                return false;
            }
        }
        let meta = std::fs::metadata(&path).ok();
        let is_dir = meta.as_ref().is_some_and(|m| m.is_dir());
        if self.verdict(&path, is_dir) != Verdict::Include {
            return false;
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
            && !self.inside_root(&path)
        {
            return false;
        }
        is_dir || self.language_of(&path).is_some()
    }

    /// True for files whose change alters the rules (`.gitignore`,
    /// `.amanmcpignore`, `.git/info/exclude`): rebuild the filter then.
    pub fn is_rule_file(path: &Path) -> bool {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name == ".gitignore"
            || name == AMANMCP_IGNORE_FILE
            || (name == "exclude" && path.ends_with(".git/info/exclude"))
    }

    /// Language by name, falling back to the shebang for extension-less files.
    pub(crate) fn language_of(&self, path: &Path) -> Option<crate::Language> {
        detect_language(path, None).or_else(|| {
            if needs_shebang(path) {
                first_line(path).and_then(|line| detect_language(path, Some(&line)))
            } else {
                None
            }
        })
    }

    /// Relative path under the root, accepting paths under the given or the
    /// canonical root; `None` outside the root.
    pub(crate) fn relative(&self, abs_path: &Path) -> Option<PathBuf> {
        let abs_path = normalize(abs_path);
        abs_path
            .strip_prefix(&self.root)
            .or_else(|_| abs_path.strip_prefix(&self.canonical_root))
            .ok()
            .map(Path::to_path_buf)
    }

    /// `/`-separated relative path for reports.
    pub(crate) fn display_rel(&self, abs_path: &Path) -> String {
        match self.relative(abs_path) {
            Some(rel) => rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            None => abs_path.to_string_lossy().into_owned(),
        }
    }

    /// Whether a symlink's target resolves inside the root.
    pub(crate) fn inside_root(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|target| target.starts_with(&self.canonical_root))
    }

    /// The rules for one path whose parent directories are already known to
    /// be included. `path` must start with the root.
    pub(crate) fn verdict(&self, path: &Path, is_dir: bool) -> Verdict {
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            if name == ".git" || name == self.index_dir_name {
                return Verdict::Always;
            }
        }
        let Some(parent) = path.parent() else {
            return Verdict::Include;
        };
        let dirs: Vec<Arc<DirRules>> = parent
            .ancestors()
            .take_while(|dir| dir.starts_with(&self.top))
            .map(|dir| self.dir_rules(dir))
            .collect();
        for rules in &dirs {
            if let Some(gi) = &rules.custom {
                if let Some(v) = decide(gi.matched(path, is_dir)) {
                    return v;
                }
            }
        }
        for rules in &dirs {
            if let Some(gi) = &rules.git {
                if let Some(v) = decide(gi.matched(path, is_dir)) {
                    return v;
                }
            }
        }
        for gi in [&self.git_exclude, &self.global] {
            if let Some(v) = decide(gi.matched(path, is_dir)) {
                return v;
            }
        }
        let m = self.explicit.matched(path, is_dir);
        if let ignore::Match::Ignore(glob) = &m {
            if glob.from() == Some(Path::new(DEFAULTS_SOURCE)) {
                return Verdict::DefaultExcluded;
            }
        }
        decide(m).unwrap_or(Verdict::Include)
    }

    fn dir_rules(&self, dir: &Path) -> Arc<DirRules> {
        if let Ok(cache) = self.cache.read() {
            if let Some(rules) = cache.get(dir) {
                return rules.clone();
            }
        }
        let rules = Arc::new(DirRules {
            custom: load_ignore_file(dir, AMANMCP_IGNORE_FILE),
            git: load_ignore_file(dir, ".gitignore"),
        });
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(dir.to_path_buf(), rules.clone());
        }
        rules
    }
}

fn decide<T>(m: ignore::Match<T>) -> Option<Verdict> {
    match m {
        ignore::Match::None => None,
        ignore::Match::Ignore(_) => Some(Verdict::Ignored),
        ignore::Match::Whitelist(_) => Some(Verdict::Include),
    }
}

fn load_ignore_file(dir: &Path, name: &str) -> Option<Gitignore> {
    let file = dir.join(name);
    if !file.is_file() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(dir);
    if let Some(err) = builder.add(&file) {
        tracing::warn!("{}: {err}", file.display());
    }
    match builder.build() {
        Ok(gi) if !gi.is_empty() => Some(gi),
        Ok(_) => None,
        Err(err) => {
            tracing::warn!("{}: {err}", file.display());
            None
        }
    }
}

/// Lexically removes `.` and resolves `..` so prefixes compare reliably.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
