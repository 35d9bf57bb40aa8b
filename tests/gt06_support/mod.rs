//! Helpers shared by the GT06 tests: hex, framing, decoding with a tree, coverage.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

#[path = "../decode_support/mod.rs"]
mod decode_support;

use bn407::protocol::gt06::PROTOCOL;
use bn407::protocol::{Direction, Message, RawFrame, Tree};
#[allow(unused_imports)]
pub use decode_support::{codes, cut_at, decode_framed, errors, node, spans_within};

/// The GT06 corpus: real frames, one a line, in hex.
pub const CORPUS: &str = include_str!("../data/gt06.hex");

/// A GT06 login (serial 9), in hex.
pub const LOGIN: &str = "78 78 0D 01 08 64 71 70 03 28 35 81 00 09 3F 04 0D 0A";
/// The server's acknowledgement of [`LOGIN`], in hex.
pub const LOGIN_ACK: &str = "78 78 05 01 00 09 55 94 0D 0A";

/// Bytes of a hex string (spaces and newlines ignored).
pub fn unhex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// The frames the GT06 framer cuts from `bytes` pushed at once, then finished.
pub fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    frames_of(&[bytes])
}

/// The frames cut from `pieces` pushed in turn, then finished.
pub fn frames_of(pieces: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push(r.bytes.to_vec());
    for p in pieces {
        f.push(p, &mut sink);
    }
    f.finish(&mut sink);
    out
}

/// Decodes one frame with its tree (direction unknown: the content tells).
pub fn decode(frame: &[u8]) -> (Message, Tree) {
    decode_dir(frame, Direction::Unknown)
}

/// Decodes one frame with its tree, as travelling `dir`.
pub fn decode_dir(frame: &[u8], dir: Direction) -> (Message, Tree) {
    decode_support::decode_with(&PROTOCOL, frame, dir)
}

/// (start, end) of a node's span.
pub fn span(tree: &Tree, name: &str) -> (u32, u32) {
    let n = node(tree, name);
    (n.span.start, n.span.end)
}

/// Asserts every byte of the frame lies in some top-level node, and every span inside it.
pub fn assert_covered(frame: &[u8], tree: &Tree) {
    for n in &tree.nodes {
        assert!(
            n.span.end as usize <= frame.len(),
            "{} out of range",
            n.def.name
        );
    }
    for i in 0..frame.len() {
        assert!(
            decode_support::covered(tree, i),
            "byte {i} of {} is in no field: {:?}",
            bn407::protocol::hex(frame),
            tree.nodes
                .iter()
                .map(|n| (n.def.name, n.span.start, n.span.end))
                .collect::<Vec<_>>()
        );
    }
}
