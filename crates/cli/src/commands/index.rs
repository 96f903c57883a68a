//! `amanmcp index [PATH] [--force] [--dry-run]`.

use std::process::ExitCode;

use amanmcp_engine::CancelFlag;
use anyhow::Result;

use super::open_engine;
use crate::args::{GlobalArgs, IndexArgs};
use crate::progress::CliProgress;
use crate::render;

/// Indexes (or with `--dry-run`, surveys) a project. Ctrl-C stops at the
/// next safe point with a consistent index; a second Ctrl-C exits at once.
pub fn run(g: &GlobalArgs, a: IndexArgs) -> Result<ExitCode> {
    let engine = open_engine(g, a.path.as_deref())?;
    if a.dry_run {
        let plan = engine.dry_run()?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            render::dry_run(&plan);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let cancel = CancelFlag::new();
    install_ctrlc(cancel.clone());
    let progress = CliProgress::new(g.quiet);
    progress.note(&render::backend_line(engine.backend()));
    let report = engine.index(a.force, &progress, &cancel)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if !g.quiet {
        render::index_report(&report);
    }
    if report.cancelled {
        eprintln!("interrupted: the index is consistent; run `amanmcp index` again to finish");
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn install_ctrlc(cancel: CancelFlag) {
    let result = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        eprintln!("\nstopping after the current batch (Ctrl-C again to abort now)…");
        cancel.cancel();
    });
    if let Err(e) = result {
        tracing::debug!("no Ctrl-C handler: {e}");
    }
}
