//! The `amanmcp` command: index, search, status, config, models, eval, and
//! the MCP server (`serve`, also what bare `amanmcp` runs).

mod args;
mod commands;
mod logging;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` (its position in mimalloc.h's `mi_option_e`,
/// v2 and v3; libmimalloc-sys 0.1 does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds mimalloc keeps freed memory before returning it to the OS.
/// Its default (1 s) returns the 20–60 MB activation buffers that every
/// embedding forward frees and the next one re-allocates, so each pass
/// re-faulted them (kernel page zeroing was ~8–10% of a MiniLM index run).
/// 10 s keeps them across forwards; memory still goes back to the OS about
/// 10 s after an embedding burst, so `serve` does not hold its peak.
const PURGE_DELAY_MS: std::os::raw::c_long = 10_000;

fn main() -> ExitCode {
    // An explicit MIMALLOC_PURGE_DELAY (read by mimalloc itself) wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a mimalloc option (a plain integer in its option
        // table) before any thread exists; mimalloc reads it on later purges.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    let cli = args::Cli::parse();
    let serving = matches!(cli.command, None | Some(args::Command::Serve(_)));
    logging::init(cli.global.quiet, cli.global.verbose, serving);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line with the cause chain, then a hint when there is one.
            let mut line = format!("error: {e}");
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !line.contains(&c) {
                    line.push_str(&format!(": {c}"));
                }
            }
            eprintln!("{line}");
            if let Some(hint) = commands::hint_for(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(1)
        }
    }
}
