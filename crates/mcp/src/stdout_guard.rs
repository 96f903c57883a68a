//! Guarantees that only protocol reaches stdout. The protocol writer gets a
//! private duplicate of the original stdout; fd 1 itself is then pointed at
//! stderr, so a `println!` or a C library writing to stdout anywhere in the
//! process lands in the log instead of corrupting the JSON-RPC stream.

use std::io;

/// The original stdout as an async writer for the transport, after moving
/// fd 1 to stderr.
#[cfg(unix)]
pub fn protocol_stdout() -> io::Result<tokio::fs::File> {
    use std::os::fd::AsFd;
    let original = io::stdout().as_fd().try_clone_to_owned()?;
    // SAFETY: dup2 on two descriptors this process owns (0-2 are always
    // open for a stdio server); it only re-targets fd 1 and touches no Rust
    // memory. Rust's `Stdout` is unbuffered at the fd level so nothing
    // pending is lost.
    let rc = unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(tokio::fs::File::from_std(std::fs::File::from(original)))
}

/// Elsewhere the plain stdout handle is used.
#[cfg(not(unix))]
pub fn protocol_stdout() -> io::Result<tokio::io::Stdout> {
    Ok(tokio::io::stdout())
}

#[cfg(test)]
mod tests {
    // Redirecting fd 1 inside the test harness would swallow its output;
    // the end-to-end tests (tests/mcp_e2e.rs) check that stdout carries
    // only JSON-RPC, including while the engine logs and indexes.
}
