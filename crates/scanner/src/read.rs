//! Reading a file as text with the binary, size and UTF-8 rules shared by
//! the scan and the pipeline.

use crate::SkipReason;
use std::io::Read;
use std::path::Path;

/// Bytes sniffed for NUL to call a file binary (same window as git).
const SNIFF_BYTES: usize = 8 * 1024;

/// Invalid UTF-8 sequences tolerated (lossy-decoded to U+FFFD) per 1000
/// bytes: a stray Latin-1 byte in a comment is text, a UTF-16 file is not.
const MAX_INVALID_PER_MILLE: usize = 2;

/// Reads a file for chunking. Applies the same rules as the scan: NUL bytes
/// mean binary, valid UTF-8 is returned as is, and text with a few invalid
/// sequences is decoded lossily; more than that is [`SkipReason::InvalidUtf8`].
/// No size limit here: the caller already decided the file is wanted.
pub fn read_text(abs_path: &Path) -> Result<String, SkipReason> {
    let bytes = std::fs::read(abs_path).map_err(|e| io_reason(abs_path, &e))?;
    decode_text(bytes)
}

/// Classifies raw bytes as text, see [`read_text`].
pub fn decode_text(bytes: Vec<u8>) -> Result<String, SkipReason> {
    if is_binary(&bytes) {
        return Err(SkipReason::Binary);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => {
            let bytes = err.into_bytes();
            let invalid = count_invalid_sequences(&bytes);
            if invalid * 1000 <= bytes.len() * MAX_INVALID_PER_MILLE {
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            } else {
                Err(SkipReason::InvalidUtf8)
            }
        }
    }
}

/// NUL byte in the first [`SNIFF_BYTES`].
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0)
}

fn count_invalid_sequences(mut bytes: &[u8]) -> usize {
    let mut count = 0;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return count,
            Err(e) => {
                count += 1;
                let skip = e.valid_up_to() + e.error_len().unwrap_or(bytes.len() - e.valid_up_to());
                bytes = &bytes[skip.min(bytes.len())..];
            }
        }
    }
}

/// First line of a file (up to 256 bytes), for shebang detection.
pub(crate) fn first_line(abs_path: &Path) -> Option<String> {
    let mut buf = [0u8; 256];
    let mut file = std::fs::File::open(abs_path).ok()?;
    let n = file.read(&mut buf).ok()?;
    let line = buf[..n].split(|&b| b == b'\n').next()?;
    std::str::from_utf8(line)
        .ok()
        .map(|s| s.trim_end().to_string())
}

/// Maps an I/O error to a skip reason: ELOOP is a symlink loop, a missing
/// target behind a symlink is a broken link, anything else is unreadable.
pub(crate) fn io_reason(path: &Path, err: &std::io::Error) -> SkipReason {
    // ELOOP on Linux and macOS.
    if matches!(err.raw_os_error(), Some(40) | Some(62)) {
        return SkipReason::SymlinkLoop;
    }
    if err.kind() == std::io::ErrorKind::NotFound {
        let is_link = std::fs::symlink_metadata(path)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if is_link {
            return SkipReason::BrokenSymlink;
        }
    }
    SkipReason::Unreadable(err.to_string())
}

/// Minified or bundled code: long average line length. Only checked for
/// code and JSON, where hand-written files keep lines short.
pub(crate) fn looks_minified(text: &str) -> bool {
    if text.len() < 2048 {
        return false;
    }
    let lines = text.lines().count().max(1);
    text.len() / lines > 400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rules() {
        assert_eq!(decode_text(b"hi\0there".to_vec()), Err(SkipReason::Binary));
        assert_eq!(
            decode_text(b"fn main() {}".to_vec()).as_deref(),
            Ok("fn main() {}")
        );
        let mut latin1 = b"// caf\xe9\n".to_vec();
        latin1.extend(std::iter::repeat_n(b'x', 2000));
        assert!(decode_text(latin1).unwrap().contains("caf\u{FFFD}"));
        let garbage: Vec<u8> = (0..2000).map(|i| 0x80 + (i % 60) as u8).collect();
        assert_eq!(decode_text(garbage), Err(SkipReason::InvalidUtf8));
    }

    #[test]
    fn minified() {
        assert!(looks_minified(&"var a=1;".repeat(1000)));
        assert!(!looks_minified(&"let a = 1;\n".repeat(1000)));
    }
}
