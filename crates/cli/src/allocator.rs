//! The process allocator (mimalloc) and how long it keeps freed memory.
//!
//! Embedding frees and re-allocates 20–60 MB of activations on every
//! forward pass; answering a query frees a few small buffers. One purge
//! delay cannot suit both, so the binary switches it with the workload:
//! `index` keeps freed memory 10 s, `serve` 20 ms except while a
//! background index run is embedding.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` (its position in mimalloc.h's `mi_option_e`,
/// v2 and v3; libmimalloc-sys 0.1 does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds freed memory is kept while embedding in bulk. mimalloc's
/// default (1 s) returned the activation buffers that each forward frees and
/// the next re-allocates, so each pass re-faulted them (kernel page zeroing
/// was ~8–10% of a MiniLM index run). 10 s keeps them across forwards;
/// memory still goes back to the OS about 10 s after the burst.
const EMBEDDING_PURGE_DELAY_MS: std::os::raw::c_long = 10_000;

/// Milliseconds freed memory is kept while answering queries. Held 10 s,
/// it kept `serve` at its query-burst peak: MCP over the 300 bench queries
/// peaked at 294–298 MB with 10 s and 265–273 MB with 20 ms, p50 7.8–8.0
/// against 7.9–8.2 ms (docs/benchmarks.md, session 7).
const QUERY_PURGE_DELAY_MS: std::os::raw::c_long = 20;

/// What the process is about to spend its time on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Index runs: many large, short-lived embedding buffers.
    Embedding,
    /// Serving searches: small allocations, long idle stretches.
    Queries,
}

/// Sets the purge delay for `workload`, unless the user set
/// `MIMALLOC_PURGE_DELAY` (which mimalloc reads itself, and which wins).
pub fn tune_for(workload: Workload) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    let delay = match workload {
        Workload::Embedding => EMBEDDING_PURGE_DELAY_MS,
        Workload::Queries => QUERY_PURGE_DELAY_MS,
    };
    // SAFETY: sets a plain integer in mimalloc's option table. mimalloc
    // reads it when it next decides on a purge; a thread that reads it
    // meanwhile sees the old or the new delay, either of which is valid.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) };
}
