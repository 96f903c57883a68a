//! The polling fallback for when native watching cannot start. notify's
//! own `PollWatcher` compares whole-second mtimes, so a second save within
//! the same second goes unseen for good; this one compares nanosecond mtime
//! and size, and does not descend into directories the index ignores
//! (`node_modules`, `target`), which keeps each pass cheap.

use notify::event::{CreateKind, DataChange, ModifyKind, RemoveKind};
use notify::{Event, EventKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    is_dir: bool,
}

type Snapshot = HashMap<PathBuf, Stamp>;

/// A running poller; stops when dropped.
pub struct Poller {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Poller {
    /// Takes the first snapshot now, then rescans every `interval` and
    /// reports differences through `emit`. `descend` says whether a
    /// directory is worth scanning.
    pub fn start<D, E>(
        root: &Path,
        interval: Duration,
        descend: D,
        emit: E,
    ) -> std::io::Result<Poller>
    where
        D: Fn(&Path) -> bool + Send + 'static,
        E: Fn(Event) + Send + 'static,
    {
        std::fs::read_dir(root)?; // fail now, not silently later
        let root = root.to_path_buf();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut previous = snapshot(&root, &descend);
        let thread = std::thread::Builder::new()
            .name("amanmcp-poll".into())
            .spawn(move || {
                while !sleep_unless_stopped(&flag, interval) {
                    let current = snapshot(&root, &descend);
                    for event in diff(&previous, &current) {
                        emit(event);
                    }
                    previous = current;
                }
            })?;
        Ok(Poller {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sleeps `interval` in small steps; true when asked to stop.
fn sleep_unless_stopped(stop: &AtomicBool, interval: Duration) -> bool {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < interval {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(step.min(interval - slept));
        slept += step;
    }
    stop.load(Ordering::SeqCst)
}

fn snapshot<D: Fn(&Path) -> bool>(root: &Path, descend: &D) -> Snapshot {
    let mut out = Snapshot::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // symlink_metadata: never follow links out of the tree.
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let is_dir = meta.is_dir();
            if is_dir && !descend(&path) {
                continue;
            }
            out.insert(
                path.clone(),
                Stamp {
                    modified: meta.modified().ok(),
                    len: meta.len(),
                    is_dir,
                },
            );
            if is_dir {
                stack.push(path);
            }
        }
    }
    out
}

fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Event> {
    let mut events = Vec::new();
    for (path, stamp) in new {
        let kind = match old.get(path) {
            None => Some(EventKind::Create(if stamp.is_dir {
                CreateKind::Folder
            } else {
                CreateKind::File
            })),
            Some(before) if before != stamp && !stamp.is_dir => {
                Some(EventKind::Modify(ModifyKind::Data(DataChange::Any)))
            }
            Some(_) => None,
        };
        if let Some(kind) = kind {
            events.push(Event::new(kind).add_path(path.clone()));
        }
    }
    for (path, stamp) in old {
        if !new.contains_key(path) {
            let kind = if stamp.is_dir {
                RemoveKind::Folder
            } else {
                RemoveKind::File
            };
            events.push(Event::new(EventKind::Remove(kind)).add_path(path.clone()));
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_become_events_and_ignored_dirs_are_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir(root.join("skip")).expect("mkdir");
        std::fs::write(root.join("skip/x.rs"), "a").expect("write");
        std::fs::write(root.join("a.rs"), "a").expect("write");
        std::fs::write(root.join("gone.rs"), "g").expect("write");
        let descend = |p: &Path| !p.ends_with("skip");
        let before = snapshot(root, &descend);
        assert!(!before.contains_key(&root.join("skip/x.rs")));
        std::fs::write(root.join("a.rs"), "ab").expect("write");
        std::fs::write(root.join("b.rs"), "b").expect("write");
        std::fs::remove_file(root.join("gone.rs")).expect("rm");
        std::fs::write(root.join("skip/x.rs"), "changed").expect("write");
        let after = snapshot(root, &descend);
        let mut seen: Vec<(String, &str)> = diff(&before, &after)
            .into_iter()
            .map(|e| {
                let name = e.paths[0]
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let kind = match e.kind {
                    EventKind::Create(_) => "create",
                    EventKind::Modify(_) => "modify",
                    EventKind::Remove(_) => "remove",
                    _ => "other",
                };
                (name, kind)
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![
                ("a.rs".into(), "modify"),
                ("b.rs".into(), "create"),
                ("gone.rs".into(), "remove")
            ]
        );
    }
}
