//! One module per subcommand; [`run`] dispatches.

mod config;
mod eval;
mod index;
mod model;
mod search;
mod serve;
mod status;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use amanmcp_engine::{Config, ConfigOverrides, Engine, EngineError};
use anyhow::{Context, Result};

use crate::args::{Cli, Command, GlobalArgs, ServeArgs};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match cli.command {
        None => serve::run(
            g,
            ServeArgs {
                path: None,
                no_watch: false,
                no_auto_index: false,
            },
        ),
        Some(Command::Serve(a)) => serve::run(g, a),
        Some(Command::Index(a)) => index::run(g, a),
        Some(Command::Search(a)) => search::run(g, a),
        Some(Command::Status(a)) => status::run(g, a),
        Some(Command::Config(c)) => config::run(g, c),
        Some(Command::Model(c)) => model::run(g, c),
        Some(Command::Eval(a)) => eval::run(g, a),
    }
}

/// The project root: the given path or the current directory.
pub(crate) fn project_root(path: Option<&Path>) -> Result<PathBuf> {
    let p = match path {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    if !p.is_dir() {
        anyhow::bail!("{} is not a directory", p.display());
    }
    Ok(p)
}

/// Loads configuration with the command line's overrides.
pub(crate) fn load_config(g: &GlobalArgs, root: &Path) -> Result<Config> {
    let overrides = ConfigOverrides {
        embedder: g.embedder.clone(),
        model: g.model.clone(),
        device: g.device.clone(),
        ignore_user_config: false,
    };
    Ok(Config::load(root, &overrides)?)
}

/// Opens the engine for `path` (config, embedder, index).
pub(crate) fn open_engine(g: &GlobalArgs, path: Option<&Path>) -> Result<Engine> {
    let root = project_root(path)?;
    let config = load_config(g, &root)?;
    Ok(Engine::open(&root, config)?)
}

/// A next step for the errors users can fix themselves.
pub fn hint_for(e: &anyhow::Error) -> Option<String> {
    let engine = e.downcast_ref::<EngineError>()?;
    Some(match engine {
        EngineError::NoIndex(root) => format!("run `amanmcp index {}`", root.display()),
        EngineError::Busy(_) => {
            "another amanmcp process is writing this index (an `amanmcp serve` keeps it fresh); wait for it or stop it".into()
        }
        EngineError::Config(_) => {
            "see `amanmcp config show` and .amanmcp.yaml.example for valid keys".into()
        }
        EngineError::Embed(_) => {
            "check `amanmcp model list`, or use --embedder static / --embedder none".into()
        }
        _ => return None,
    })
}
