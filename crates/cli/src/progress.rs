//! Progress for long runs: an indicatif bar with throughput and ETA on a
//! terminal, plain periodic lines on stderr otherwise (CI logs, pipes).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use amanmcp_engine::ProgressSink;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Interval between plain progress lines when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// The CLI's [`ProgressSink`].
pub struct CliProgress {
    quiet: bool,
    bar: Option<ProgressBar>,
    plain: Mutex<Plain>,
}

struct Plain {
    phase: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last: Instant,
}

impl CliProgress {
    /// A bar when stderr is a terminal and not `quiet`, else plain lines.
    pub fn new(quiet: bool) -> CliProgress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        let now = Instant::now();
        CliProgress {
            quiet,
            bar,
            plain: Mutex::new(Plain {
                phase: String::new(),
                total: None,
                done: 0,
                started: now,
                last: now,
            }),
        }
    }

    /// A one-off line (e.g. the chosen backend), above the bar if any.
    pub fn note(&self, msg: &str) {
        self.message(msg);
    }
}

impl ProgressSink for CliProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Some(b) = &self.bar {
            b.reset();
            b.set_position(0);
            match total {
                Some(t) => {
                    b.set_length(t);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>7} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                }
                None => {
                    b.unset_length();
                    b.set_style(
                        ProgressStyle::with_template("{prefix:>7} {spinner} {elapsed} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                }
            }
            b.set_prefix(name.to_string());
        } else if !self.quiet {
            if let Ok(mut p) = self.plain.lock() {
                p.phase = name.to_string();
                p.total = total;
                p.done = 0;
                p.started = Instant::now();
                p.last = Instant::now();
            }
            match total {
                Some(t) => eprintln!("{name}: {t} to do"),
                None => eprintln!("{name}…"),
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
            return;
        }
        if self.quiet {
            return;
        }
        if let Ok(mut p) = self.plain.lock() {
            p.done += n;
            if p.last.elapsed() >= PLAIN_EVERY {
                p.last = Instant::now();
                let secs = p.started.elapsed().as_secs_f64().max(1e-3);
                let rate = p.done as f64 / secs;
                match p.total {
                    Some(t) if rate > 0.0 => eprintln!(
                        "{}: {}/{} ({:.0}/s, eta {:.0}s)",
                        p.phase,
                        p.done,
                        t,
                        rate,
                        (t.saturating_sub(p.done)) as f64 / rate
                    ),
                    _ => eprintln!("{}: {} ({:.0}/s)", p.phase, p.done, rate),
                }
            }
        }
    }

    fn message(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) => b.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
