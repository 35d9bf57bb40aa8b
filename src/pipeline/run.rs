//! Runs inputs through the [`Analyzer`]: the loop shared by the headless commands, the window's
//! loader thread and the benchmarks.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Analyzer, FlowMeta, FlowSummary, Sink};

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

/// Runs every input through one analyzer, calling `sink` for each frame in order.
pub fn run(
    inputs: &[Input],
    opts: &mut RunOptions<'_>,
    sink: &mut Sink<'_>,
) -> Result<Vec<FlowSummary>, RunError> {
    let mut an = Analyzer::new(opts.tree);
    let frames = std::cell::Cell::new(0u64);
    let mut counting = |d: super::Decoded<'_>| {
        frames.set(frames.get() + 1);
        sink(d);
    };
    let total: Option<u64> = inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Bytes { data, .. } => Some(data.len() as u64),
        })
        .sum();
    let mut read_so_far = 0u64;
    for (i, input) in inputs.iter().enumerate() {
        let name = input.name();
        let mut reader: Box<dyn Read> = match input {
            Input::Path(p) if name == "-" => {
                let _ = p;
                Box::new(std::io::stdin())
            }
            Input::Path(p) => Box::new(
                std::fs::File::open(p)
                    .map_err(|e| RunError::Unreadable(format!("{name}: cannot open: {e}")))?,
            ),
            Input::Bytes { data, .. } => Box::new(SharedBytes {
                data: Arc::clone(data),
                pos: 0,
            }),
        };
        let id = i as u32;
        an.open_flow(FlowMeta {
            id,
            transport: "raw",
            device: None,
            server: None,
            certain: true,
            source: i,
        });
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if opts
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                return Ok(an.finish(&mut counting));
            }
            let n = reader
                .read(&mut buf)
                .map_err(|e| RunError::Unreadable(format!("{name}: read error: {e}")))?;
            if n == 0 {
                break;
            }
            read_so_far += n as u64;
            an.data(id, 0, None, buf.get(..n).unwrap_or(&[]), &mut counting);
            if let Some(p) = opts.progress.as_mut() {
                p(Progress {
                    bytes_read: read_so_far,
                    bytes_total: total,
                    frames: frames.get(),
                });
            }
        }
        an.close(id, None, &mut counting);
    }
    Ok(an.finish(&mut counting))
}

/// Reads shared bytes without copying them first.
struct SharedBytes {
    data: Arc<Vec<u8>>,
    pos: usize,
}

impl Read for SharedBytes {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf.get_mut(..n)
            .unwrap_or(&mut [])
            .copy_from_slice(rest.get(..n).unwrap_or(&[]));
        self.pos += n;
        Ok(n)
    }
}
