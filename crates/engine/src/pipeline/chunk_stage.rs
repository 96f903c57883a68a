//! Chunk stage: worker threads read and chunk files while this thread
//! stores their chunks, committing often so BM25 search works early.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use amanmcp_chunker::Chunk;
use amanmcp_index::{FileRecord, IndexWriter};
use amanmcp_scanner::ScannedFile;

use super::StageTimes;
use crate::{CancelFlag, Engine, EngineError, IndexReport, ProgressSink};

/// Commit BM25 + metadata at least this often during a long run.
const COMMIT_EVERY: Duration = Duration::from_secs(2);
/// Files in flight between the chunk workers and the store.
const CHANNEL_DEPTH: usize = 256;

/// A chunked file on its way to the store.
enum Chunked {
    File {
        record: FileRecord,
        chunks: Vec<Chunk>,
        took: Duration,
    },
    /// Unreadable now (vanished, turned binary): removed from the index.
    Unreadable { path: String, reason: String },
}

impl Engine {
    pub(super) fn chunk_and_store(
        &self,
        writer: &mut IndexWriter,
        files: Vec<ScannedFile>,
        progress: &dyn ProgressSink,
        cancel: &CancelFlag,
        report: &mut IndexReport,
        times: &mut StageTimes,
    ) -> Result<(), EngineError> {
        if files.is_empty() {
            writer.commit()?;
            return Ok(());
        }
        progress.phase("index", Some(files.len() as u64));
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        let next = AtomicUsize::new(0);
        let (tx, rx) = crossbeam_channel::bounded::<Chunked>(CHANNEL_DEPTH);
        let files = &files;
        std::thread::scope(|scope| -> Result<(), EngineError> {
            for _ in 0..workers {
                let tx = tx.clone();
                let next = &next;
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= files.len() || cancel.is_cancelled() {
                        break;
                    }
                    if tx.send(self.chunk_file(&files[i])).is_err() {
                        break;
                    }
                });
            }
            drop(tx);
            let mut last_commit = Instant::now();
            let result = (|| {
                for item in rx.iter() {
                    match item {
                        Chunked::File {
                            record,
                            chunks,
                            took,
                        } => {
                            times.add("chunk", took);
                            report.chunks_written += chunks.len() as u64;
                            times.time("bm25", || writer.upsert_file(&record, &chunks))?;
                        }
                        Chunked::Unreadable { path, reason } => {
                            tracing::warn!(%path, %reason, "cannot read file; removing it from the index");
                            report.files_skipped += 1;
                            times.time("store", || writer.remove_file(&path))?;
                        }
                    }
                    progress.advance(1);
                    if last_commit.elapsed() >= COMMIT_EVERY {
                        times.time("bm25", || writer.commit())?;
                        last_commit = Instant::now();
                    }
                }
                Ok(())
            })();
            if result.is_err() {
                // Stop the workers quickly; drain so none blocks on send.
                next.store(usize::MAX / 2, Ordering::Relaxed);
                for _ in rx.iter() {}
            }
            result
        })?;
        times.time("bm25", || writer.commit())?;
        Ok(())
    }

    fn chunk_file(&self, file: &ScannedFile) -> Chunked {
        let started = Instant::now();
        match amanmcp_scanner::read_text(&file.abs_path) {
            Ok(text) => {
                let chunks = self.chunker.chunk(&file.path, file.language, &text);
                Chunked::File {
                    record: FileRecord {
                        path: file.path.clone(),
                        hash: file.hash.clone(),
                        mtime_ns: file.mtime_ns,
                        size: file.size,
                        language: file.language,
                    },
                    chunks,
                    took: started.elapsed(),
                }
            }
            Err(reason) => Chunked::Unreadable {
                path: file.path.clone(),
                reason: reason.to_string(),
            },
        }
    }
}
