//! The single-writer lock: an OS file lock (released when the process dies,
//! even on kill -9) plus the holder's pid for error messages.

use crate::error::{IndexError, IoContext};
use fs4::fs_std::FileExt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Held for the lifetime of an `IndexWriter`.
#[derive(Debug)]
pub(crate) struct WriterLock {
    file: File,
}

impl WriterLock {
    /// Waits up to `timeout` for the lock; `Locked` names the holder's pid.
    pub fn acquire(dir: &Path, path: &Path, timeout: Duration) -> Result<WriterLock, IndexError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .at(path)?;
        let start = Instant::now();
        loop {
            if FileExt::try_lock_exclusive(&file).at(path)? {
                break;
            }
            if start.elapsed() >= timeout {
                return Err(IndexError::Locked {
                    dir: dir.to_path_buf(),
                    holder_pid: read_pid(&mut file),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        file.set_len(0).at(path)?;
        file.seek(SeekFrom::Start(0)).at(path)?;
        write!(file, "{}", std::process::id()).at(path)?;
        file.flush().at(path)?;
        Ok(WriterLock { file })
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}
