//! Decoding helpers of the protocol tests, whatever the protocol: a frame decoded with its
//! field tree (alone, or as framed with the framer's findings), a field's node, a message's
//! diagnostic codes and its errors.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use bn407::protocol::{
    Builder, Diagnostic, Direction, FrameFlags, Message, Node, Protocol, RawFrame, Severity, Tree,
    decode_frame,
};

/// Decodes one frame of protocol `p` with its tree, as travelling `dir`.
pub fn decode_with(p: &Protocol, frame: &[u8], dir: Direction) -> (Message, Tree) {
    let mut tree = Tree::default();
    let mut b = Builder::new(Some(&mut tree));
    let m = (p.decode)(frame, dir, &mut b);
    (m, tree)
}

/// Decodes a framed piece of protocol `p` with its tree, as travelling `dir`: `bytes` at
/// `offset` in its stream, with the framer's `flags` (their findings added to the message).
pub fn decode_framed(
    p: &Protocol,
    bytes: &[u8],
    offset: u64,
    flags: FrameFlags,
    dir: Direction,
) -> (Message, Tree) {
    let raw = RawFrame {
        bytes,
        offset,
        flags,
    };
    let mut tree = Tree::default();
    let m = decode_frame(p, &raw, dir, Some(&mut tree));
    (m, tree)
}

/// True when every node of `tree` and every diagnostic of `m` lies within the `len` bytes of
/// the frame they were decoded from.
pub fn spans_within(m: &Message, tree: &Tree, len: usize) -> bool {
    tree.nodes.iter().all(|n| n.span.end as usize <= len)
        && m.diagnostics.iter().all(|d| d.span.end as usize <= len)
}

/// The node of a field, which must exist.
pub fn node<'t>(tree: &'t Tree, name: &str) -> &'t Node {
    tree.find(name).unwrap_or_else(|| {
        panic!(
            "no field {name} in {:?}",
            tree.nodes.iter().map(|n| n.def.name).collect::<Vec<_>>()
        )
    })
}

/// Diagnostic codes of a message.
pub fn codes(m: &Message) -> Vec<&'static str> {
    m.diagnostics.iter().map(|d| d.code).collect()
}

/// The diagnostics of a message that are errors.
pub fn errors(m: &Message) -> Vec<&Diagnostic> {
    m.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// True when byte `i` of the frame lies in a top-level node of `tree`.
pub fn covered(tree: &Tree, i: usize) -> bool {
    tree.nodes
        .iter()
        .any(|n| n.depth == 0 && n.span.contains(i))
}

// `cut_at`: the families' unit tests cut their streams with the same function.
#[path = "../../src/protocol/kit/testing/cuts.rs"]
mod cuts;
#[allow(unused_imports)] // as `dead_code` above: not every test uses it
pub use cuts::cut_at;
