//! Runs inputs through the [`Analyzer`]: the loop shared by the headless commands, the window's
//! loader thread and the benchmarks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::stages::{self, Reader};
use super::{Analyzer, FlowMeta, FlowSummary, Sink};
use crate::capture::{self, CaptureError, ErrorKind, Merged};
use crate::net::{FlowEvent, FlowInfo, NetConfig, NetStats, Reassembler, Side, SideBy};
use crate::protocol::{Diagnostic, Severity, Span};

/// One input: a file (or `-` for standard input), or bytes already in memory (drag and drop).
#[derive(Debug, Clone)]
pub enum Input {
    /// A path; `-` is standard input.
    Path(PathBuf),
    /// Bytes with a name to show.
    Bytes {
        /// Name shown in messages.
        name: String,
        /// Content.
        data: Arc<Vec<u8>>,
    },
}

impl Input {
    /// The name shown in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }
}

/// How far a run is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read from all inputs so far.
    pub bytes_read: u64,
    /// Total bytes of all inputs, when known.
    pub bytes_total: Option<u64>,
    /// Frames decoded so far.
    pub frames: u64,
}

/// Options of a run.
#[derive(Default)]
pub struct RunOptions<'p> {
    /// Build a field tree for every frame.
    pub tree: bool,
    /// Ports the user names as server ports (besides 8888).
    pub server_ports: Vec<u16>,
    /// Set to stop the run early (it returns what was decoded so far).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Called now and then with the progress.
    pub progress: Option<&'p mut dyn FnMut(Progress)>,
    /// Decoder threads (0: the whole run on the caller's thread; at most 64); `None` for the
    /// default, one less than the processors (at most 8), or `BN407_DECODERS` when set. The frames and
    /// their order are the same whatever the number.
    pub decoders: Option<usize>,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The input cannot be read at all (missing, empty, not a capture although it looks like one).
    #[error("{0}")]
    Unreadable(String),
    /// The input is damaged part-way; everything before the damage was decoded.
    #[error("{0}")]
    Damaged(String),
}

/// Everything a run amounts to besides its frames.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// Every flow, in flow order.
    pub flows: Vec<FlowSummary>,
    /// What the network layer counted (packets, ignored, fragments, retransmissions, gaps).
    pub net: NetStats,
    /// Why the run stopped early, if it did (frames before the damage were still delivered).
    pub error: Option<RunError>,
}

/// Runs every input through one analyzer, calling `sink` for each frame in capture-time order.
///
/// Inputs are recognised by content (pcap, pcapng, server log, raw stream). A damaged input
/// stops the run after everything before the damage was decoded and handed to `sink`.
pub fn run(
    inputs: &[Input],
    opts: &mut RunOptions<'_>,
    sink: &mut Sink<'_>,
) -> Result<Vec<FlowSummary>, RunError> {
    let out = run_all(inputs, opts, sink);
    match out.error {
        Some(e) => Err(e),
        None => Ok(out.flows),
    }
}

/// Like [`run`], returning the flows and network counters even when the run stopped early.
pub fn run_all(inputs: &[Input], opts: &mut RunOptions<'_>, sink: &mut Sink<'_>) -> RunOutcome {
    let mut sources = Vec::with_capacity(inputs.len());
    for input in inputs {
        let opened = match input {
            Input::Path(p) => capture::open(p),
            Input::Bytes { name, data } => capture::open_bytes(name, data.as_ref().clone()),
        };
        match opened {
            Ok(s) => sources.push(s),
            Err(e) => {
                return RunOutcome {
                    error: Some(to_run_error(e)),
                    ..Default::default()
                };
            }
        }
    }
    let merged = Merged::new(sources);
    let mut ports = vec![8888];
    ports.extend(opts.server_ports.iter().copied());
    let net = Reassembler::new(NetConfig {
        server_ports: ports,
        ..NetConfig::default()
    });
    let mut reader = Reader {
        merged,
        net,
        cancel: opts.cancel.clone(),
        stream: inputs
            .iter()
            .any(|i| matches!(i, Input::Path(p) if capture::is_stream(p))),
    };
    let frames = std::cell::Cell::new(0u64);
    let mut progress = opts.progress.take();
    let mut counting = |d: super::Decoded<'_>| {
        frames.set(frames.get() + 1);
        sink(d);
    };
    let staged = stages::run_staged(
        &mut reader,
        opts.tree,
        opts.decoders.unwrap_or_else(stages::decoders),
        &mut counting,
        &mut |read| {
            if let Some(p) = progress.as_mut() {
                p(Progress {
                    bytes_read: read.0,
                    bytes_total: read.1,
                    frames: frames.get(),
                });
            }
        },
    );
    if let Some(p) = progress.as_mut() {
        let read = reader.read_so_far();
        p(Progress {
            bytes_read: read.0,
            bytes_total: read.1,
            frames: frames.get(),
        });
    }
    opts.progress = progress;
    RunOutcome {
        flows: staged.flows,
        net: staged.net,
        error: staged.failure,
    }
}

pub(super) fn to_run_error(e: CaptureError) -> RunError {
    match e.kind {
        ErrorKind::Unreadable => RunError::Unreadable(e.to_string()),
        ErrorKind::Damaged => RunError::Damaged(e.to_string()),
    }
}

pub(crate) fn side_index(side: Side) -> usize {
    match side {
        Side::Device => 0,
        Side::Server => 1,
    }
}

/// What the pipeline keeps of a flow the network layer opened.
pub(super) fn meta_of(info: &FlowInfo) -> FlowMeta {
    FlowMeta {
        id: info.id.0,
        transport: info.transport.as_str(),
        device: info.device,
        server: info.server,
        certain: matches!(info.side_by, SideBy::Syn | SideBy::Log | SideBy::Raw),
        source: info.source,
        hint: info.hint,
        from_log: info.side_by == SideBy::Log,
    }
}

/// Hands one network event to the analyzer (also what the `net` and `tcp` fuzz targets run).
pub(crate) fn apply(an: &mut Analyzer, ev: FlowEvent<'_>, sink: &mut Sink<'_>) {
    match ev {
        FlowEvent::Open(info) => an.open_flow(meta_of(info)),
        FlowEvent::Data {
            flow,
            side,
            ts,
            bytes,
        } => an.data(flow.0, side_index(side), ts.map(|t| t.0), bytes, sink),
        FlowEvent::UnitEnd { flow, side } => an.end_unit(flow.0, side_index(side), sink),
        FlowEvent::Gap {
            flow,
            side,
            ts,
            missing,
        } => an.gap(flow.0, side_index(side), ts.map(|t| t.0), missing, sink),
        FlowEvent::Note {
            flow,
            side,
            code,
            message,
            ..
        } => {
            an.note(
                flow.0,
                side_index(side),
                Diagnostic::new(Severity::Warning, code, message, Span::new(0, 0)),
            );
        }
        FlowEvent::Close { flow, packets, end } => an.close(flow.0, None, packets, end, sink),
    }
}
