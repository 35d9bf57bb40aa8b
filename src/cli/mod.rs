//! The headless commands: `decode` prints every frame, `stats` the totals. They run the same
//! pipeline as the window; the CLI is how tests, scripts and benchmarks see what it shows.

pub mod diagnose;
pub mod diff;
pub mod export;
pub mod listen;
pub mod text;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::model::Stats;
use crate::pipeline::{self, Input, RunError, RunOptions};
use crate::present;

/// Command line.
#[derive(Parser, Debug)]
#[command(
    name = "bn407",
    version,
    about = "Protocol analyzer for the Coban BN-407 GPS tracker and its platform port"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files to open (with no command).
    pub files: Vec<PathBuf>,
    /// With files to open: compare them (firmware A) with these captures (firmware B) in the
    /// window's Compare tab, as `bn407 diff FILES --against B` does.
    #[arg(long, num_args = 1.., value_name = "B")]
    pub against: Vec<PathBuf>,
}

/// Output formats of `decode`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DecodeFormat {
    /// One line per frame for people.
    Text,
    /// One JSON object per frame.
    Jsonl,
}

/// Output formats of `stats`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum StatsFormat {
    /// For people.
    Text,
    /// One JSON object.
    Json,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Live mode: answer devices as their server (or relay them to their platform), print every
    /// frame, record every byte to pcapng.
    Listen(listen::ListenArgs),
    /// Firmware diff: what changed in the devices' messages between captures A and B (or
    /// between the firmware generations in one set); exit status 1 when they differ.
    Diff(diff::DiffArgs),
    /// Findings per device, per flow and for the capture: what is wrong, what to do, and the
    /// frames that show it.
    Diagnose {
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
        format: StatsFormat,
        /// Inputs: captures, server logs or raw device streams (`-` for standard input).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Write frames, tracks, packets, photos, findings or the map in the format another tool
    /// reads: jsonl, csv, gpx, kml, geojson, pcapng, photos, markdown, png.
    Export(export::ExportArgs),
    /// Print every frame in order.
    Decode {
        /// Output format.
        #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
        format: DecodeFormat,
        /// Write reassembled photos as JPEG files into this folder.
        #[arg(long)]
        photos: Option<PathBuf>,
        /// Inputs: raw device streams (`-` for standard input).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Decode everything and print totals.
    Stats {
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
        format: StatsFormat,
        /// Inputs: raw device streams (`-` for standard input).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
}

/// Exit status when an input cannot be read.
pub const EXIT_UNREADABLE: u8 = 2;
/// Exit status when an input is damaged part-way (everything before the damage was decoded).
pub const EXIT_DAMAGED: u8 = 3;

/// Runs a headless command; returns the exit status.
pub fn run(cmd: Command) -> u8 {
    if let Command::Listen(a) = &cmd {
        return listen::run(a);
    }
    if let Command::Diff(a) = &cmd {
        return diff::run(a);
    }
    if let Command::Export(a) = &cmd {
        return export::run(a);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut stats = Stats::default();
    let mut broken_pipe = false;
    let mut diagnose = None;
    let (result, format_stats, photos) = match &cmd {
        Command::Listen(_) | Command::Diff(_) | Command::Export(_) => return 0,
        Command::Diagnose { format, inputs } => {
            let inputs: Vec<Input> = inputs.iter().cloned().map(Input::Path).collect();
            let r = pipeline::run_all(&inputs, &mut RunOptions::default(), &mut |d| stats.add(&d));
            diagnose = Some(*format);
            (r, None, None)
        }
        Command::Decode {
            format,
            inputs,
            photos,
        } => {
            let jsonl = *format == DecodeFormat::Jsonl;
            // A capture still being written: every line goes out as soon as it is decoded.
            let stream = inputs.iter().any(|p| crate::capture::is_stream(p));
            let inputs: Vec<Input> = inputs.iter().cloned().map(Input::Path).collect();
            let mut opts = RunOptions {
                tree: jsonl,
                ..Default::default()
            };
            let r = pipeline::run_all(&inputs, &mut opts, &mut |d| {
                stats.add(&d);
                if broken_pipe {
                    return;
                }
                let line = if jsonl {
                    present::frame_json_line(&d)
                } else {
                    present::frame_line(&d)
                };
                if writeln!(out, "{line}").is_err() || (stream && out.flush().is_err()) {
                    broken_pipe = true;
                }
            });
            (r, None, photos.clone())
        }
        Command::Stats { format, inputs } => {
            let inputs: Vec<Input> = inputs.iter().cloned().map(Input::Path).collect();
            let r = pipeline::run_all(&inputs, &mut RunOptions::default(), &mut |d| stats.add(&d));
            (r, Some(*format), None)
        }
    };
    let err = result.error;
    stats.net = result.net;
    stats.finish(result.flows);
    match diagnose {
        Some(StatsFormat::Text) => {
            let _ = write!(out, "{}", diagnose::text(&stats));
        }
        Some(StatsFormat::Json) => {
            let _ = writeln!(out, "{}", diagnose::json(&stats));
        }
        None => {}
    }
    match format_stats {
        Some(StatsFormat::Text) => {
            let _ = write!(out, "{}", text::stats_text(&stats));
        }
        Some(StatsFormat::Json) => {
            let _ = writeln!(out, "{}", stats_json(&stats));
        }
        None => {}
    }
    let _ = out.flush();
    if let Some(dir) = photos
        && let Err(e) = crate::export::photos::write(&dir, &stats.photos)
    {
        eprintln!("bn407: {}: {e}", dir.display());
    }
    match err {
        None => 0,
        Some(e @ RunError::Unreadable(_)) => {
            eprintln!("bn407: {e}");
            EXIT_UNREADABLE
        }
        Some(e @ RunError::Damaged(_)) => {
            eprintln!("bn407: {e}");
            EXIT_DAMAGED
        }
    }
}

/// The totals as one JSON object.
pub fn stats_json(st: &Stats) -> serde_json::Value {
    let mut by_flow_protocol = std::collections::BTreeMap::<&str, u64>::new();
    for f in &st.flows {
        *by_flow_protocol.entry(f.protocol).or_default() += 1;
    }
    serde_json::json!({
        "frames": st.frames,
        "truncated": st.truncated,
        "by_protocol": st.by_protocol,
        "by_kind": st.by_kind,
        "by_firmware": st.by_firmware,
        "devices": st.devices.len(),
        "devices_over_limit": st.devices_over_limit,
        "photo_packets_dropped": st.photo_packets_dropped,
        "photos_not_kept": st.photos_not_kept,
        "device_list": st.devices.values().collect::<Vec<_>>(),
        "flows": st.flows.len(),
        "flows_by_protocol": by_flow_protocol,
        "flow_list": st.flows.iter().map(|f| serde_json::json!({
            "flow": f.meta.id,
            "transport": f.meta.transport,
            "device": f.meta.device.map(|a| a.to_string()),
            "server": f.meta.server.map(|a| a.to_string()),
            "protocol": f.protocol,
            "reason": f.reason,
            "confidence": f.confidence,
            "bytes_to_server": f.bytes_to_server,
            "bytes_to_device": f.bytes_to_device,
            "whitespace": f.skipped,
            "packets_from_device": f.packets[0],
            "packets_from_server": f.packets[1],
            "end": f.end.as_str(),
            "server_protocol": f.server_protocol,
            "logged_as": f.meta.hint.map(|h| h.as_str().to_string()),
            "protocol_switches": f.switches,
        })).collect::<Vec<_>>(),
        "errors": st.errors,
        "warnings": st.warnings,
        "bytes": st.bytes,
        "bytes_by_direction": st.bytes_by_direction,
        "capture": st.net,
        "whitespace": st.flows.iter().map(|f| f.skipped).sum::<u64>(),
        "stream_bytes": st.flows.iter().map(|f| f.bytes_to_server + f.bytes_to_device).sum::<u64>(),
        "findings": st.findings.values().collect::<Vec<_>>(),
        "sessions": st.diagnosis,
        "photos": st.photos,
    })
}
