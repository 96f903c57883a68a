//! Watches the project tree and hands over debounced, coalesced batches of
//! changed paths. Editors save in bursts (temp file, rename, chmod) and
//! builds touch thousands of files, so raw events are classified by a
//! caller-supplied predicate, collected until the tree has been quiet for a
//! moment, and delivered as one batch. Native watching (inotify, FSEvents)
//! is preferred; when it cannot start (watch limits, unsupported
//! filesystems) a polling watcher ([`crate::poller`]) takes over.

use crate::poller::Poller;
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Timing of the watcher.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// A batch is delivered once no relevant event arrived for this long.
    pub debounce: Duration,
    /// ...or at the latest this long after its first event, so a constant
    /// stream of writes cannot starve the index.
    pub max_delay: Duration,
    /// Scan interval of the polling fallback.
    pub poll_interval: Duration,
    /// Skip native watching (tests, filesystems where it is known broken).
    pub force_polling: bool,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(300),
            max_delay: Duration::from_secs(2),
            poll_interval: Duration::from_secs(1),
            force_polling: false,
        }
    }
}

/// How the tree is being watched, for `index_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// OS notifications (inotify, FSEvents, ReadDirectoryChangesW).
    Native,
    /// Periodic rescans, used when native watching failed.
    Polling,
}

impl WatchMode {
    /// Lower-case name for status output.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchMode::Native => "native",
            WatchMode::Polling => "polling",
        }
    }
}

/// What the classifier says about one changed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relevance {
    /// Not interesting (ignored file, index directory, build output).
    Ignore,
    /// Update this path incrementally.
    Update,
    /// Something changed that needs a full reconcile (ignore rules, a
    /// directory appearing or vanishing).
    Rescan,
}

/// The kind of change, simplified for the classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Modified,
    Removed,
    Renamed,
    Other,
}

/// Changes collected over one debounce window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeBatch {
    /// Absolute paths to update (changed, created or deleted files).
    pub paths: BTreeSet<PathBuf>,
    /// True when a full reconcile is needed (ignore files changed, events
    /// were lost, a directory moved).
    pub rescan: bool,
}

impl ChangeBatch {
    /// Whether there is anything to do.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.rescan
    }
}

/// Why watching could not start at all.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(
        "cannot watch {path}: native watcher failed ({native}); polling watcher failed ({polling})"
    )]
    Start {
        path: PathBuf,
        native: String,
        polling: String,
    },
}

/// A running watcher. Dropping it (or calling [`TreeWatcher::stop`]) stops
/// the OS watch and the debounce thread.
pub struct TreeWatcher {
    mode: WatchMode,
    watcher: Option<OsWatcher>,
    stop_tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<()>>,
}

/// Whichever watcher is running; dropping it stops it.
enum OsWatcher {
    Native { _watch: RecommendedWatcher },
    Polling { _poll: Poller },
}

enum Message {
    Event(notify::Result<Event>),
    Stop,
}

impl TreeWatcher {
    /// Starts watching `root` recursively. `classify` decides per path what a
    /// change means; `on_batch` receives each debounced batch on the
    /// watcher's own thread (keep it short: queue work, do not do it). The
    /// poller skips directories for which `classify(dir, Created)` is
    /// `Ignore`.
    pub fn start<C, B>(
        root: &Path,
        config: WatchConfig,
        classify: C,
        on_batch: B,
    ) -> Result<TreeWatcher, WatchError>
    where
        C: Fn(&Path, ChangeKind) -> Relevance + Send + Sync + 'static,
        B: FnMut(ChangeBatch) + Send + 'static,
    {
        let classify = std::sync::Arc::new(classify);
        let (tx, rx) = mpsc::channel::<Message>();
        let descend_classify = classify.clone();
        let descend =
            move |dir: &Path| descend_classify(dir, ChangeKind::Created) != Relevance::Ignore;
        let (watcher, mode) = start_os_watcher(root, &config, &tx, descend)?;
        let debounce = config.clone();
        let thread = std::thread::Builder::new()
            .name("amanmcp-watch".into())
            .spawn(move || debounce_loop(rx, debounce, move |p: &Path, k| classify(p, k), on_batch))
            .map_err(|e| WatchError::Start {
                path: root.to_path_buf(),
                native: e.to_string(),
                polling: "not tried".into(),
            })?;
        Ok(TreeWatcher {
            mode,
            watcher: Some(watcher),
            stop_tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Native or polling.
    pub fn mode(&self) -> WatchMode {
        self.mode
    }

    /// Stops watching and waits for the debounce thread; a pending batch is
    /// dropped (the next start reconciles anyway).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Drop the OS watcher first so no new events arrive.
        self.watcher.take();
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(Message::Stop);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TreeWatcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn start_os_watcher<D>(
    root: &Path,
    config: &WatchConfig,
    tx: &Sender<Message>,
    descend: D,
) -> Result<(OsWatcher, WatchMode), WatchError>
where
    D: Fn(&Path) -> bool + Send + 'static,
{
    let native_error = if config.force_polling {
        "polling forced".to_string()
    } else {
        let sender = tx.clone();
        let handler = move |res: notify::Result<Event>| {
            let _ = sender.send(Message::Event(res));
        };
        match RecommendedWatcher::new(handler, notify::Config::default()) {
            Ok(mut watcher) => match watcher.watch(root, RecursiveMode::Recursive) {
                Ok(()) => return Ok((OsWatcher::Native { _watch: watcher }, WatchMode::Native)),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        }
    };
    if !config.force_polling {
        tracing::warn!(error = %native_error, "native file watching unavailable; falling back to polling");
    }
    let sender = tx.clone();
    let emit = move |event: Event| {
        let _ = sender.send(Message::Event(Ok(event)));
    };
    let polling_error = match Poller::start(root, config.poll_interval, descend, emit) {
        Ok(poller) => return Ok((OsWatcher::Polling { _poll: poller }, WatchMode::Polling)),
        Err(e) => e.to_string(),
    };
    Err(WatchError::Start {
        path: root.to_path_buf(),
        native: native_error,
        polling: polling_error,
    })
}

fn change_kind(kind: &EventKind) -> ChangeKind {
    use notify::event::ModifyKind;
    match kind {
        EventKind::Create(_) => ChangeKind::Created,
        EventKind::Remove(_) => ChangeKind::Removed,
        EventKind::Modify(ModifyKind::Name(_)) => ChangeKind::Renamed,
        EventKind::Modify(_) => ChangeKind::Modified,
        EventKind::Access(_) => ChangeKind::Other,
        EventKind::Any | EventKind::Other => ChangeKind::Other,
    }
}

/// Accumulates relevant events and flushes after `debounce` of quiet or
/// `max_delay` since the first pending event.
fn debounce_loop<C, B>(rx: Receiver<Message>, config: WatchConfig, classify: C, mut on_batch: B)
where
    C: Fn(&Path, ChangeKind) -> Relevance,
    B: FnMut(ChangeBatch),
{
    let mut batch = ChangeBatch::default();
    let mut first_at: Option<Instant> = None;
    let mut last_at = Instant::now();
    loop {
        let message = match first_at {
            None => match rx.recv() {
                Ok(m) => m,
                Err(_) => return,
            },
            Some(first) => {
                let now = Instant::now();
                let quiet_deadline = last_at + config.debounce;
                let hard_deadline = first + config.max_delay;
                let deadline = quiet_deadline.min(hard_deadline);
                if now >= deadline {
                    first_at = None;
                    let ready = std::mem::take(&mut batch);
                    if !ready.is_empty() {
                        on_batch(ready);
                    }
                    continue;
                }
                match rx.recv_timeout(deadline - now) {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        };
        let relevant = match message {
            Message::Stop => return,
            Message::Event(Err(error)) => {
                // Lost events (queue overflow, a watch that went away): the
                // only safe answer is a full reconcile.
                tracing::warn!(%error, "file watcher error; scheduling a full reconcile");
                batch.rescan = true;
                true
            }
            Message::Event(Ok(event)) => absorb(&mut batch, &event, &classify),
        };
        if relevant {
            let now = Instant::now();
            last_at = now;
            first_at.get_or_insert(now);
        }
    }
}

/// Adds one event to the batch; returns whether it mattered.
fn absorb<C>(batch: &mut ChangeBatch, event: &Event, classify: &C) -> bool
where
    C: Fn(&Path, ChangeKind) -> Relevance,
{
    if event.need_rescan() {
        batch.rescan = true;
        return true;
    }
    let kind = change_kind(&event.kind);
    if kind == ChangeKind::Other {
        return false;
    }
    let mut relevant = false;
    for path in &event.paths {
        match classify(path, kind) {
            Relevance::Ignore => {}
            Relevance::Update => {
                relevant = true;
                batch.paths.insert(path.clone());
            }
            Relevance::Rescan => {
                relevant = true;
                batch.rescan = true;
            }
        }
    }
    relevant
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects batches; the classifier ignores `*.tmp` and asks for a
    /// rescan on `.gitignore`.
    fn watch(dir: &Path, force_polling: bool) -> (TreeWatcher, Arc<Mutex<Vec<ChangeBatch>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let config = WatchConfig {
            debounce: Duration::from_millis(300),
            max_delay: Duration::from_secs(2),
            poll_interval: Duration::from_millis(200),
            force_polling,
        };
        let watcher = TreeWatcher::start(
            dir,
            config,
            |path: &Path, _kind| {
                if path.file_name().is_some_and(|n| n == ".gitignore") {
                    Relevance::Rescan
                } else if path.extension().is_some_and(|e| e == "tmp") || path.is_dir() {
                    Relevance::Ignore
                } else {
                    Relevance::Update
                }
            },
            move |batch| sink.lock().expect("lock").push(batch),
        )
        .expect("watcher starts");
        (watcher, seen)
    }

    fn wait_for<F: Fn(&[ChangeBatch]) -> bool>(
        seen: &Arc<Mutex<Vec<ChangeBatch>>>,
        what: F,
    ) -> Vec<ChangeBatch> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let batches = seen.lock().expect("lock").clone();
            if what(&batches) || Instant::now() > deadline {
                return batches;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn canonical_tempdir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canon");
        (dir, root)
    }

    #[test]
    fn bursts_of_writes_become_one_batch() {
        let (_dir, root) = canonical_tempdir();
        let (watcher, seen) = watch(&root, false);
        assert_eq!(watcher.mode(), WatchMode::Native);
        let file = root.join("a.rs");
        for i in 0..20 {
            std::fs::write(&file, format!("fn a{i}() {{}}\n")).expect("write");
            std::thread::sleep(Duration::from_millis(10));
        }
        std::fs::write(root.join("junk.tmp"), "x").expect("write");
        let batches = wait_for(&seen, |b| !b.is_empty());
        // Let a possible second batch arrive, then check there was just one.
        std::thread::sleep(Duration::from_millis(700));
        let batches_after = seen.lock().expect("lock").clone();
        assert_eq!(batches.len(), 1, "{batches:?}");
        assert_eq!(batches_after.len(), 1, "{batches_after:?}");
        assert_eq!(batches[0].paths, BTreeSet::from([file]));
        assert!(!batches[0].rescan);
        watcher.stop();
    }

    #[test]
    fn deletes_renames_and_ignore_files_are_reported() {
        let (_dir, root) = canonical_tempdir();
        std::fs::write(root.join("old.rs"), "fn x() {}\n").expect("write");
        std::fs::write(root.join("gone.rs"), "fn y() {}\n").expect("write");
        let (watcher, seen) = watch(&root, false);
        std::fs::rename(root.join("old.rs"), root.join("new.rs")).expect("rename");
        std::fs::remove_file(root.join("gone.rs")).expect("remove");
        std::fs::write(root.join(".gitignore"), "target/\n").expect("write");
        let batches = wait_for(&seen, |b| {
            b.iter().any(|x| x.rescan) && b.iter().map(|x| x.paths.len()).sum::<usize>() >= 3
        });
        let all: BTreeSet<PathBuf> = batches.iter().flat_map(|b| b.paths.clone()).collect();
        assert!(all.contains(&root.join("old.rs")), "{batches:?}");
        assert!(all.contains(&root.join("new.rs")), "{batches:?}");
        assert!(all.contains(&root.join("gone.rs")), "{batches:?}");
        assert!(batches.iter().any(|b| b.rescan), "{batches:?}");
        watcher.stop();
    }

    #[test]
    fn polling_fallback_sees_changes() {
        let (_dir, root) = canonical_tempdir();
        std::fs::write(root.join("p.rs"), "fn p() {}\n").expect("write");
        let (watcher, seen) = watch(&root, true);
        assert_eq!(watcher.mode(), WatchMode::Polling);
        // The first snapshot is taken at start; change the file within the
        // same second to prove sub-second changes are seen.
        std::fs::write(root.join("p.rs"), "fn p() { changed(); }\n").expect("write");
        std::fs::write(root.join("q.rs"), "fn q() {}\n").expect("write");
        let batches = wait_for(&seen, |b| {
            b.iter().map(|x| x.paths.len()).sum::<usize>() >= 2
        });
        let all: BTreeSet<PathBuf> = batches.iter().flat_map(|b| b.paths.clone()).collect();
        assert!(all.contains(&root.join("p.rs")), "{batches:?}");
        assert!(all.contains(&root.join("q.rs")), "{batches:?}");
        watcher.stop();
    }

    #[test]
    fn stopping_drops_the_watch_promptly() {
        let (_dir, root) = canonical_tempdir();
        let (watcher, seen) = watch(&root, false);
        let started = Instant::now();
        watcher.stop();
        assert!(started.elapsed() < Duration::from_secs(2));
        std::fs::write(root.join("late.rs"), "fn l() {}\n").expect("write");
        std::thread::sleep(Duration::from_millis(600));
        assert!(seen.lock().expect("lock").is_empty());
    }
}
