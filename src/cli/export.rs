//! `bn407 export`: frames, tracks, packets, photos, findings and the map in the formats other
//! tools read (see [`crate::export`]).

use std::path::PathBuf;

use clap::Args;

use crate::export::{self, ExportError, Format, PcapScope, Request};
use crate::pipeline::{Input, RunError, RunOptions};

/// Arguments of `export`.
#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long = "to", value_enum)]
    pub to: Format,
    /// Only frames this filter keeps (the window's filter language, e.g. `kind == report`).
    #[arg(long, default_value = "")]
    pub filter: String,
    /// Only frames of this device.
    #[arg(long)]
    pub imei: Option<String>,
    /// pcapng: only the kept frames, not every frame of their flows.
    #[arg(long)]
    pub kept_only: bool,
    /// Map formats: a silence longer than this (seconds) starts a new track segment.
    #[arg(long, default_value_t = export::map::DEFAULT_SILENCE_S)]
    pub silence: f64,
    /// PNG: image size, WIDTHxHEIGHT pixels.
    #[arg(long, default_value = "1200x800", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Output file (`-` for standard output); for `photos`, a folder.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Inputs: captures, server logs or raw device streams (`-` for standard input).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}` is not WIDTHxHEIGHT"))?;
    let side = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (export::png::MIN_SIDE..=export::png::MAX_SIDE).contains(n))
            .ok_or_else(|| {
                format!(
                    "`{v}`: each side must be {}..={} pixels",
                    export::png::MIN_SIDE,
                    export::png::MAX_SIDE
                )
            })
    };
    Ok((side(w)?, side(h)?))
}

/// Runs `export`; returns the exit status (0, 2 for an unreadable input or a wrong filter, 3
/// for a damaged input after exporting what came before the damage, 1 when the output cannot
/// be written).
pub fn run(a: &ExportArgs) -> u8 {
    if a.to == Format::Photos && a.output.as_os_str() == "-" {
        eprintln!("bn407: photos go into a folder: give -o FOLDER");
        return super::EXIT_UNREADABLE;
    }
    let req = Request {
        format: a.to,
        filter: a.filter.clone(),
        imei: a.imei.clone(),
        scope: if a.kept_only {
            PcapScope::Frames
        } else {
            PcapScope::Flows
        },
        silence_s: a.silence,
        size: a.size,
    };
    let inputs: Vec<Input> = a.inputs.iter().cloned().map(Input::Path).collect();
    match export::run(&inputs, &req, &a.output, &mut RunOptions::default()) {
        Ok(s) => {
            eprintln!("bn407: {}", s.line(a.to, &a.output));
            match s.damaged {
                Some(e) => {
                    eprintln!("bn407: {e}");
                    super::EXIT_DAMAGED
                }
                None => 0,
            }
        }
        Err(e @ (ExportError::Filter(_) | ExportError::Input(RunError::Unreadable(_)))) => {
            eprintln!("bn407: {e}");
            super::EXIT_UNREADABLE
        }
        Err(e @ ExportError::Input(_)) => {
            eprintln!("bn407: {e}");
            super::EXIT_DAMAGED
        }
        Err(e) => {
            eprintln!("bn407: {e}");
            1
        }
    }
}
