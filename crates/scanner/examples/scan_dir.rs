//! Times a scan: `cargo run -p amanmcp-scanner --example scan_dir -- DIR [RUNS]`.
//! Prints file/skip counts and the wall time of each run (first run cold-ish,
//! later ones warm).

use amanmcp_scanner::{scan, ScanOptions};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: scan_dir DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    for run in 1..=runs {
        let started = Instant::now();
        match scan(std::path::Path::new(&dir), &ScanOptions::default()) {
            Ok(report) => println!(
                "run {run}: {} files, {} skipped, {} excluded dirs in {:.1} ms",
                report.files.len(),
                report.skipped.len(),
                report.excluded_dirs.len(),
                started.elapsed().as_secs_f64() * 1000.0
            ),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}
