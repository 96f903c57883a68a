//! Language identification by file extension, file name and shebang.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Every language the pipeline knows about. Code languages get tree-sitter
/// chunking, `Markdown` gets heading-aware chunking, the rest line windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    Go,
    TypeScript,
    Tsx,
    JavaScript,
    Java,
    C,
    Cpp,
    CSharp,
    Ruby,
    Php,
    Kotlin,
    Swift,
    Scala,
    Bash,
    Markdown,
    Toml,
    Yaml,
    Json,
    Text,
}

impl Language {
    /// All variants, for listings and exhaustive tests.
    pub const ALL: [Language; 21] = [
        Language::Rust,
        Language::Python,
        Language::Go,
        Language::TypeScript,
        Language::Tsx,
        Language::JavaScript,
        Language::Java,
        Language::C,
        Language::Cpp,
        Language::CSharp,
        Language::Ruby,
        Language::Php,
        Language::Kotlin,
        Language::Swift,
        Language::Scala,
        Language::Bash,
        Language::Markdown,
        Language::Toml,
        Language::Yaml,
        Language::Json,
        Language::Text,
    ];

    /// Stable lowercase name used in the index, filters and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Go => "go",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::JavaScript => "javascript",
            Language::Java => "java",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::CSharp => "csharp",
            Language::Ruby => "ruby",
            Language::Php => "php",
            Language::Kotlin => "kotlin",
            Language::Swift => "swift",
            Language::Scala => "scala",
            Language::Bash => "bash",
            Language::Markdown => "markdown",
            Language::Toml => "toml",
            Language::Yaml => "yaml",
            Language::Json => "json",
            Language::Text => "text",
        }
    }

    /// True for programming languages (parsed with tree-sitter), false for
    /// documentation and data formats. Drives `search_code` vs `search_docs`.
    pub fn is_code(self) -> bool {
        !matches!(
            self,
            Language::Markdown | Language::Toml | Language::Yaml | Language::Json | Language::Text
        )
    }

    /// True for prose formats (`search_docs`).
    pub fn is_doc(self) -> bool {
        matches!(self, Language::Markdown | Language::Text)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a language name given by a user (filter, config) is unknown.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown language `{0}` (known: rust, python, go, typescript, tsx, javascript, java, c, cpp, csharp, ruby, php, kotlin, swift, scala, bash, markdown, toml, yaml, json, text)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "rs" => "rust",
            "py" => "python",
            "golang" => "go",
            "ts" => "typescript",
            "js" | "jsx" => "javascript",
            "c++" | "cxx" => "cpp",
            "c#" | "cs" => "csharp",
            "rb" => "ruby",
            "kt" => "kotlin",
            "sh" | "shell" => "bash",
            "md" => "markdown",
            "yml" => "yaml",
            "txt" | "plain" => "text",
            other => other,
        };
        Language::ALL
            .iter()
            .copied()
            .find(|l| l.as_str() == alias)
            .ok_or_else(|| UnknownLanguage(s.to_string()))
    }
}
