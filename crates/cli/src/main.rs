//! The `amanmcp` command: index, search, status, config, models, eval, and
//! the MCP server (`serve`, also what bare `amanmcp` runs).

mod allocator;
mod args;
mod commands;
mod logging;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let serving = matches!(cli.command, None | Some(args::Command::Serve(_)));
    allocator::tune_for(if serving {
        allocator::Workload::Queries
    } else {
        allocator::Workload::Embedding
    });
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
