//! `bn407`: dispatches to the headless commands or the window.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bn407::cli::Cli::parse();
    match cli.command {
        Some(cmd) => ExitCode::from(bn407::cli::run(cmd)),
        None => {
            eprintln!(
                "bn407: the window is not built yet; use `bn407 decode FILE` or `bn407 stats FILE`"
            );
            ExitCode::from(bn407::cli::EXIT_UNREADABLE)
        }
    }
}
