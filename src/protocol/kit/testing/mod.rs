//! Test helpers for the families: run a framer over pieces, check that any cutting of a
//! stream gives the same frames, check a probe's verdicts on samples, and decode with a tree.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prop_assert_eq;
use proptest::test_runner::{TestCaseError, TestRunner};

mod cuts;
pub use cuts::cut_at;

use crate::protocol::{
    Builder, Direction, Fix, FrameFlags, Framer, Kind, Message, Protocol, RawFrame, Tree,
};

/// The bytes of `parts` one after the other: a stream of frames.
pub fn stream(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// The frames `protocol`'s framer cuts from `pieces`, then `finish`.
pub fn frames(p: &Protocol, dir: Direction, pieces: &[&[u8]]) -> Vec<(Vec<u8>, FrameFlags)> {
    run_framer((p.framer)(dir), pieces)
}

/// The frames a framer cuts from `pieces`, then `finish`, with their flags.
pub fn run_framer(mut f: Box<dyn Framer>, pieces: &[&[u8]]) -> Vec<(Vec<u8>, FrameFlags)> {
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.flags));
    for piece in pieces {
        f.push(piece, &mut sink);
    }
    f.finish(&mut sink);
    out
}

/// The frames of `stream` cut at `cuts` (sorted, deduplicated, bounded by the length).
pub fn frames_cut(
    p: &Protocol,
    dir: Direction,
    stream: &[u8],
    cuts: &[usize],
) -> Vec<(Vec<u8>, FrameFlags)> {
    let at: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    frames(p, dir, &cut_at(stream, &at))
}

/// For `proptest!` bodies: the frames of `stream` cut at `cuts` are those of the whole
/// stream, and there are `count` of them when it is given.
pub fn same_frames_under_cuts(
    p: &Protocol,
    dir: Direction,
    stream: &[u8],
    cuts: &[usize],
    count: Option<usize>,
) -> Result<(), TestCaseError> {
    let whole = frames(p, dir, &[stream]);
    if let Some(n) = count {
        prop_assert_eq!(whole.len(), n);
    }
    prop_assert_eq!(frames_cut(p, dir, stream, cuts), whole);
    Ok(())
}

/// For a family's `any_cutting_gives_the_same_frames`: over random cuttings (up to 8 cuts,
/// each below `max_cut`) of the device's stream of `parts`, [`same_frames_under_cuts`].
pub fn assert_any_cutting(p: &Protocol, parts: &[&[u8]], max_cut: usize, count: Option<usize>) {
    let s = stream(parts);
    let cuts = proptest::collection::vec(0usize..max_cut, 0..8);
    let run = TestRunner::default().run(&cuts, |cuts| {
        same_frames_under_cuts(p, Direction::ToServer, &s, &cuts, count)
    });
    if let Err(e) = run {
        panic!("{e}");
    }
}

/// Asserts that every frame the framer cuts from `stream` is one of `expected`, in order, none
/// truncated, and that the probe does not say `No` to any of them.
pub fn assert_frames(p: &Protocol, dir: Direction, stream: &[u8], expected: &[&[u8]]) {
    let v = frames(p, dir, &[stream]);
    let got: Vec<&[u8]> = v.iter().map(|(b, _)| b.as_slice()).collect();
    assert_eq!(
        got.iter()
            .map(|b| String::from_utf8_lossy(b))
            .collect::<Vec<_>>(),
        expected
            .iter()
            .map(|b| String::from_utf8_lossy(b))
            .collect::<Vec<_>>()
    );
    for (b, f) in &v {
        assert!(
            !f.truncated && !f.too_long,
            "{:?}",
            String::from_utf8_lossy(b)
        );
        assert_ne!(
            (p.probe)(b),
            crate::protocol::ProbeResult::No,
            "the probe refuses its own frame {:?}",
            String::from_utf8_lossy(b)
        );
    }
}

/// Decodes `frame` with a tree.
pub fn decode(p: &Protocol, frame: &[u8], dir: Direction) -> (Message, Tree) {
    let mut t = Tree::default();
    let m = (p.decode)(frame, dir, &mut Builder::new(Some(&mut t)));
    (m, t)
}

/// Decodes `frame` with a tree, asserting that the decoder found nothing wrong.
pub fn decode_clean(p: &Protocol, frame: &[u8], dir: Direction) -> (Message, Tree) {
    let (m, t) = decode(p, frame, dir);
    assert!(
        m.diagnostics.is_empty(),
        "{:?}: {:?}",
        String::from_utf8_lossy(frame),
        m.diagnostics
    );
    (m, t)
}

/// Asserts that `m` is a report from `imei` with a fix at (`lat`, `lon`) (to 1e-9 degrees)
/// taken at `time` (UTC milliseconds); gives the fix for the family's own checks.
pub fn assert_report_fix(m: &Message, imei: &str, (lat, lon): (f64, f64), time: i64) -> Fix {
    assert_eq!(m.kind, Kind::Report);
    assert_eq!(m.imei.unwrap().as_str(), imei);
    let f = m.fix.unwrap();
    assert!(
        (f.lat - lat).abs() < 1e-9 && (f.lon - lon).abs() < 1e-9,
        "{f:?}"
    );
    assert_eq!(f.time, Some(time));
    f
}

/// Each diagnostic of `m` as (code, message).
pub fn diagnostic_words(m: &Message) -> Vec<(&'static str, &str)> {
    m.diagnostics
        .iter()
        .map(|d| (d.code, d.message.as_ref()))
        .collect()
}

/// The direction the probe gives `b`, which it must match.
pub fn probed_direction(p: &Protocol, b: &[u8]) -> Direction {
    match (p.probe)(b) {
        crate::protocol::ProbeResult::Match(v) => v.direction,
        other => panic!("{other:?} for {:?}", String::from_utf8_lossy(b)),
    }
}

/// The confidence of a match (0 for `NeedMore` / `No`).
pub fn confidence(p: &Protocol, b: &[u8]) -> u8 {
    match (p.probe)(b) {
        crate::protocol::ProbeResult::Match(v) => v.confidence,
        _ => 0,
    }
}

/// Asserts the confidence of the probe's match for each `(bytes, confidence)` (0 for no match).
pub fn assert_confidences(p: &Protocol, cases: &[(&[u8], u8)]) {
    for &(b, want) in cases {
        assert_eq!(confidence(p, b), want, "{:?}", String::from_utf8_lossy(b));
    }
}

/// Every prefix of `b` shorter than `upto` is `NeedMore` or a match, never `No`.
pub fn assert_prefixes_not_refused(p: &Protocol, b: &[u8], upto: usize) {
    for n in 0..b.len().min(upto) {
        assert_ne!(
            (p.probe)(&b[..n]),
            crate::protocol::ProbeResult::No,
            "prefix {:?}",
            String::from_utf8_lossy(&b[..n])
        );
    }
}

/// The probe says `No` to each of `bytes`.
pub fn assert_refused(p: &Protocol, bytes: &[&[u8]]) {
    for b in bytes {
        assert_eq!(
            (p.probe)(b),
            crate::protocol::ProbeResult::No,
            "{:?}",
            String::from_utf8_lossy(b)
        );
    }
}

/// A family's probe verdicts on its samples: the confidence of each match
/// ([`assert_confidences`]), no prefix of `(bytes, upto)` refused
/// ([`assert_prefixes_not_refused`]), and each of `refused` refused ([`assert_refused`]).
pub fn assert_probe(
    p: &Protocol,
    confidences: &[(&[u8], u8)],
    prefixes: &[(&[u8], usize)],
    refused: &[&[u8]],
) {
    assert_confidences(p, confidences);
    for &(b, upto) in prefixes {
        assert_prefixes_not_refused(p, b, upto);
    }
    assert_refused(p, refused);
}
