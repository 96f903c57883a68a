//! `amanmcp config show|init|path`.

use std::process::ExitCode;

use amanmcp_engine::{project_config_path, user_config_path};
use anyhow::{Context, Result};

use super::{load_config, project_root};
use crate::args::{ConfigCommand, GlobalArgs};

/// The documented example, written by `config init`.
const EXAMPLE: &str = include_str!("../../../../.amanmcp.yaml.example");

/// Shows, creates or locates configuration.
pub fn run(g: &GlobalArgs, c: ConfigCommand) -> Result<ExitCode> {
    match c {
        ConfigCommand::Show { path } => {
            let root = project_root(path.as_deref())?;
            let config = load_config(g, &root)?;
            for (key, value) in config.describe() {
                println!("{key}: {value}");
            }
        }
        ConfigCommand::Init { path, force } => {
            let root = project_root(path.as_deref())?;
            let target = project_config_path(&root);
            if target.exists() && !force {
                anyhow::bail!(
                    "{} already exists (use --force to overwrite)",
                    target.display()
                );
            }
            std::fs::write(&target, EXAMPLE)
                .with_context(|| format!("cannot write {}", target.display()))?;
            eprintln!("wrote {}", target.display());
        }
        ConfigCommand::Path { path } => {
            let root = project_root(path.as_deref())?;
            let project = project_config_path(&root);
            let exists = |p: &std::path::Path| if p.is_file() { "" } else { " (not present)" };
            println!("project: {}{}", project.display(), exists(&project));
            match user_config_path() {
                Some(u) => println!("user: {}{}", u.display(), exists(&u)),
                None => println!("user: (no HOME)"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
