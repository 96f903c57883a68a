//! `amanmcp model list|fetch ID|info ID`.

use std::process::ExitCode;

use amanmcp_engine::models;
use anyhow::Result;

use crate::args::{GlobalArgs, ModelCommand};

/// Lists, downloads or describes embedding models.
pub fn run(_g: &GlobalArgs, c: ModelCommand) -> Result<ExitCode> {
    match c {
        ModelCommand::List => {
            println!("models dir: {}", models::models_dir().display());
            println!(
                "{:<45} {:<7} {:>5} {:>8}  {:<10} note",
                "id", "kind", "dims", "size", "local"
            );
            for m in models::KNOWN_MODELS {
                let local = match models::resolve_model(m.id, false) {
                    Ok(_) => "yes",
                    Err(_) => "no",
                };
                println!(
                    "{:<45} {:<7} {:>5} {:>6}MB  {:<10} {}",
                    m.id,
                    format!("{:?}", m.kind).to_lowercase(),
                    m.dims,
                    m.approx_size_mb,
                    local,
                    m.note
                );
            }
        }
        ModelCommand::Fetch { id } => {
            let r = models::resolve_model(&id, true)?;
            println!("{} -> {}", r.model_id, r.dir.display());
        }
        ModelCommand::Info { id } => {
            let r = models::resolve_model(&id, false)?;
            println!("id: {}", r.model_id);
            println!("kind: {:?}", r.kind);
            println!("dir: {}", r.dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
