//! Deciding which scanned files need work.

use std::collections::{HashMap, HashSet};

use amanmcp_index::FileRecord;
use amanmcp_scanner::ScannedFile;

/// The outcome of comparing a scan with the index.
pub(super) struct Plan {
    pub to_index: Vec<ScannedFile>,
    pub removed: Vec<String>,
    pub added: u64,
    pub modified: u64,
    pub unchanged: u64,
}

/// New and changed (by content hash) files go to `to_index`; recorded paths
/// not seen in the scan are `removed`.
pub(super) fn plan(files: Vec<ScannedFile>, known: &HashMap<String, FileRecord>) -> Plan {
    let mut plan = Plan {
        to_index: Vec::new(),
        removed: Vec::new(),
        added: 0,
        modified: 0,
        unchanged: 0,
    };
    let mut seen: HashSet<&str> = HashSet::with_capacity(files.len());
    for f in &files {
        seen.insert(f.path.as_str());
    }
    let mut removed: Vec<String> = known
        .keys()
        .filter(|p| !seen.contains(p.as_str()))
        .cloned()
        .collect();
    removed.sort();
    plan.removed = removed;
    drop(seen);
    for f in files {
        match known.get(&f.path) {
            Some(rec) if rec.hash == f.hash && rec.language == f.language => plan.unchanged += 1,
            Some(_) => {
                plan.modified += 1;
                plan.to_index.push(f);
            }
            None => {
                plan.added += 1;
                plan.to_index.push(f);
            }
        }
    }
    plan
}
