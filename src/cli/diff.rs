//! `bn407 diff`: what changed in the devices' messages between two sets of captures (A, the
//! baseline, and B), or between the firmware generations seen in one set (`--by firmware`).
//! Prints the ranked differences as text, JSON or Markdown; the exit status says whether the
//! sides behave the same (0), differ (1), or an input is bad (2).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::model::diff::report;

/// Exit status when the sides differ.
pub const EXIT_DIFFERENT: u8 = 1;

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    /// A changelog for people.
    Text,
    /// One JSON object for scripts.
    Json,
    /// For a release note or a ticket.
    Markdown,
}

/// What `--by` splits one set of captures by.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffBy {
    /// The firmware generation of each connection (the one most of its messages show).
    Firmware,
}

/// Arguments of `diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Captures of side A, the baseline (server logs and raw streams work too).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Captures of side B, compared against A.
    #[arg(long, num_args = 1.., value_name = "B")]
    pub against: Vec<PathBuf>,
    /// Only the frames of this device (repeat for several; applies to both sides).
    #[arg(long, value_name = "IMEI")]
    pub imei: Vec<String>,
    /// Compare the firmware generations seen in the inputs (no `--against`).
    #[arg(long, value_enum)]
    pub by: Option<DiffBy>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// Runs `diff`; returns the exit status.
pub fn run(args: &DiffArgs) -> u8 {
    let runs = match (args.by, args.against.is_empty()) {
        (Some(_), false) => {
            Err("--by firmware compares generations in one set: leave out --against".to_string())
        }
        (None, true) => {
            Err("diff needs the captures to compare against: --against B...".to_string())
        }
        (Some(DiffBy::Firmware), true) => {
            report::replayable(&args.inputs).and_then(|i| report::by_firmware(&i, &args.imei))
        }
        (None, false) => report::two_sets(
            &report::inputs_of(&args.inputs),
            &report::inputs_of(&args.against),
            &args.imei,
        ),
    };
    let runs = match runs {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bn407: {e}");
            return crate::cli::EXIT_UNREADABLE;
        }
    };
    let text = match args.format {
        DiffFormat::Text => report::text(&runs),
        DiffFormat::Markdown => report::markdown(&runs),
        DiffFormat::Json => format!("{:#}\n", report::json_of(&runs)),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if runs.iter().all(|r| r.cmp.same()) {
        0
    } else {
        EXIT_DIFFERENT
    }
}
