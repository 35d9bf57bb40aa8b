//! Helpers shared by the decoder tests.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use bn407::protocol::bn407::PROTOCOL;
use bn407::protocol::{Builder, Direction, Message, Node, Tree};

/// Decodes one frame with its tree.
pub fn decode(frame: &str) -> (Message, Tree) {
    let mut tree = Tree::default();
    let mut b = Builder::new(Some(&mut tree));
    let m = (PROTOCOL.decode)(frame.as_bytes(), Direction::Unknown, &mut b);
    (m, tree)
}

/// The node of a field, which must exist.
pub fn node<'t>(tree: &'t Tree, name: &str) -> &'t Node {
    tree.find(name).unwrap_or_else(|| {
        panic!(
            "no field {name} in {:#?}",
            tree.nodes.iter().map(|n| n.def.name).collect::<Vec<_>>()
        )
    })
}

/// The raw text of a node.
pub fn raw<'f>(frame: &'f str, n: &Node) -> &'f str {
    &frame[n.span.start as usize..n.span.end as usize]
}

/// Diagnostic codes of a message.
pub fn codes(m: &Message) -> Vec<&'static str> {
    m.diagnostics.iter().map(|d| d.code).collect()
}

/// Asserts that every byte of the frame that is not a comma lies in some top-level node.
pub fn assert_covered(frame: &str, tree: &Tree) {
    for (i, c) in frame.bytes().enumerate() {
        if c == b',' {
            continue;
        }
        let covered = tree
            .nodes
            .iter()
            .any(|n| n.depth == 0 && n.span.contains(i));
        assert!(
            covered,
            "byte {i} ({:?}) of {frame:?} is in no field",
            c as char
        );
    }
}
