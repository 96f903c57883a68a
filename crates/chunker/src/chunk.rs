//! The unit of indexing: a contiguous span of one file with its symbol context.

use amanmcp_scanner::Language;
use serde::{Deserialize, Serialize};

/// What a chunk holds, so searches can filter ("only functions") and rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkKind {
    Function,
    Method,
    Class,
    Struct,
    Enum,
    Trait,
    Interface,
    Impl,
    Module,
    Type,
    Constant,
    /// Top-level code between symbols (imports, statements, merged small items).
    Block,
    /// A Markdown section under a heading.
    Section,
    /// A line window from the fallback chunker (data files, unparsable code).
    Window,
}

impl ChunkKind {
    /// Stable lowercase name used in the index, filters and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Function => "function",
            ChunkKind::Method => "method",
            ChunkKind::Class => "class",
            ChunkKind::Struct => "struct",
            ChunkKind::Enum => "enum",
            ChunkKind::Trait => "trait",
            ChunkKind::Interface => "interface",
            ChunkKind::Impl => "impl",
            ChunkKind::Module => "module",
            ChunkKind::Type => "type",
            ChunkKind::Constant => "constant",
            ChunkKind::Block => "block",
            ChunkKind::Section => "section",
            ChunkKind::Window => "window",
        }
    }

    /// All variants, for parsing and listings.
    pub const ALL: [ChunkKind; 14] = [
        ChunkKind::Function,
        ChunkKind::Method,
        ChunkKind::Class,
        ChunkKind::Struct,
        ChunkKind::Enum,
        ChunkKind::Trait,
        ChunkKind::Interface,
        ChunkKind::Impl,
        ChunkKind::Module,
        ChunkKind::Type,
        ChunkKind::Constant,
        ChunkKind::Block,
        ChunkKind::Section,
        ChunkKind::Window,
    ];

    /// Parses a user-supplied kind name (filters, config); `fn` and `class`-like aliases accepted.
    pub fn parse(s: &str) -> Option<ChunkKind> {
        let lower = s.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "fn" | "func" | "def" => "function",
            "const" | "static" => "constant",
            "mod" | "namespace" | "package" => "module",
            "typealias" | "type_alias" => "type",
            other => other,
        };
        ChunkKind::ALL.iter().copied().find(|k| k.as_str() == alias)
    }
}

impl std::fmt::Display for ChunkKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One indexed span. `id` is stable for the same path and content, so an
/// unchanged chunk keeps its id across runs; `embed_text` is what the
/// embedder sees (context header, then the code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Hex hash of path + content (16 bytes of blake3, 32 hex chars).
    pub id: String,
    /// Relative, `/`-separated path.
    pub path: String,
    pub language: Language,
    /// 1-based, inclusive.
    pub start_line: u32,
    /// 1-based, inclusive.
    pub end_line: u32,
    /// Byte offsets into the file, half-open.
    pub start_byte: usize,
    pub end_byte: usize,
    /// Name of the symbol this chunk defines, when it defines one.
    pub symbol: Option<String>,
    /// Enclosing scope, e.g. `impl Foo for Bar`, `class Console`, `A > B` for Markdown.
    pub scope: Option<String>,
    pub kind: ChunkKind,
    /// First line(s) of the definition, e.g. `pub fn abort_all(&mut self)`.
    pub signature: Option<String>,
    /// The source text of the span (exactly the file's bytes in the range).
    pub content: String,
    /// Text handed to the embedder: a short context header then the content.
    pub embed_text: String,
}

impl Chunk {
    /// The symbol qualified by its scope, e.g. `JoinSet::abort_all`, used for
    /// exact-symbol boosts and `find_symbol`.
    pub fn qualified_symbol(&self) -> Option<String> {
        crate::names::qualify(self.scope.as_deref(), self.symbol.as_deref())
    }

    /// The qualified symbol in plain words (see [`crate::name_text`]), the
    /// second text embedded for a chunk that defines a symbol.
    pub fn name_text(&self) -> Option<String> {
        crate::names::chunk_name_text(self.kind, self.qualified_symbol().as_deref(), &self.content)
    }
}
