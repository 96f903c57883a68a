//! Embed stage: chunks without a vector are embedded on one thread while
//! this thread inserts finished vectors into the index, page by page, with
//! the graph persisted after every page so an interruption loses little.

use std::time::{Duration, Instant};

use amanmcp_index::{IndexWriter, PendingChunk};

use super::{name_blend, StageTimes};
use crate::{CancelFlag, Engine, EngineError, IndexReport, ProgressSink};

/// Pending chunks fetched from the index at a time.
const PAGE: usize = 4096;
/// Texts handed to a local embedder per call (it batches by tokens inside).
/// Small enough that a cancel (Ctrl-C, a watcher edit preempting a long
/// run) is honoured within a few seconds on a CPU.
const LOCAL_EMBED_CALL: usize = 96;

type Embedded = (
    Vec<PendingChunk>,
    Result<Vec<Vec<f32>>, EngineError>,
    Duration,
);

impl Engine {
    pub(super) fn embed_pending(
        &self,
        writer: &mut IndexWriter,
        progress: &dyn ProgressSink,
        cancel: &CancelFlag,
        report: &mut IndexReport,
        times: &mut StageTimes,
    ) -> Result<(), EngineError> {
        let Some(embedder) = self.embedder.clone() else {
            return Ok(());
        };
        // Vectors the cache supplied during upserts are queued in the writer
        // too: persist them even when nothing is left to embed.
        let total = writer.pending_count()?;
        if total == 0 {
            times.time("hnsw", || writer.commit_vectors())?;
            return Ok(());
        }
        let tokenize_before = embedder.tokenize_busy();
        let result = self.embed_pages(writer, &embedder, total, progress, cancel, report, times);
        // Tokenizing overlaps the model inside the embedder; report it apart.
        if let (Some(a), Some(b)) = (tokenize_before, embedder.tokenize_busy()) {
            times.add("tokenize", b.saturating_sub(a));
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn embed_pages(
        &self,
        writer: &mut IndexWriter,
        embedder: &std::sync::Arc<dyn amanmcp_embed::Embedder>,
        total: u64,
        progress: &dyn ProgressSink,
        cancel: &CancelFlag,
        report: &mut IndexReport,
        times: &mut StageTimes,
    ) -> Result<(), EngineError> {
        progress.phase("embed", Some(total));
        // Remote backends need enough texts per call to keep every request
        // slot busy; local ones want short calls for prompt cancellation.
        let per_call = match embedder.info().backend.as_str() {
            "ollama" | "openai" => {
                (self.config.remote_batch_size * self.config.remote_concurrency * 2).max(64)
            }
            _ => LOCAL_EMBED_CALL,
        };
        let mut last_first: Option<String> = None;
        loop {
            if cancel.is_cancelled() {
                break;
            }
            let page = times.time("store", || writer.pending_embeddings(PAGE))?;
            let Some(first) = page.first() else { break };
            if last_first.as_deref() == Some(first.chunk_id.as_str()) {
                return Err(EngineError::Config(format!(
                    "chunk {} stays pending after embedding; the index rejected its vector",
                    first.chunk_id
                )));
            }
            last_first = Some(first.chunk_id.clone());
            // Similar lengths in one call means little padding in its batches.
            let mut page = page;
            page.sort_by_key(|p| p.embed_text.len());
            let (tx, rx) = crossbeam_channel::bounded::<Embedded>(2);
            let embedder = &embedder;
            let result = std::thread::scope(|scope| -> Result<(), EngineError> {
                // Owned here so an early return drops it and unblocks the sender.
                let rx = rx;
                scope.spawn(move || {
                    let mut rest = page;
                    while !rest.is_empty() && !cancel.is_cancelled() {
                        let tail = rest.split_off(rest.len().min(per_call));
                        let batch = std::mem::replace(&mut rest, tail);
                        let texts = name_blend::texts(&batch);
                        let t = Instant::now();
                        let out = embedder
                            .embed_documents(&texts)
                            .map_err(EngineError::from)
                            .and_then(|v| name_blend::blend(&batch, v));
                        let failed = out.is_err();
                        if tx.send((batch, out, t.elapsed())).is_err() || failed {
                            break;
                        }
                    }
                });
                for (batch, out, took) in rx.iter() {
                    times.add("embed", took);
                    let vectors = out?;
                    let items: Vec<(String, String, Vec<f32>)> = batch
                        .into_iter()
                        .zip(vectors)
                        .map(|(p, v)| (p.chunk_id, p.text_hash, v))
                        .collect();
                    let n = items.len() as u64;
                    times.time("hnsw", || writer.add_vectors(&items))?;
                    report.chunks_embedded += n;
                    progress.advance(n);
                }
                Ok(())
            });
            // Whatever was embedded is kept, even when the embedder failed.
            times.time("hnsw", || writer.commit_vectors())?;
            result?;
        }
        Ok(())
    }
}
