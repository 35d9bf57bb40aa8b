//! `bn407`: dispatches to the headless commands or the window.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bn407::cli::Cli::parse();
    match cli.command {
        Some(cmd) => ExitCode::from(bn407::cli::run(cmd)),
        None => match bn407::gui::run(cli.files, cli.against) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "bn407: {e}; the headless commands still work: `bn407 decode FILE`, `bn407 stats FILE`"
                );
                ExitCode::FAILURE
            }
        },
    }
}
