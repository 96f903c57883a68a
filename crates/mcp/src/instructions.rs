//! What the server tells the agent at `initialize`: which tool fits which
//! question. Agents follow this text closely, so it is short and concrete.

/// Server instructions sent in the `initialize` result.
pub const INSTRUCTIONS: &str = "\
amanmcp searches this project's code and docs locally (hybrid keyword + semantic search over an index that follows file edits within about a second).

When to use which tool:
- search_code: find code by behaviour or concept (\"where are retries configured\", \"parse the config file\"). Use it before grep when you do not know the exact identifier. Filter with language, path (directory or glob) and kind (function, struct, class, ...).
- find_symbol: you know a name (function, type, method) and want its definition. Faster and more exact than search.
- search_docs: questions answered by README/Markdown/text documentation (setup, architecture, conventions).
- search: mixed code + docs when unsure which holds the answer.
- get_chunk: read the full text of a result (by its id) or any line range of a file (path, start_line, end_line) without opening the whole file.
- index_status: check index size, embedder, freshness, and background work when results look incomplete.
- reindex: only when the index seems wrong or outdated (it normally updates itself); force=true rebuilds from scratch.

Results list path:start-end, symbol, kind and score; `stale` means an update is still running, `degraded` means keyword-only ranking. Paths are relative to the project root.";
