//! Built-in exclusions: generated, vendored and tool-cache content that
//! floods search results. Applied with the lowest precedence, so a
//! `!node_modules/` in `.gitignore`, `.amanmcpignore` or the config's
//! `ignore_patterns` brings a directory back.

/// Directories excluded by default (reported in `ScanReport::excluded_dirs`).
pub(crate) const DEFAULT_DIRS: &[&str] = &[
    "target/",
    "node_modules/",
    "dist/",
    "build/",
    "vendor/",
    "bower_components/",
    "__pycache__/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".eggs/",
    "*.egg-info/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".gradle/",
    ".idea/",
    ".vscode/",
    ".next/",
    ".nuxt/",
    ".svelte-kit/",
    ".terraform/",
    ".parcel-cache/",
    ".cache/",
    "coverage/",
];

/// Files excluded by default (reported as skipped, reason `Generated`).
pub(crate) const DEFAULT_FILES: &[&str] = &[
    "*.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "go.sum",
    "*.min.js",
    "*.min.mjs",
    "*.min.css",
    "*.bundle.js",
    "*.map",
    "*.pyc",
    ".DS_Store",
];
