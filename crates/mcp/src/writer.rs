//! The one thread that writes the index for this server. Reconciles,
//! watcher updates and `reindex` calls are queued here and run one at a
//! time, so the engine never sees two writers from one process. When
//! another process holds the writer lock the server becomes a reader: work
//! stays queued and is retried periodically, searches keep working, and the
//! client never hears about the lock.

use amanmcp_engine::{CancelFlag, Engine, EngineError, IndexReport, ProgressSink};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long to wait before trying again when another process writes.
pub const BUSY_RETRY: Duration = Duration::from_secs(30);
/// Above this many queued paths a full reconcile is cheaper and safer.
const MAX_QUEUED_PATHS: usize = 2000;

/// Who writes the index, as far as this server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Nothing written yet.
    Unknown,
    /// This server holds the writer lock.
    Writer,
    /// Another process holds it; this server only reads and retries.
    Reader,
}

impl Role {
    /// Lower-case name for status output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Unknown => "unknown",
            Role::Writer => "writer",
            Role::Reader => "reader",
        }
    }
}

/// The outcome a waiting `reindex` call gets.
#[derive(Debug, Clone)]
pub enum RunOutcome {
    /// The run finished.
    Done(IndexReport),
    /// Another process is writing; this server will retry later.
    Deferred,
    /// The run failed; the message is one line.
    Failed(String),
    /// The server is shutting down.
    Cancelled,
}

/// Called with the outcome of the reconcile it was queued with.
pub type Completion = Box<dyn FnOnce(RunOutcome) + Send>;

/// A snapshot of the writer for `index_status` and `reindex`.
#[derive(Debug, Clone)]
pub struct WriterSnapshot {
    pub role: Role,
    /// `reconcile`, `rebuild` or `update` while a run is in flight.
    pub running: Option<&'static str>,
    /// Phase of the running job and its progress (`embed 120/900`).
    pub phase: Option<String>,
    pub running_for: Option<Duration>,
    pub reconcile_queued: bool,
    pub queued_paths: usize,
    pub last_report: Option<IndexReport>,
    pub last_error: Option<String>,
    /// Unix seconds of the last successful write by this server.
    pub last_write: Option<i64>,
    pub next_retry_in: Option<Duration>,
}

#[derive(Default)]
struct Queue {
    reconcile: Option<bool>, // Some(force)
    /// The queued reconcile was interrupted for file updates: run those first.
    updates_first: bool,
    paths: BTreeSet<PathBuf>,
    completions: Vec<Completion>,
    progress: Vec<Arc<dyn ProgressSink>>,
    retry_at: Option<Instant>,
    shutdown: bool,
}

struct Running {
    kind: &'static str,
    started: Instant,
    cancel: CancelFlag,
    phase: Option<(String, Option<u64>, u64)>,
    preempted: bool,
}

struct State {
    queue: Queue,
    running: Option<Running>,
    role: Role,
    last_report: Option<IndexReport>,
    last_error: Option<String>,
    last_write: Option<i64>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            state: Mutex::new(State {
                queue: Queue::default(),
                running: None,
                role: Role::Unknown,
                last_report: None,
                last_error: None,
                last_write: None,
            }),
            wake: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queue in a state
        // worse than "some work lost"; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Called with `true` when an index run of the writer thread starts
/// embedding chunks and with `false` after every run (see
/// `ServeOptions::on_index_run`).
pub type IndexRunHook = Arc<dyn Fn(bool) + Send + Sync>;

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct IndexWriterHandle {
    shared: Arc<Shared>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl IndexWriterHandle {
    /// Starts the writer thread for `engine`; `on_run` hears when a run
    /// starts embedding and when each run ends.
    pub fn start(engine: Arc<Engine>, on_run: Option<IndexRunHook>) -> IndexWriterHandle {
        let shared = Arc::new(Shared::new());
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("amanmcp-writer".into())
            .spawn(move || writer_loop(&engine, &worker, on_run))
            .map_err(|e| tracing::error!("cannot start the index writer thread: {e}"))
            .ok();
        IndexWriterHandle {
            shared,
            thread: Arc::new(Mutex::new(thread)),
        }
    }

    /// Queues a full reconcile (or a rebuild with `force`). `progress`
    /// receives the run's progress; `done` its outcome. Returns false when
    /// one was already queued or running (the new request joins it).
    pub fn request_reconcile(
        &self,
        force: bool,
        progress: Option<Arc<dyn ProgressSink>>,
        done: Option<Completion>,
    ) -> bool {
        let mut state = self.shared.lock();
        let already = state.queue.reconcile.is_some()
            || state.running.as_ref().is_some_and(|r| r.kind != "update");
        let queued_force = state.queue.reconcile.unwrap_or(false);
        // A rebuild asked for while a plain reconcile runs still has to happen.
        let joins = already && (!force || queued_force || is_running(&state, "rebuild"));
        state.queue.reconcile = Some(force || queued_force);
        if let Some(p) = progress {
            state.queue.progress.push(p);
        }
        if let Some(d) = done {
            state.queue.completions.push(d);
        }
        state.queue.retry_at = None;
        drop(state);
        self.shared.wake.notify_all();
        !joins
    }

    /// Queues incremental updates for changed paths (from the watcher). A
    /// reconcile busy embedding is interrupted so the edit lands first; it
    /// resumes right after.
    pub fn request_update(&self, paths: impl IntoIterator<Item = PathBuf>) {
        let mut state = self.shared.lock();
        state.queue.paths.extend(paths);
        if state.queue.paths.len() > MAX_QUEUED_PATHS {
            state.queue.paths.clear();
            let force = state.queue.reconcile.unwrap_or(false);
            state.queue.reconcile = Some(force);
        }
        if state.role != Role::Reader {
            state.queue.retry_at = None;
        }
        if let Some(running) = state.running.as_mut() {
            let embedding = running
                .phase
                .as_ref()
                .is_some_and(|(name, _, _)| name == "embed");
            if running.kind != "update" && embedding && !running.preempted {
                running.preempted = true;
                running.cancel.cancel();
            }
        }
        drop(state);
        self.shared.wake.notify_all();
    }

    /// Current state for status output.
    pub fn snapshot(&self) -> WriterSnapshot {
        let state = self.shared.lock();
        let now = Instant::now();
        WriterSnapshot {
            role: state.role,
            running: state.running.as_ref().map(|r| r.kind),
            phase: state.running.as_ref().and_then(|r| {
                r.phase.as_ref().map(|(name, total, done)| match total {
                    Some(t) => format!("{name} {done}/{t}"),
                    None => format!("{name} {done}"),
                })
            }),
            running_for: state.running.as_ref().map(|r| r.started.elapsed()),
            reconcile_queued: state.queue.reconcile.is_some(),
            queued_paths: state.queue.paths.len(),
            last_report: state.last_report.clone(),
            last_error: state.last_error.clone(),
            last_write: state.last_write,
            next_retry_in: state
                .queue
                .retry_at
                .map(|t| t.saturating_duration_since(now)),
        }
    }

    /// Cancels the running job, drops queued work and joins the thread
    /// (waiting at most `timeout`; the engine stops at its next safe point).
    pub fn shutdown(&self, timeout: Duration) {
        {
            let mut state = self.shared.lock();
            state.queue.shutdown = true;
            if let Some(r) = state.running.as_ref() {
                r.cancel.cancel();
            }
        }
        self.shared.wake.notify_all();
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            let deadline = Instant::now() + timeout;
            while !handle.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if handle.is_finished() {
                let _ = handle.join();
            } else {
                tracing::warn!("index writer still busy at shutdown; leaving it to the OS");
            }
        }
    }
}

fn is_running(state: &State, kind: &str) -> bool {
    state.running.as_ref().is_some_and(|r| r.kind == kind)
}

/// What the loop decided to run next.
enum Job {
    Reconcile {
        force: bool,
        completions: Vec<Completion>,
        progress: Vec<Arc<dyn ProgressSink>>,
    },
    Update(Vec<PathBuf>),
}

fn writer_loop(engine: &Engine, shared: &Shared, on_run: Option<IndexRunHook>) {
    loop {
        let (job, cancel) = {
            let mut state = shared.lock();
            let job = loop {
                if state.queue.shutdown {
                    let completions = std::mem::take(&mut state.queue.completions);
                    drop(state);
                    for done in completions {
                        done(RunOutcome::Cancelled);
                    }
                    engine.set_stale(false);
                    return;
                }
                let has_work = state.queue.reconcile.is_some() || !state.queue.paths.is_empty();
                let now = Instant::now();
                match state.queue.retry_at {
                    Some(at) if has_work && at > now => {
                        state = shared
                            .wake
                            .wait_timeout(state, at - now)
                            .unwrap_or_else(|p| p.into_inner())
                            .0;
                        continue;
                    }
                    _ => {}
                }
                if state.queue.updates_first && !state.queue.paths.is_empty() {
                    state.queue.updates_first = false;
                    let paths: Vec<PathBuf> =
                        std::mem::take(&mut state.queue.paths).into_iter().collect();
                    break Job::Update(paths);
                }
                if let Some(force) = state.queue.reconcile.take() {
                    state.queue.updates_first = false;
                    // The reconcile covers every path queued before it starts.
                    state.queue.paths.clear();
                    break Job::Reconcile {
                        force,
                        completions: std::mem::take(&mut state.queue.completions),
                        progress: std::mem::take(&mut state.queue.progress),
                    };
                }
                if !state.queue.paths.is_empty() {
                    let paths: Vec<PathBuf> =
                        std::mem::take(&mut state.queue.paths).into_iter().collect();
                    break Job::Update(paths);
                }
                state = shared.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            };
            let cancel = CancelFlag::new();
            state.running = Some(Running {
                kind: match &job {
                    Job::Reconcile { force: true, .. } => "rebuild",
                    Job::Reconcile { .. } => "reconcile",
                    Job::Update(_) => "update",
                },
                started: Instant::now(),
                cancel: cancel.clone(),
                phase: None,
                preempted: false,
            });
            (job, cancel)
        };
        engine.set_stale(true);
        run_job(engine, shared, job, &cancel, on_run.as_ref());
        if let Some(hook) = &on_run {
            hook(false);
        }
        let mut state = shared.lock();
        state.running = None;
        let idle = state.queue.reconcile.is_none() && state.queue.paths.is_empty();
        // A reader's queue waits for the writer lock; the other process keeps
        // the index fresh meanwhile, so results are not flagged stale.
        if idle || state.role == Role::Reader {
            engine.set_stale(false);
        }
    }
}

fn run_job(
    engine: &Engine,
    shared: &Shared,
    job: Job,
    cancel: &CancelFlag,
    on_run: Option<&IndexRunHook>,
) {
    match job {
        Job::Reconcile {
            force,
            completions,
            progress,
        } => {
            let sink = TrackingSink {
                shared,
                forward: progress.clone(),
                on_run,
            };
            let started = Instant::now();
            let result = engine.index(force, &sink, cancel);
            let mut state = shared.lock();
            let preempted = state.running.as_ref().is_some_and(|r| r.preempted);
            match result {
                Ok(report) if report.cancelled && preempted && !state.queue.shutdown => {
                    // Interrupted for a watcher update: resume (without
                    // `force`: the rebuild's chunks are already stored).
                    tracing::debug!("reconcile paused for file updates; resuming after them");
                    record_write(&mut state, &report);
                    requeue_reconcile(&mut state, completions, progress);
                }
                Ok(report) => {
                    tracing::info!(
                        wall_ms = started.elapsed().as_millis() as u64,
                        added = report.files_added,
                        modified = report.files_modified,
                        removed = report.files_removed,
                        chunks = report.chunks_written,
                        "index {}",
                        if force { "rebuilt" } else { "reconciled" }
                    );
                    record_write(&mut state, &report);
                    drop(state);
                    for done in completions {
                        done(RunOutcome::Done(report.clone()));
                    }
                }
                Err(EngineError::Cancelled) if preempted && !state.queue.shutdown => {
                    requeue_reconcile(&mut state, completions, progress);
                }
                Err(EngineError::Cancelled) => {
                    drop(state);
                    for done in completions {
                        done(RunOutcome::Cancelled);
                    }
                }
                Err(EngineError::Busy(reason)) => {
                    become_reader(&mut state, &reason);
                    state.queue.reconcile = Some(force || state.queue.reconcile.unwrap_or(false));
                    state.queue.progress.extend(progress);
                    drop(state);
                    for done in completions {
                        done(RunOutcome::Deferred);
                    }
                }
                Err(e) => {
                    let message = e.to_string();
                    tracing::error!("index run failed: {message}");
                    state.last_error = Some(message.clone());
                    drop(state);
                    for done in completions {
                        done(RunOutcome::Failed(message.clone()));
                    }
                }
            }
        }
        Job::Update(paths) => {
            let started = Instant::now();
            let result = engine.update_paths(&paths, cancel);
            let mut state = shared.lock();
            match result {
                Ok(report) => {
                    tracing::debug!(
                        paths = paths.len(),
                        wall_ms = started.elapsed().as_millis() as u64,
                        "index updated"
                    );
                    record_write(&mut state, &report);
                }
                Err(EngineError::Busy(reason)) => {
                    become_reader(&mut state, &reason);
                    state.queue.paths.extend(paths);
                }
                Err(EngineError::Cancelled) => {
                    if !state.queue.shutdown {
                        state.queue.paths.extend(paths);
                    }
                }
                Err(e) => {
                    let message = e.to_string();
                    tracing::warn!("incremental update failed: {message}");
                    state.last_error = Some(message);
                }
            }
        }
    }
}

fn requeue_reconcile(
    state: &mut State,
    completions: Vec<Completion>,
    progress: Vec<Arc<dyn ProgressSink>>,
) {
    if state.queue.reconcile.is_none() {
        state.queue.reconcile = Some(false);
    }
    state.queue.updates_first = true;
    state.queue.completions.extend(completions);
    state.queue.progress.extend(progress);
}

fn record_write(state: &mut State, report: &IndexReport) {
    state.role = Role::Writer;
    state.last_error = None;
    state.last_report = Some(report.clone());
    state.last_write = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64);
}

fn become_reader(state: &mut State, reason: &str) {
    if state.role != Role::Reader {
        tracing::info!("another process is writing the index ({reason}); serving read-only and retrying every {}s", BUSY_RETRY.as_secs());
    }
    state.role = Role::Reader;
    state.queue.retry_at = Some(Instant::now() + BUSY_RETRY);
}

/// Records the phase of the running job (for status and preemption) and
/// forwards progress to the clients that asked for it.
struct TrackingSink<'a> {
    shared: &'a Shared,
    forward: Vec<Arc<dyn ProgressSink>>,
    /// Told when the run starts embedding (a reconcile that finds nothing
    /// new never does).
    on_run: Option<&'a IndexRunHook>,
}

impl ProgressSink for TrackingSink<'_> {
    fn phase(&self, name: &str, total: Option<u64>) {
        if name == "embed" && total.is_some_and(|n| n > 0) {
            if let Some(hook) = self.on_run {
                hook(true);
            }
        }
        if let Some(r) = self.shared.lock().running.as_mut() {
            r.phase = Some((name.to_string(), total, 0));
        }
        for f in &self.forward {
            f.phase(name, total);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(r) = self.shared.lock().running.as_mut() {
            if let Some(phase) = r.phase.as_mut() {
                phase.2 += n;
            }
        }
        for f in &self.forward {
            f.advance(n);
        }
    }

    fn message(&self, msg: &str) {
        for f in &self.forward {
            f.message(msg);
        }
    }

    fn finish(&self) {
        for f in &self.forward {
            f.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_hook_hears_of_embedding_only_when_there_is_some() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let hook: IndexRunHook = Arc::new(move |on| seen.lock().unwrap().push(on));
        let shared = Shared::new();
        let sink = TrackingSink {
            shared: &shared,
            forward: Vec::new(),
            on_run: Some(&hook),
        };
        sink.phase("scan", None);
        sink.phase("index", Some(12));
        sink.phase("embed", Some(0));
        assert!(calls.lock().unwrap().is_empty(), "nothing to embed");
        sink.phase("embed", Some(40));
        assert_eq!(*calls.lock().unwrap(), [true]);
    }
}
