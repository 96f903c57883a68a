//! `amanmcp eval QUERIES.jsonl [PATH]`: retrieval quality on your own repo.

use std::process::ExitCode;

use amanmcp_engine::eval::{evaluate, read_queries, EvalOptions};
use amanmcp_engine::SearchMode;
use anyhow::Result;

use super::open_engine;
use crate::args::{EvalArgs, GlobalArgs};
use crate::render;

/// Runs every query against the existing index and prints chunk MRR@k,
/// Recall@1/5/k and file MRR@k, overall and per language.
pub fn run(g: &GlobalArgs, a: EvalArgs) -> Result<ExitCode> {
    let engine = open_engine(g, a.path.as_deref())?;
    let mut queries = read_queries(&a.queries)?;
    if let Some(n) = a.limit {
        queries.truncate(n);
    }
    let mode = if a.bm25_only {
        SearchMode::Bm25Only
    } else if a.vector_only {
        SearchMode::VectorOnly
    } else {
        SearchMode::Hybrid
    };
    let report = evaluate(&engine, &queries, &EvalOptions { k: a.k, mode })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        render::eval(&report);
    }
    if let Some(min) = a.min_mrr {
        if report.overall.chunk_mrr < min {
            eprintln!(
                "chunk MRR@{} {:.4} is below the required {:.4}",
                a.k, report.overall.chunk_mrr, min
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}
