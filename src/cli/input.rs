//! Feeds inputs through the pipeline: the glue between sources and the [`Analyzer`].

use std::io::Read;
use std::path::PathBuf;

use crate::pipeline::{Analyzer, FlowMeta, FlowSummary, Sink};

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The input cannot be read at all (missing, empty, not a capture although it looks like one).
    #[error("{0}")]
    Unreadable(String),
    /// The input is damaged part-way; everything before the damage was decoded.
    #[error("{0}")]
    Damaged(String),
}

/// Runs every input through one analyzer, calling `sink` for each frame in order.
pub fn run(inputs: &[PathBuf], tree: bool, sink: &mut Sink<'_>) -> Result<Vec<FlowSummary>, RunError> {
    let mut an = Analyzer::new(tree);
    for (i, path) in inputs.iter().enumerate() {
        let name = path.display().to_string();
        let mut reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).map_err(|e| RunError::Unreadable(format!("{name}: cannot open: {e}")))?)
        };
        let id = i as u32;
        an.open_flow(FlowMeta { id, transport: "raw", device: None, server: None, certain: true, source: i });
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|e| RunError::Unreadable(format!("{name}: read error: {e}")))?;
            if n == 0 {
                break;
            }
            an.data(id, 0, None, buf.get(..n).unwrap_or(&[]), sink);
        }
        an.close(id, None, sink);
    }
    Ok(an.finish(sink))
}
