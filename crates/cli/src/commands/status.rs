//! `amanmcp status [PATH] [--json]`.

use std::process::ExitCode;

use anyhow::Result;

use super::open_engine;
use crate::args::{GlobalArgs, StatusArgs};
use crate::render;

/// Prints counts, embedder, pending work and (with `--check`) staleness.
pub fn run(g: &GlobalArgs, a: StatusArgs) -> Result<ExitCode> {
    let engine = open_engine(g, a.path.as_deref())?;
    let mut status = engine.status()?;
    if a.check && status.indexed {
        status.stale_files = Some(engine.stale_files()?);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        render::status(&status);
    }
    Ok(ExitCode::SUCCESS)
}
