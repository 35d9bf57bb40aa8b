//! Entry points of the fuzz targets (`fuzz/`, cargo-fuzz and libFuzzer), one function per target,
//! each taking the fuzzer's bytes.
//!
//! They live in the crate so that the fuzz targets and an ordinary test
//! (`tests/fuzz_regressions.rs`, which runs every seed and every input a fuzzer ever crashed
//! on) run the same code, and so that they can reach the parsers below the public API. Each
//! one feeds the bytes to a part of the analyzer the way its real input arrives and checks
//! what must always hold (beyond "no panic, no hang, bounded memory"): reassembled TCP bytes
//! are the bytes sent, in order, with every hole reported; a capture read as a stream gives
//! the same items as read as a file; every field of a decode tree lies inside its frame; every
//! flow opened is closed once.
//!
//! Not a stable API: the layout of each target's bytes may change with the parsers.

mod diff;
mod filter;
mod flows;
mod frames;
mod input;
mod tiles;

pub use diff::diff;
pub use filter::filter;
pub use flows::{LINKS, net, tcp};
pub use frames::protocol;
pub use input::{capture, fingerprint, logline};
pub use tiles::{mvt_labels, pmtiles, pmtiles_tiles};

use crate::pipeline::Decoded;
use crate::protocol::Tree;

/// The names of the targets, as the folders under `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[&str] = &[
    "capture", "logline", "net", "tcp", "protocol", "filter", "pmtiles", "diff",
];

/// Runs the target called `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "capture" => capture(data),
        "logline" => logline(data),
        "net" => net(data),
        "tcp" => tcp(data),
        "protocol" => protocol(data),
        "filter" => filter(data),
        "pmtiles" => pmtiles(data),
        "diff" => diff(data),
        _ => return false,
    }
    true
}

/// Reads the fuzzer's bytes as numbers and pieces, yielding zeros once they run out.
struct Bytes<'a> {
    d: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.d.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.d = rest;
        first
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.d.split_at(n.min(self.d.len()));
        self.d = b;
        a
    }
    fn is_empty(&self) -> bool {
        self.d.is_empty()
    }
}

fn check_decoded(d: &Decoded<'_>) {
    if let Some(tree) = d.tree {
        check_tree(tree, d.bytes.len());
    }
    for diag in &d.message.diagnostics {
        assert!(
            diag.span.start <= diag.span.end && diag.span.end as usize <= d.bytes.len(),
            "diagnostic {} spans {:?} of a {}-byte frame",
            diag.code,
            diag.span,
            d.bytes.len()
        );
    }
    if let Some(k) = d.message.keyword {
        assert!(k.start <= k.end && k.end as usize <= d.bytes.len());
    }
}

/// Every node of a tree lies inside its frame, and depths grow by one at most.
fn check_tree(tree: &Tree, len: usize) {
    let mut depth = 0u8;
    for (i, n) in tree.nodes.iter().enumerate() {
        assert!(
            n.span.start <= n.span.end && n.span.end as usize <= len,
            "field {} spans {:?} of a {len}-byte frame",
            n.def.name,
            n.span
        );
        assert!(
            n.depth <= depth.saturating_add(1),
            "field {} (node {i}) at depth {} after depth {depth}",
            n.def.name,
            n.depth
        );
        depth = n.depth;
    }
}
