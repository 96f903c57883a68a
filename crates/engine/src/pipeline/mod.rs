//! The indexing pipeline: scan → diff → chunk → store (BM25 first) → embed.
//! Stages overlap through bounded channels so memory stays bounded and the
//! cores stay busy; every stage's busy time lands in [`IndexReport`].

mod chunk_stage;
mod diff;
mod embed_stage;
mod name_blend;
mod timings;

use std::path::{Path, PathBuf};
use std::time::Instant;

use amanmcp_index::IndexWriter;
use amanmcp_scanner::ScannedFile;

use crate::paths::relative_string;
use crate::{CancelFlag, Engine, EngineError, IndexReport, ProgressSink};

pub(crate) use timings::StageTimes;

/// Version of the rules that turn files into chunks and chunks into vectors
/// (chunker boundaries, embed and name texts, vector blending). On a full
/// run, an index recorded with another version treats every file as
/// changed, since otherwise unchanged files would keep chunks made by the
/// old rules; chunks whose text did not change keep their vectors, and the
/// embedding cache answers for every text seen before.
pub(crate) const PIPELINE_VERSION: &str = "2026-11-22.vocab-v3";

impl Engine {
    /// Brings the index in line with the working tree: new and changed files
    /// are chunked and stored (BM25 committed first, so keyword search works
    /// early), vanished files removed, then missing vectors embedded (the
    /// embedding cache answers for text seen before). `force` rebuilds from
    /// scratch, still reusing cached vectors. Cancelling commits what is done;
    /// the next run resumes.
    pub fn index(
        &self,
        force: bool,
        progress: &dyn ProgressSink,
        cancel: &CancelFlag,
    ) -> Result<IndexReport, EngineError> {
        let started = Instant::now();
        let mut times = StageTimes::default();
        let mut report = IndexReport::default();
        let mut guard = self.writer()?;
        let writer = self.prepared_writer(&mut guard, force, progress)?;
        // Chunks made by other rules would stay until their file changes:
        // then every file counts as changed (chunks whose text is the same
        // keep their vectors, the cache answers for the rest).
        let outdated = writer.pipeline_version()?.as_deref() != Some(PIPELINE_VERSION);
        self.reload_ignore_rules();

        progress.phase("scan", None);
        let scan = times.time("scan", || {
            amanmcp_scanner::scan(&self.root, &self.scan_options)
                .map_err(|e| EngineError::Scan(e.to_string()))
        })?;
        report.files_scanned = scan.files.len() as u64;
        report.files_skipped = scan.skipped.len() as u64;
        for s in &scan.skipped {
            tracing::debug!(path = %s.path, reason = %s.reason, "skipped");
        }

        let mut known = times.time("store", || writer.files())?;
        if outdated && !force && !known.is_empty() {
            progress.message("index made by an older amanmcp: chunking every file again");
            known.values_mut().for_each(|rec| rec.hash.clear());
        }
        let plan = diff::plan(scan.files, &known);
        report.files_added = plan.added;
        report.files_modified = plan.modified;
        report.files_unchanged = plan.unchanged;
        report.files_removed = plan.removed.len() as u64;
        times.time("store", || -> Result<(), EngineError> {
            for path in &plan.removed {
                writer.remove_file(path)?;
            }
            Ok(())
        })?;

        let pending_before = writer.pending_count()?;
        self.chunk_and_store(
            writer,
            plan.to_index,
            progress,
            cancel,
            &mut report,
            &mut times,
        )?;
        // Recorded only once every file went through the current rules, so
        // an interrupted upgrade is picked up again by the next run.
        if !cancel.is_cancelled() {
            writer.set_pipeline_version(PIPELINE_VERSION)?;
            writer.commit()?;
        }
        let newly_pending = writer.pending_count()?.saturating_sub(pending_before);
        report.chunks_cached = report.chunks_written.saturating_sub(newly_pending);
        if !cancel.is_cancelled() {
            self.embed_pending(writer, progress, cancel, &mut report, &mut times)?;
        }
        self.finish_report(writer, &mut report, times, started, cancel)?;
        progress.finish();
        Ok(report)
    }

    /// Updates just the given files (absolute paths, from the watcher):
    /// changed ones are re-chunked, deleted or now-ignored ones removed.
    /// A path that is an existing directory triggers a full reconcile.
    pub fn update_paths(
        &self,
        paths: &[PathBuf],
        cancel: &CancelFlag,
    ) -> Result<IndexReport, EngineError> {
        if paths.iter().any(|p| p.is_dir()) {
            return self.index(false, &crate::NoProgress, cancel);
        }
        let started = Instant::now();
        let mut times = StageTimes::default();
        let mut report = IndexReport::default();
        let mut guard = self.writer()?;
        let writer = self.prepared_writer(&mut guard, false, &crate::NoProgress)?;
        if writer.pipeline_version()?.as_deref() != Some(PIPELINE_VERSION) {
            drop(guard);
            return self.index(false, &crate::NoProgress, cancel);
        }
        let known = writer.files()?;
        let mut to_index: Vec<ScannedFile> = Vec::new();
        for abs in paths {
            let Some(rel) = self.relative(abs) else {
                continue;
            };
            let indexable = abs.is_file() && self.is_indexable(abs);
            let scanned = if indexable {
                times.time("scan", || self.scan_one(abs))
            } else {
                None
            };
            match scanned {
                Some(file) => match known.get(&rel) {
                    Some(rec) if rec.hash == file.hash => report.files_unchanged += 1,
                    Some(_) => {
                        report.files_modified += 1;
                        to_index.push(file)
                    }
                    None => {
                        report.files_added += 1;
                        to_index.push(file)
                    }
                },
                None => {
                    let prefix = format!("{rel}/");
                    for path in known.keys() {
                        if *path == rel || path.starts_with(&prefix) {
                            writer.remove_file(path)?;
                            report.files_removed += 1;
                        }
                    }
                }
            }
        }
        report.files_scanned = paths.len() as u64;
        self.chunk_and_store(
            writer,
            to_index,
            &crate::NoProgress,
            cancel,
            &mut report,
            &mut times,
        )?;
        if !cancel.is_cancelled() {
            self.embed_pending(writer, &crate::NoProgress, cancel, &mut report, &mut times)?;
        }
        self.finish_report(writer, &mut report, times, started, cancel)?;
        Ok(report)
    }

    /// The writer out of its guard, with the embedder identity recorded (a
    /// change drops old vectors so models never mix) and, for `--force`,
    /// the index cleared.
    fn prepared_writer<'g>(
        &self,
        guard: &'g mut Option<IndexWriter>,
        force: bool,
        progress: &dyn ProgressSink,
    ) -> Result<&'g mut IndexWriter, EngineError> {
        let writer = guard
            .as_mut()
            .ok_or_else(|| EngineError::Busy("index writer unavailable".into()))?;
        if let Some(spec) = self.embedding_spec() {
            if writer.set_embedding_spec(Some(&spec))? {
                progress.message(&format!(
                    "embedding model is now {} ({}d): vectors will be rebuilt (cached ones reused)",
                    spec.model_id, spec.dims
                ));
            }
        }
        if force {
            writer.clear()?;
        }
        Ok(writer)
    }

    fn finish_report(
        &self,
        writer: &mut IndexWriter,
        report: &mut IndexReport,
        times: StageTimes,
        started: Instant,
        cancel: &CancelFlag,
    ) -> Result<(), EngineError> {
        if self.embedder.is_some() {
            // Cached vectors queued by upserts survive a cancelled run too.
            writer.commit_vectors()?;
        }
        let stats = writer.stats()?;
        report.chunks_total = stats.chunks;
        report.pending_embeddings = stats.pending_embeddings;
        report.cancelled = cancel.is_cancelled();
        report.stages_ms = times.into_map();
        report.wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(())
    }

    /// `/`-separated path relative to the root, if `abs` is inside it.
    fn relative(&self, abs: &Path) -> Option<String> {
        let rel = abs.strip_prefix(&self.root).ok()?;
        let rel = relative_string(rel);
        (!rel.is_empty()).then_some(rel)
    }
}
