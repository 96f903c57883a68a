//! Command-line syntax.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Local code search for you and your coding agent: hybrid BM25 + vector
/// search over a tree-sitter-chunked index, served over MCP or the CLI.
#[derive(Debug, Parser)]
#[command(name = "amanmcp", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// With no command: index if needed, then serve MCP on stdio (same as `serve`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Only errors on stderr; no progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log detail on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Embedding backend: auto, candle, static, ollama, openai, none.
    #[arg(long, global = true, value_name = "KIND")]
    pub embedder: Option<String>,
    /// Embedding model: Hugging Face id or local directory.
    #[arg(long, global = true, value_name = "ID")]
    pub model: Option<String>,
    /// Device for local models: auto, cpu, metal, cuda.
    #[arg(long, global = true, value_name = "DEVICE")]
    pub device: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index a project (incremental; only changed files are processed).
    Index(IndexArgs),
    /// Search the index of a project.
    Search(SearchArgs),
    /// Show index counts, embedder, pending work and staleness.
    Status(StatusArgs),
    /// Serve MCP over stdio for Claude Code, Cursor and other agents.
    Serve(ServeArgs),
    /// Show, create or locate configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// List, fetch or inspect embedding models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Measure retrieval quality on a JSONL file of queries with known answers.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Project root (default: current directory).
    pub path: Option<PathBuf>,
    /// Rebuild from scratch (vectors still come from the embedding cache).
    #[arg(long)]
    pub force: bool,
    /// Show what would be indexed without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the run report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for: an identifier, a phrase, a question.
    pub query: String,
    /// Project root (default: current directory).
    pub path: Option<PathBuf>,
    /// Number of results.
    #[arg(short = 'n', long, default_value_t = 10)]
    pub limit: usize,
    /// Only this language (repeatable).
    #[arg(long = "lang", value_name = "LANG")]
    pub languages: Vec<String>,
    /// Only paths matching this glob (e.g. `src/**/*.rs`) or directory prefix.
    #[arg(long = "path", value_name = "GLOB")]
    pub path_glob: Option<String>,
    /// Only this chunk kind: function, method, class, struct, … (repeatable).
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Keyword (BM25) retrieval only.
    #[arg(long, conflicts_with = "vector_only")]
    pub bm25_only: bool,
    /// Vector retrieval only.
    #[arg(long)]
    pub vector_only: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Show ranks, scores and boosts per result and per-stage timings.
    #[arg(long)]
    pub debug: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Project root (default: current directory).
    pub path: Option<PathBuf>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also scan the tree to count files changed since the last index run.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Project root (default: current directory).
    pub path: Option<PathBuf>,
    /// Do not watch the tree for changes.
    #[arg(long)]
    pub no_watch: bool,
    /// Do not index or reconcile on start.
    #[arg(long)]
    pub no_auto_index: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the merged configuration (secrets redacted).
    Show { path: Option<PathBuf> },
    /// Write a commented `.amanmcp.yaml` into the project.
    Init {
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print where configuration files are read from.
    Path { path: Option<PathBuf> },
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Known models and whether each is available locally.
    List,
    /// Download a model into the Hugging Face cache.
    Fetch { id: String },
    /// Show where a model resolves and its shape.
    Info { id: String },
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSONL: {"query", "path", "line", …} per line (the shared bench format).
    pub queries: PathBuf,
    /// Project root the paths are relative to (default: current directory).
    pub path: Option<PathBuf>,
    /// Cut-off rank for MRR and recall.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Evaluate only the first N queries.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Keyword (BM25) retrieval only.
    #[arg(long, conflicts_with = "vector_only")]
    pub bm25_only: bool,
    /// Vector retrieval only.
    #[arg(long)]
    pub vector_only: bool,
    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when chunk MRR@k is below this value (a CI gate).
    #[arg(long, value_name = "MRR")]
    pub min_mrr: Option<f64>,
}
