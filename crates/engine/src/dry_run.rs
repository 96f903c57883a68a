//! `index --dry-run`: what an index run would do, without writing.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::{Engine, EngineError};

/// Texts embedded to estimate the embedder's speed.
const SAMPLE: usize = 32;

/// The survey `index --dry-run` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunReport {
    pub files: u64,
    pub skipped: u64,
    /// Skipped files grouped by reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Well-known big directories left out (`target/`, `node_modules/`, …).
    pub excluded_dirs: Vec<String>,
    pub chunks: u64,
    /// (files, chunks) per language.
    pub languages: BTreeMap<String, (u64, u64)>,
    pub backend: String,
    pub model: Option<String>,
    /// Estimated seconds to embed every chunk with an empty cache.
    pub estimated_embed_secs: Option<f64>,
    pub scan_ms: f64,
    pub chunk_ms: f64,
}

impl Engine {
    /// Scans and chunks the tree in memory and estimates embedding time from
    /// a small timed sample. Writes nothing.
    pub fn dry_run(&self) -> Result<DryRunReport, EngineError> {
        let t = Instant::now();
        let scan = amanmcp_scanner::scan(&self.root, &self.scan_options)
            .map_err(|e| EngineError::Scan(e.to_string()))?;
        let scan_ms = t.elapsed().as_secs_f64() * 1000.0;
        let mut skipped_by_reason = BTreeMap::new();
        for s in &scan.skipped {
            let reason = s.reason.to_string();
            let key = reason.split(':').next().unwrap_or(&reason).to_string();
            *skipped_by_reason.entry(key).or_insert(0u64) += 1;
        }
        let t = Instant::now();
        let mut languages: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut chunks = 0u64;
        let mut sample: Vec<String> = Vec::new();
        for f in &scan.files {
            let Ok(text) = amanmcp_scanner::read_text(&f.abs_path) else {
                continue;
            };
            let cs = self.chunker.chunk(&f.path, f.language, &text);
            let e = languages.entry(f.language.to_string()).or_default();
            e.0 += 1;
            e.1 += cs.len() as u64;
            chunks += cs.len() as u64;
            for c in cs {
                if sample.len() < SAMPLE && chunks.is_multiple_of(7) {
                    sample.push(c.embed_text);
                }
            }
        }
        let chunk_ms = t.elapsed().as_secs_f64() * 1000.0;
        let estimated_embed_secs = match (&self.embedder, sample.is_empty()) {
            (Some(e), false) => {
                let texts: Vec<&str> = sample.iter().map(String::as_str).collect();
                let t = Instant::now();
                e.embed_documents(&texts)?;
                let per = t.elapsed().as_secs_f64() / texts.len() as f64;
                Some(per * chunks as f64)
            }
            _ => None,
        };
        Ok(DryRunReport {
            files: scan.files.len() as u64,
            skipped: scan.skipped.len() as u64,
            skipped_by_reason,
            excluded_dirs: scan.excluded_dirs,
            chunks,
            languages,
            backend: self.backend.backend.clone(),
            model: self.backend.model.clone(),
            estimated_embed_secs,
            scan_ms,
            chunk_ms,
        })
    }
}
