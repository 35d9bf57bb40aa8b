//! Decoding helpers of the protocol tests, whatever the protocol: a frame decoded with its
//! field tree, a field's node, a message's diagnostic codes.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use bn407::protocol::{Builder, Direction, Message, Node, Protocol, Tree};

/// Decodes one frame of protocol `p` with its tree, as travelling `dir`.
pub fn decode_with(p: &Protocol, frame: &[u8], dir: Direction) -> (Message, Tree) {
    let mut tree = Tree::default();
    let mut b = Builder::new(Some(&mut tree));
    let m = (p.decode)(frame, dir, &mut b);
    (m, tree)
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

/// True when byte `i` of the frame lies in a top-level node of `tree`.
pub fn covered(tree: &Tree, i: usize) -> bool {
    tree.nodes
        .iter()
        .any(|n| n.depth == 0 && n.span.contains(i))
}

/// `stream` cut at `cuts` (each at most its length; any order, repeats allowed) into pieces.
pub fn cut_at<'s>(stream: &'s [u8], cuts: &[usize]) -> Vec<&'s [u8]> {
    let mut cuts = cuts.to_vec();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut from = 0;
    for c in cuts {
        pieces.push(&stream[from..c]);
        from = c;
    }
    pieces.push(&stream[from..]);
    pieces
}
