//! `bn407`: dispatches to the headless commands or the window.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bn407::cli::Cli::parse();
    match cli.command {
        Some(cmd) => ExitCode::from(bn407::cli::run(cmd)),
        None => match window(cli.files, cli.against) {
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

#[cfg(feature = "gui")]
fn window(files: Vec<PathBuf>, against: Vec<PathBuf>) -> Result<(), String> {
    bn407::gui::run(files, against)
}

#[cfg(not(feature = "gui"))]
fn window(_files: Vec<PathBuf>, _against: Vec<PathBuf>) -> Result<(), String> {
    Err("this build has no window (built without the `gui` feature)".into())
}
