//! Language detection from a path (extension, well-known file names) and,
//! for files without a recognised name, the shebang line.
//!
//! Policy for unknown files: a file is indexed only when its language is
//! known. Extensions of common text formats that have no grammar of their
//! own (`.txt`, `.rst`, `.xml`, `.sql`, `.proto`, ...) and well-known names
//! (`Makefile`, `Dockerfile`, `LICENSE`, ...) map to [`Language::Text`] and
//! get line-window chunks. Anything else (images, archives, `.lock`, unknown
//! extensions) is skipped, because guessing would index data blobs and noise.

use crate::Language;
use std::path::Path;

/// Language of a file from its path, or from `first_line` (a shebang) when
/// the path says nothing. `None` means "do not index".
pub fn detect_language(path: &Path, first_line: Option<&str>) -> Option<Language> {
    let name = path.file_name()?.to_str()?;
    if let Some(lang) = by_file_name(name) {
        return Some(lang);
    }
    if let Some(ext) = extension(name) {
        if let Some(lang) = by_extension(&ext.to_ascii_lowercase()) {
            return Some(lang);
        }
    }
    first_line.and_then(by_shebang)
}

/// True when the path alone cannot decide and a shebang might: no extension
/// (e.g. `bin/deploy`). The scanner only reads the first line for these.
pub fn needs_shebang(path: &Path) -> bool {
    match path.file_name().and_then(|n| n.to_str()) {
        Some(name) => by_file_name(name).is_none() && extension(name).is_none(),
        None => false,
    }
}

/// The extension of a file name, ignoring a leading dot (`.bashrc` has none).
fn extension(name: &str) -> Option<&str> {
    let trimmed = name.strip_prefix('.').unwrap_or(name);
    let (_, ext) = trimmed.rsplit_once('.')?;
    (!ext.is_empty()).then_some(ext)
}

fn by_extension(ext: &str) -> Option<Language> {
    use Language::*;
    Some(match ext {
        "rs" => Rust,
        "py" | "pyi" | "pyw" => Python,
        "go" => Go,
        "ts" | "mts" | "cts" => TypeScript,
        "tsx" => Tsx,
        "js" | "mjs" | "cjs" | "jsx" => JavaScript,
        "java" => Java,
        "c" | "h" => C,
        "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "h++" | "ipp" | "inl" | "tpp" => Cpp,
        "cs" => CSharp,
        "rb" | "rake" | "gemspec" | "ru" => Ruby,
        "php" | "phtml" => Php,
        "kt" | "kts" => Kotlin,
        "swift" => Swift,
        "scala" | "sc" | "sbt" => Scala,
        "sh" | "bash" | "zsh" | "ksh" => Bash,
        "md" | "markdown" | "mdx" => Markdown,
        "toml" => Toml,
        "yaml" | "yml" => Yaml,
        "json" | "jsonc" | "json5" => Json,
        "txt" | "text" | "rst" | "adoc" | "asciidoc" | "org" | "tex" | "cfg" | "ini" | "conf"
        | "properties" | "gradle" | "cmake" | "mk" | "xml" | "html" | "htm" | "css" | "scss"
        | "sass" | "less" | "sql" | "proto" | "graphql" | "gql" | "tf" | "hcl" | "lua" | "pl"
        | "pm" | "r" | "dart" | "ex" | "exs" | "erl" | "hs" | "ml" | "mli" | "clj" | "vue"
        | "svelte" | "zig" | "nim" | "bat" | "cmd" | "ps1" | "dockerfile" | "j2" | "jinja"
        | "tmpl" | "tpl" | "in" | "pyx" | "pxd" | "ipynb" | "csv" | "tsv" | "svg" => Text,
        _ => return None,
    })
}

fn by_file_name(name: &str) -> Option<Language> {
    use Language::*;
    let lang = match name {
        "Makefile" | "makefile" | "GNUmakefile" | "Dockerfile" | "Containerfile"
        | "Jenkinsfile" | "Procfile" | "BUILD" | "WORKSPACE" | "CODEOWNERS" | "LICENSE"
        | "LICENCE" | "COPYING" | "NOTICE" | "AUTHORS" | "CONTRIBUTORS" | "README"
        | "CHANGELOG" | "CHANGES" | "TODO" | ".editorconfig" | ".gitattributes" | ".gitignore"
        | ".dockerignore" | "go.mod" | "go.work" | "requirements.txt" | "MANIFEST.in"
        | "CMakeLists.txt" => Text,
        "Rakefile" | "Gemfile" | "Vagrantfile" | "Podfile" | "Brewfile" | "Guardfile"
        | "Fastfile" | "Capfile" => Ruby,
        "Pipfile" => Toml,
        ".bashrc" | ".bash_profile" | ".bash_logout" | ".profile" | ".zshrc" | ".zprofile"
        | ".envrc" | "PKGBUILD" => Bash,
        _ => {
            if name.starts_with("Dockerfile.")
                || name.starts_with("LICENSE-")
                || name.starts_with("LICENSE.")
                || name.starts_with("requirements") && name.ends_with(".txt")
            {
                Text
            } else {
                return None;
            }
        }
    };
    Some(lang)
}

/// Interpreter named by a `#!` line: `/bin/sh`, `/usr/bin/env python3`, `env -S node --flag`.
fn by_shebang(line: &str) -> Option<Language> {
    let rest = line.strip_prefix("#!")?.trim();
    let mut words = rest.split_whitespace();
    let mut prog = words.next()?.rsplit('/').next()?;
    if prog == "env" {
        prog = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        prog = prog.rsplit('/').next()?;
    }
    let base = prog.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    use Language::*;
    Some(match base {
        "sh" | "bash" | "zsh" | "ksh" | "dash" | "ash" => Bash,
        "python" | "pypy" => Python,
        "node" | "nodejs" | "deno" | "bun" => JavaScript,
        "ts-node" | "tsx" => TypeScript,
        "ruby" => Ruby,
        "php" => Php,
        "kotlin" => Kotlin,
        "scala" => Scala,
        "swift" => Swift,
        "perl" | "lua" | "make" | "awk" | "gawk" => Text,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(p: &str, first: Option<&str>) -> Option<Language> {
        detect_language(Path::new(p), first)
    }

    #[test]
    fn extensions_and_names() {
        assert_eq!(d("src/lib.rs", None), Some(Language::Rust));
        assert_eq!(d("a/B.TSX", None), Some(Language::Tsx));
        assert_eq!(d("x.hpp", None), Some(Language::Cpp));
        assert_eq!(d("Makefile", None), Some(Language::Text));
        assert_eq!(d("docker/Dockerfile.dev", None), Some(Language::Text));
        assert_eq!(d("Gemfile", None), Some(Language::Ruby));
        assert_eq!(d(".bashrc", None), Some(Language::Bash));
        assert_eq!(d("README.md", None), Some(Language::Markdown));
        assert_eq!(d("logo.png", None), None);
        assert_eq!(d("Cargo.lock", None), None);
        assert_eq!(d("weird.xyz", Some("#!/bin/sh")), Some(Language::Bash));
    }

    #[test]
    fn shebangs() {
        assert_eq!(
            d("bin/run", Some("#!/usr/bin/env python3")),
            Some(Language::Python)
        );
        assert_eq!(d("bin/run", Some("#!/bin/bash -e")), Some(Language::Bash));
        assert_eq!(
            d("bin/run", Some("#!/usr/bin/env -S node --no-warnings")),
            Some(Language::JavaScript)
        );
        assert_eq!(d("bin/run", Some("#!/usr/bin/ruby")), Some(Language::Ruby));
        assert_eq!(d("bin/run", Some("hello")), None);
        assert_eq!(d("bin/run", None), None);
        assert!(needs_shebang(Path::new("bin/run")));
        assert!(!needs_shebang(Path::new("bin/run.py")));
    }
}
