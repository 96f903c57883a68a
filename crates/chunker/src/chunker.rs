//! The public entry point: picks the strategy per language and guarantees
//! the invariants (no panic, at least one chunk for non-blank input, every
//! non-blank line covered).

use crate::code::{chunk_tree, error_bytes, Ctx};
use crate::languages::{spec, LangSpec, TREE_SITTER_LANGUAGES};
use crate::lines::Lines;
use crate::markdown::chunk_markdown;
use crate::span::{to_chunks, Meta, Span};
use crate::unwrap::unwrap_macros;
use crate::window::windows;
use crate::{Chunk, ChunkKind, TokenCounter};
use amanmcp_scanner::Language;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tree_sitter::{ParseOptions, Parser, Tree};

/// Chunk size settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Budget for a chunk's `embed_text` (header plus content), in the
    /// counter's tokens; default 384, below the 512-token context of common
    /// embedding models. Only a single character wider than the budget can
    /// exceed it.
    pub max_tokens: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions { max_tokens: 384 }
    }
}

thread_local! {
    /// One parser per language per thread: parsers are not `Sync` and
    /// creating one per file is wasted work.
    static PARSERS: RefCell<HashMap<Language, Parser>> = RefCell::new(HashMap::new());
}

/// Splits files into [`Chunk`]s. Cheap to share across threads.
pub struct Chunker {
    opts: ChunkOptions,
    counter: Arc<dyn TokenCounter>,
}

/// Languages chunked by syntax tree; everything else is Markdown or line windows.
pub fn supported_languages() -> &'static [Language] {
    &TREE_SITTER_LANGUAGES
}

impl Chunker {
    /// A chunker that sizes chunks with `counter` (the embedder's tokenizer
    /// in production, [`crate::EstimateCounter`] otherwise).
    pub fn new(opts: ChunkOptions, counter: Arc<dyn TokenCounter>) -> Chunker {
        Chunker { opts, counter }
    }

    pub fn options(&self) -> &ChunkOptions {
        &self.opts
    }

    /// Token budget for chunk content: `max_tokens` minus the `path:` header
    /// line and a 1/32 margin for tokenizers whose counts are not exactly
    /// additive over lines. Scope and signature lines are subtracted where
    /// they are known.
    fn content_budget(&self, path: &str) -> usize {
        let max = self.opts.max_tokens;
        let path_cost =
            self.counter.count("path") + 1 + self.counter.count(crate::span::clip(path));
        max.saturating_sub(path_cost + max / 32).max(16)
    }

    /// Chunks one file. Never panics; a file with any non-whitespace content
    /// yields at least one chunk, and the chunks cover every non-blank line.
    /// Code whose syntax tree is mostly errors (ERROR nodes covering more
    /// than half the bytes) falls back to line windows.
    pub fn chunk(&self, path: &str, language: Language, source: &str) -> Vec<Chunk> {
        if source.trim().is_empty() {
            return Vec::new();
        }
        let counter = self.counter.as_ref();
        let budget = self.content_budget(path);
        let lines = Lines::new(source, counter);
        let structured = catch_unwind(AssertUnwindSafe(|| match (language, spec(language)) {
            (Language::Markdown, _) => Some(chunk_markdown(&lines, counter, budget)),
            (_, Some(spec)) => self.chunk_code(spec, language, &lines, budget),
            _ => None,
        }));
        let spans = match structured {
            Ok(Some(spans)) if covers_all(&lines, &spans) => spans,
            Ok(Some(_)) => {
                tracing::debug!("{path}: structured chunks missed lines; using line windows");
                self.fallback(&lines, budget)
            }
            Ok(None) => self.fallback(&lines, budget),
            Err(_) => {
                tracing::warn!("{path}: chunker failed; using line windows");
                self.fallback(&lines, budget)
            }
        };
        to_chunks(path, language, &lines, spans)
    }

    fn fallback(&self, lines: &Lines, budget: usize) -> Vec<Span> {
        windows(
            lines,
            self.counter.as_ref(),
            budget,
            0,
            lines.last(),
            &Meta::plain(ChunkKind::Window),
        )
    }

    fn chunk_code(
        &self,
        spec: &'static LangSpec,
        language: Language,
        lines: &Lines,
        budget: usize,
    ) -> Option<Vec<Span>> {
        let tree = parse(spec, language, lines.src)?;
        if error_bytes(tree.root_node()) * 2 > lines.src.len() {
            return None;
        }
        // Items inside `cfg_rt! { … }`-style macros: same offsets, blanked
        // delimiters, parsed again (the chunk text still comes from `lines`).
        let unwrapped = spec.item_macros.and_then(|find| {
            unwrap_macros(lines.src, &tree, find, &mut |s| parse(spec, language, s))
        });
        let (src, tree) = match &unwrapped {
            Some((src, tree)) => (src.as_str(), tree),
            None => (lines.src, &tree),
        };
        let root = tree.root_node();
        let ctx = Ctx {
            src,
            lines,
            spec,
            counter: self.counter.as_ref(),
            budget,
            small: (budget / 12).max(8),
        };
        Some(chunk_tree(&ctx, root))
    }
}

/// Parse time allowed: 2 s plus 1 s per 256 KiB; real files parse in
/// milliseconds, so only pathological input reaches it.
fn parse_time_limit(len: usize) -> Duration {
    Duration::from_secs(2) + Duration::from_millis((len as u64).saturating_mul(1000) / (256 * 1024))
}

fn parse(spec: &LangSpec, language: Language, source: &str) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.try_borrow_mut().ok()?;
        let parser = match parsers.entry(language) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut parser = Parser::new();
                if let Err(err) = parser.set_language(&(spec.grammar)()) {
                    tracing::warn!("tree-sitter grammar for {language}: {err}");
                    return None;
                }
                v.insert(parser)
            }
        };
        // Some grammars (TSX on `<`-heavy garbage) can take minutes; give up
        // after a size-proportional deadline and let the caller use windows.
        let deadline = Instant::now() + parse_time_limit(source.len());
        let mut past_deadline = |_: &tree_sitter::ParseState| Instant::now() > deadline;
        let bytes = source.as_bytes();
        let tree = parser.parse_with_options(
            &mut |offset: usize, _| bytes.get(offset..).unwrap_or_default(),
            None,
            Some(ParseOptions::new().progress_callback(&mut past_deadline)),
        );
        if tree.is_none() {
            tracing::debug!(
                "{language}: parse gave up after {:?}",
                parse_time_limit(source.len())
            );
            parser.reset();
        }
        tree
    })
}

/// Every non-blank line lies inside some span.
fn covers_all(lines: &Lines, spans: &[Span]) -> bool {
    let mut covered = vec![false; lines.count()];
    for span in spans {
        if span.end <= span.start {
            continue;
        }
        let a = lines.line_of(span.start);
        let b = lines.line_of(span.end - 1);
        for c in covered.iter_mut().take(b + 1).skip(a) {
            *c = true;
        }
    }
    (0..lines.count()).all(|l| covered[l] || lines.is_blank(l))
}
