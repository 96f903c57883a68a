//! `amanmcp search QUERY [PATH] …`.

use std::process::ExitCode;

use amanmcp_engine::{Query, SearchMode};
use anyhow::Result;

use super::open_engine;
use crate::args::{GlobalArgs, SearchArgs};
use crate::render;

/// Runs one query and prints grep-like results, or one JSON object.
pub fn run(g: &GlobalArgs, a: SearchArgs) -> Result<ExitCode> {
    let engine = open_engine(g, a.path.as_deref())?;
    let mut q = Query::new(a.query, a.limit);
    q.languages = a.languages;
    q.path_glob = a.path_glob;
    q.kinds = a.kinds;
    q.debug = a.debug;
    q.mode = if a.bm25_only {
        SearchMode::Bm25Only
    } else if a.vector_only {
        SearchMode::VectorOnly
    } else {
        SearchMode::Hybrid
    };
    let out = engine.search(&q)?;
    if a.json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        render::search(&out, a.debug);
    }
    Ok(ExitCode::SUCCESS)
}
