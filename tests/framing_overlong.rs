//! A BN-407 line longer than the framer's maximum (4 KiB), followed by normal frames: one
//! finding for the over-long part (its pieces up to the next terminator are not decoded, so
//! they repeat nothing), and the frames after it decode cleanly, whether the bytes come at once,
//! in TCP-sized pieces or one at a time.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod run_support;

use bn407::model::Stats;
use bn407::protocol::bn407::MAX_FRAME;
use run_support::run_input;

const IMEI: &str = "864180034124375";

/// What one frame came out as: its bytes' length, too long, continuation, kind, finding codes.
type Seen = (usize, bool, bool, String, Vec<String>);

/// A login, a report whose speed field never ends (`extra` bytes past the 4 KiB), then a
/// login, a heartbeat and a report that are fine.
fn stream(extra: usize) -> (Vec<u8>, usize) {
    let mut raw = format!("##,imei:{IMEI},A;imei:{IMEI},tracker,").into_bytes();
    let long_start = raw.len() - format!("imei:{IMEI},tracker,").len();
    raw.extend(std::iter::repeat_n(b'7', MAX_FRAME + extra));
    raw.extend_from_slice(b";\n");
    let long_len = raw.len() - long_start;
    raw.extend_from_slice(format!("##,imei:{IMEI},A;{IMEI};").as_bytes());
    raw.extend_from_slice(format!("imei:{IMEI},tracker,250101120000,,F,120000.000,A,3843.2560,N,00908.7620,W,12.50,180.0;\n").as_bytes());
    (raw, long_len)
}

/// Runs `bytes` through the analyzer; every frame as [`Seen`], and the statistics.
fn frames(bytes: Vec<u8>) -> (Vec<Seen>, Stats) {
    let mut seen = Vec::new();
    let mut stats = Stats::default();
    let out = run_input("long.txt", bytes, &mut |d| {
        seen.push((
            d.bytes.len(),
            d.flags.too_long,
            d.flags.continuation,
            d.message.kind.as_str().to_string(),
            d.message
                .diagnostics
                .iter()
                .map(|x| x.code.to_string())
                .collect(),
        ));
        stats.add(&d);
    });
    stats.finish(out.flows.clone());
    (seen, stats)
}

/// The frames of an over-long line of `extra` bytes past the maximum, checked.
fn check(extra: usize) {
    let (raw, long_len) = stream(extra);
    let (seen, stats) = frames(raw);
    let first = &seen[0];
    assert_eq!((first.3.as_str(), first.4.len()), ("login", 0), "{first:?}");
    // The over-long line: a first piece of 4 KiB, then pieces flagged as its continuation.
    let pieces: Vec<&Seen> = seen.iter().filter(|s| s.1).collect();
    assert_eq!(pieces[0].0, MAX_FRAME);
    assert!(!pieces[0].2);
    assert_eq!(pieces[0].4, ["frame.too_long"], "{:?}", pieces[0]);
    assert!(pieces.len() >= 2, "{}", pieces.len());
    for p in &pieces[1..] {
        assert!(p.2, "{p:?}");
        assert!(p.4.is_empty(), "a continuation piece with findings: {p:?}");
        assert_eq!(p.3, "unknown", "a continuation piece decoded: {p:?}");
    }
    // Every byte of it is in the pieces (the newline after its `;` is whitespace).
    let in_pieces: usize = pieces.iter().map(|p| p.0).sum();
    assert_eq!(in_pieces, long_len - 1);
    // After it: the three frames, clean.
    let after = &seen[1 + pieces.len()..];
    let kinds: Vec<&str> = after.iter().map(|s| s.3.as_str()).collect();
    assert_eq!(kinds, ["login", "heartbeat", "report"]);
    for s in after {
        assert!(s.4.is_empty(), "{s:?}");
        assert!(!s.1 && !s.2);
    }
    // The statistics say the same: one finding, one frame with errors.
    assert_eq!(stats.findings["frame.too_long"].count, 1);
    assert_eq!(stats.findings.len(), 1, "{:?}", stats.findings.keys());
    let text = bn407::cli::text::stats_text(&stats);
    assert!(text.contains("1 frames with errors"), "{text}");
}

#[test]
fn a_line_just_past_the_maximum_gives_one_finding_and_the_next_frames_decode() {
    check(10);
}

#[test]
fn a_100_kib_line_gives_one_finding_not_one_per_piece() {
    check(100 * 1024);
}

/// The same stream fed in pieces of every size from 1 to 4,097 bytes (a framer keeps its state
/// across pieces): the same frames as when fed at once.
#[test]
fn fed_in_pieces_the_frames_are_the_same() {
    use bn407::protocol::{Direction, Framer, by_name};
    let (raw, _) = stream(5000);
    let p = by_name("bn407").unwrap();
    let cut = |chunk: usize| {
        let mut f: Box<dyn Framer> = (p.framer)(Direction::ToServer);
        let mut got = Vec::new();
        for piece in raw.chunks(chunk) {
            f.push(piece, &mut |fr| {
                got.push((fr.bytes.to_vec(), fr.flags.too_long, fr.flags.continuation));
            });
        }
        f.finish(&mut |fr| {
            got.push((fr.bytes.to_vec(), fr.flags.too_long, fr.flags.continuation));
        });
        got
    };
    let whole = cut(raw.len());
    let firsts = whole.iter().filter(|f| f.1 && !f.2).count();
    assert_eq!(firsts, 1);
    for chunk in [1, 2, 7, 64, 1460, 4095, 4096, 4097] {
        let got = cut(chunk);
        let firsts = got.iter().filter(|f| f.1 && !f.2).count();
        assert_eq!(firsts, 1, "pieces of {chunk}: {firsts} over-long frames");
        let joined: Vec<u8> = got.iter().flat_map(|f| f.0.clone()).collect();
        let whole_joined: Vec<u8> = whole.iter().flat_map(|f| f.0.clone()).collect();
        assert_eq!(joined, whole_joined, "pieces of {chunk}");
        let tail = |v: &[(Vec<u8>, bool, bool)]| -> Vec<Vec<u8>> {
            v.iter().rev().take(3).map(|f| f.0.clone()).collect()
        };
        assert_eq!(tail(&got), tail(&whole), "pieces of {chunk}");
    }
}
