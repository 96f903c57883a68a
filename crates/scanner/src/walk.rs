//! The parallel directory walk behind [`scan`].

use crate::filter::{PathFilter, Verdict};
use crate::options::{ScanError, ScanOptions, ScanReport, ScannedFile, SkipReason, SkippedFile};
use crate::read::{decode_text, io_reason, looks_minified};
use crate::Language;
use ignore::{WalkBuilder, WalkState};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::UNIX_EPOCH;

/// Walks `root` in parallel and returns every indexable file with its hash,
/// plus what was skipped and why. Per-file problems never abort the scan;
/// only an unusable root is an error.
pub fn scan(root: &Path, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let filter = Arc::new(PathFilter::new(root, opts)?);
    let report = Arc::new(Mutex::new(ScanReport::default()));

    let mut builder = WalkBuilder::new(filter.root());
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(true)
        .parents(false);
    {
        let filter = filter.clone();
        let report = report.clone();
        builder.filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            let path = entry.path();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let verdict = filter.verdict(path, is_dir);
            let rel = || filter.display_rel(path);
            match verdict {
                Verdict::Include => {}
                Verdict::Ignored | Verdict::Always => return false,
                Verdict::DefaultExcluded => {
                    let mut report = report.lock().unwrap_or_else(PoisonError::into_inner);
                    if is_dir {
                        report.excluded_dirs.push(format!("{}/", rel()));
                    } else {
                        report.skipped.push(SkippedFile {
                            path: rel(),
                            reason: SkipReason::Generated,
                        });
                    }
                    return false;
                }
            }
            if entry.path_is_symlink() && !filter.inside_root(path) {
                let mut report = report.lock().unwrap_or_else(PoisonError::into_inner);
                report.skipped.push(SkippedFile {
                    path: rel(),
                    reason: SkipReason::SymlinkOutsideRoot,
                });
                return false;
            }
            true
        });
    }

    builder.build_parallel().run(|| {
        let filter = filter.clone();
        let report = report.clone();
        Box::new(move |result| {
            let outcome = match result {
                Ok(entry) => {
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        return WalkState::Continue;
                    }
                    filter
                        .scan_file(entry.path())
                        .map_err(|reason| SkippedFile {
                            path: filter.display_rel(entry.path()),
                            reason,
                        })
                }
                Err(err) => match skipped_from_error(&filter, &err) {
                    Some(skipped) => Err(skipped),
                    None => {
                        tracing::warn!("scan: {err}");
                        return WalkState::Continue;
                    }
                },
            };
            let mut report = report.lock().unwrap_or_else(PoisonError::into_inner);
            match outcome {
                Ok(file) => report.files.push(file),
                Err(skipped) => report.skipped.push(skipped),
            }
            WalkState::Continue
        })
    });

    let mut report = match Arc::try_unwrap(report) {
        Ok(mutex) => mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
        Err(shared) => shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone(),
    };
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    report.excluded_dirs.sort();
    Ok(report)
}

impl PathFilter {
    /// Applies the per-file rules (language, size, binary, UTF-8, minified)
    /// to one file and hashes it. Ignore rules are not re-checked: call
    /// [`PathFilter::is_indexable`] first for paths that did not come from a walk.
    pub fn scan_file(&self, abs_path: &Path) -> Result<ScannedFile, SkipReason> {
        let language = self
            .language_of(abs_path)
            .ok_or(SkipReason::UnknownLanguage)?;
        let meta = std::fs::metadata(abs_path).map_err(|e| io_reason(abs_path, &e))?;
        if meta.len() > self.max_file_size {
            return Err(SkipReason::TooLarge {
                size: meta.len(),
                limit: self.max_file_size,
            });
        }
        let bytes = std::fs::read(abs_path).map_err(|e| io_reason(abs_path, &e))?;
        let hash = blake3::hash(&bytes).to_hex().to_string();
        let size = bytes.len() as u64;
        let text = decode_text(bytes)?;
        if (language.is_code() || language == Language::Json) && looks_minified(&text) {
            return Err(SkipReason::Generated);
        }
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Ok(ScannedFile {
            path: self.display_rel(abs_path),
            abs_path: abs_path.to_path_buf(),
            language,
            size,
            mtime_ns,
            hash,
        })
    }
}

/// Turns a walk error into a skipped entry when it names a path.
fn skipped_from_error(filter: &PathFilter, err: &ignore::Error) -> Option<SkippedFile> {
    let mut current = err;
    let mut path = None;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path = path.or(Some(p.clone()));
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            ignore::Error::Loop { child, .. } => {
                return Some(SkippedFile {
                    path: filter.display_rel(child),
                    reason: SkipReason::SymlinkLoop,
                });
            }
            ignore::Error::Io(io) => {
                let path = path?;
                return Some(SkippedFile {
                    path: filter.display_rel(&path),
                    reason: io_reason(&path, io),
                });
            }
            _ => return None,
        }
    }
}
