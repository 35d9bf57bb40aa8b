//! Helpers shared by the decoder tests.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

#[path = "../decode_support/mod.rs"]
mod decode_support;

use bn407::protocol::bn407::PROTOCOL;
use bn407::protocol::{Direction, Message, Node, Tree};
#[allow(unused_imports)]
pub use decode_support::{codes, errors, node};

/// Decodes one frame with its tree.
pub fn decode(frame: &str) -> (Message, Tree) {
    decode_support::decode_with(&PROTOCOL, frame.as_bytes(), Direction::Unknown)
}

/// Decodes one frame with its tree, asserting that the decoder found nothing wrong and that
/// every byte of the frame that is not a comma lies in some top-level node.
pub fn decode_clean(frame: &str) -> (Message, Tree) {
    let (m, t) = decode(frame);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_covered(frame, &t);
    (m, t)
}

/// Asserts that decoding `frame` gives a diagnostic `code` (among others, maybe).
pub fn assert_flags(frame: &str, code: &str) {
    let (m, _) = decode(frame);
    assert!(codes(&m).contains(&code), "{frame}: {:?}", codes(&m));
}

/// The raw text of a node.
pub fn raw<'f>(frame: &'f str, n: &Node) -> &'f str {
    &frame[n.span.start as usize..n.span.end as usize]
}

/// Asserts that every byte of the frame that is not a comma lies in some top-level node.
pub fn assert_covered(frame: &str, tree: &Tree) {
    for (i, c) in frame.bytes().enumerate() {
        if c == b',' {
            continue;
        }
        assert!(
            decode_support::covered(tree, i),
            "byte {i} ({:?}) of {frame:?} is in no field",
            c as char
        );
    }
}
