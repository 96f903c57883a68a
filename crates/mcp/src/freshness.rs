//! Keeps the index following the working tree: decides which file events
//! matter (the engine's ignore rules, deletions, ignore-file edits) and feeds
//! debounced batches to the index writer.

use crate::server::WatchState;
use crate::watcher::{ChangeKind, Relevance, TreeWatcher, WatchConfig};
use crate::writer::IndexWriterHandle;
use amanmcp_engine::Engine;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Environment switch: `AMANMCP_WATCH=poll` forces the polling watcher
/// (network filesystems, containers where inotify misbehaves).
pub const WATCH_ENV: &str = "AMANMCP_WATCH";

/// Starts the watcher on a background thread (registering watches on a big
/// tree takes a while and must not delay the first answer). The watcher is
/// stored in `slot` so shutdown can stop it.
pub fn start_watcher(
    engine: Arc<Engine>,
    writer: IndexWriterHandle,
    state: Arc<Mutex<WatchState>>,
    slot: Arc<Mutex<Option<TreeWatcher>>>,
) {
    set(&state, WatchState::Starting);
    let spawned = std::thread::Builder::new()
        .name("amanmcp-watch-start".into())
        .spawn(move || {
            let config = WatchConfig {
                force_polling: std::env::var(WATCH_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("poll")),
                ..WatchConfig::default()
            };
            let root = engine.root().to_path_buf();
            let classify_engine = engine.clone();
            let started = TreeWatcher::start(
                &root,
                config,
                move |path: &Path, kind| classify(&classify_engine, path, kind),
                move |batch| {
                    tracing::debug!(paths = batch.paths.len(), rescan = batch.rescan, "file changes");
                    if batch.rescan {
                        engine.set_stale(true);
                        writer.request_reconcile(false, None, None);
                    }
                    if !batch.paths.is_empty() {
                        engine.set_stale(true);
                        writer.request_update(batch.paths);
                    }
                },
            );
            match started {
                Ok(watcher) => {
                    tracing::info!(mode = watcher.mode().as_str(), "watching {}", root.display());
                    set(&state, WatchState::Running(watcher.mode()));
                    match slot.lock() {
                        Ok(mut s) => *s = Some(watcher),
                        Err(_) => watcher.stop(),
                    }
                }
                Err(e) => {
                    tracing::warn!("file watching unavailable: {e}; the index updates on reindex and restart only");
                    set(&state, WatchState::Failed(e.to_string()));
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the watcher thread: {e}");
    }
}

fn set(state: &Mutex<WatchState>, value: WatchState) {
    match state.lock() {
        Ok(mut s) => *s = value,
        Err(p) => *p.into_inner() = value,
    }
}

/// Files whose change alters the ignore rules.
fn is_rule_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == ".gitignore" || name == ".amanmcpignore" || path.ends_with(".git/info/exclude")
}

/// What a change at `path` means for the index.
fn classify(engine: &Engine, path: &Path, kind: ChangeKind) -> Relevance {
    let root = engine.root();
    if path.starts_with(engine.index_dir()) || !path.starts_with(root) {
        return Relevance::Ignore;
    }
    if is_rule_file(path) {
        return match path.parent() {
            Some(parent) if parent == root || engine.is_indexable(parent) => Relevance::Rescan,
            _ if path.ends_with(".git/info/exclude") => Relevance::Rescan,
            _ => Relevance::Ignore,
        };
    }
    if path.starts_with(root.join(".git")) {
        return Relevance::Ignore;
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            // A directory appearing (created, moved in) brings files no event
            // named; the engine reconciles for a directory path. A directory
            // merely modified (its mtime, seen by the poller) is noise.
            let appeared = matches!(kind, ChangeKind::Created | ChangeKind::Renamed);
            if appeared && engine.is_indexable(path) {
                Relevance::Update
            } else {
                Relevance::Ignore
            }
        }
        Ok(_) => {
            if engine.is_indexable(path) {
                Relevance::Update
            } else {
                Relevance::Ignore
            }
        }
        Err(_) => {
            // Gone: a deleted or renamed-away file or directory. The engine
            // removes whatever it indexed under that path. A file the rules
            // would index counts; so does an extension-less name (possibly a
            // directory) in a directory the scan descends into. Everything
            // else is churn in ignored places (build output).
            if engine.is_indexable(path) {
                return Relevance::Update;
            }
            let maybe_dir = path.extension().is_none();
            match path.parent() {
                Some(parent) if maybe_dir && (parent == root || engine.is_indexable(parent)) => {
                    Relevance::Update
                }
                _ => Relevance::Ignore,
            }
        }
    }
}
