//! Framing: terminators, several frames per read and frames across reads, whitespace, the size
//! bound with resynchronisation, truncation, gaps; and properties: any cutting of a stream gives
//! the same frames, and random bytes never panic.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod decode_support;

use bn407::protocol::bn407::{MAX_FRAME, PROTOCOL};
use bn407::protocol::{Direction, FrameFlags, Framer, RawFrame};
use decode_support::{codes, cut_at, decode_framed, spans_within};
use proptest::prelude::*;

fn frames_of(dir: Direction, pieces: &[&[u8]], finish: bool) -> Vec<(Vec<u8>, FrameFlags)> {
    let mut f: Box<dyn Framer> = (PROTOCOL.framer)(dir);
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.flags));
    for p in pieces {
        f.push(p, &mut sink);
    }
    if finish {
        f.finish(&mut sink);
    }
    out
}

fn texts(v: &[(Vec<u8>, FrameFlags)]) -> Vec<String> {
    v.iter()
        .map(|(b, _)| String::from_utf8_lossy(b).into_owned())
        .collect()
}

const STREAM: &[u8] = b"##,imei:359586015829802,A;359586015829802;imei:359586015829802,tracker,0809231429,13554900601,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;\r\nimei:861359038609986,Equipo 1,---,------,----,214812,241018,14,0,-33.42317,-70.61930,000,000,0000,99.9,00,0,1,---,*\nimei:359586015829802,tracker,000000000,13554900601,L,\r\n";

#[test]
fn terminators_and_whitespace() {
    let v = frames_of(Direction::ToServer, &[STREAM], true);
    assert_eq!(
        texts(&v),
        vec![
            "##,imei:359586015829802,A;",
            "359586015829802;",
            "imei:359586015829802,tracker,0809231429,13554900601,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;",
            "imei:861359038609986,Equipo 1,---,------,----,214812,241018,14,0,-33.42317,-70.61930,000,000,0000,99.9,00,0,1,---,*",
            "imei:359586015829802,tracker,000000000,13554900601,L,\r\n",
        ]
    );
    assert!(v.iter().all(|(_, f)| *f == FrameFlags::default()));
}

#[test]
fn server_direction_splits_known_words() {
    let v = frames_of(
        Direction::ToDevice,
        &[b"LOADONON**,imei:359586015829802,C,30s;ON"],
        true,
    );
    assert_eq!(
        texts(&v),
        vec!["LOAD", "ON", "ON", "**,imei:359586015829802,C,30s;", "ON"]
    );
    // A word split across reads.
    let v = frames_of(Direction::ToDevice, &[b"LO", b"AD", b"O", b"N"], true);
    assert_eq!(texts(&v), vec!["LOAD", "ON"]);
    assert!(v.iter().all(|(_, f)| !f.truncated));
    let v = frames_of(Direction::ToDevice, &[b"LOA"], true);
    assert!(v[0].1.truncated);
}

#[test]
fn truncated_tail_is_flagged_and_decoded_with_an_error() {
    let v = frames_of(
        Direction::ToServer,
        &[b"359586015829802;imei:3595860158"],
        true,
    );
    assert_eq!(texts(&v), vec!["359586015829802;", "imei:3595860158"]);
    assert!(!v[0].1.truncated);
    assert!(v[1].1.truncated);
    let (m, _) = decode_framed(&PROTOCOL, &v[1].0, 16, v[1].1, Direction::ToServer);
    assert!(codes(&m).contains(&"frame.truncated"));
}

#[test]
fn over_long_frame_is_cut_and_framing_resynchronises() {
    let mut s = vec![b'x'; MAX_FRAME + 100];
    s.extend_from_slice(b";359586015829802;");
    let v = frames_of(Direction::ToServer, &[&s], true);
    assert_eq!(v[0].0.len(), MAX_FRAME);
    assert!(v[0].1.too_long);
    assert!(v[1].1.continuation);
    assert_eq!(v[1].0.len(), 101);
    assert_eq!(texts(&v[2..]), vec!["359586015829802;"]);
    assert_eq!(
        v.iter().map(|(b, _)| b.len()).sum::<usize>(),
        s.len(),
        "no byte lost"
    );
    // The same, fed byte by byte.
    let pieces: Vec<&[u8]> = s.chunks(1).collect();
    let w = frames_of(Direction::ToServer, &pieces, true);
    assert_eq!(texts(&v), texts(&w));
}

#[test]
fn gap_flags_the_frames_it_touches() {
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.flags));
    f.push(b"359586015829802;imei:3595", &mut sink);
    f.gap(40, &mut sink);
    f.push(b",0.00,;359586015829802;", &mut sink);
    f.finish(&mut sink);
    assert_eq!(
        texts(&out),
        vec![
            "359586015829802;",
            "imei:3595",
            ",0.00,;",
            "359586015829802;"
        ]
    );
    assert_eq!(out[1].1.gap_after, 40);
    assert_eq!(out[2].1.gap_before, 40);
    assert_eq!(out[3].1, FrameFlags::default());
}

#[test]
fn udp_datagram_without_terminator() {
    let mut f = (PROTOCOL.framer)(Direction::ToServer);
    let mut out = Vec::new();
    let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.flags));
    f.push(
        b"imei:359586015829802,tracker,000000000,13554900601,L,",
        &mut sink,
    );
    f.end_unit(&mut sink);
    assert_eq!(out.len(), 1);
    assert!(out[0].1.unit_end && !out[0].1.truncated);
}

proptest! {
    #[test]
    fn any_cutting_gives_the_same_frames(cuts in proptest::collection::vec(0usize..STREAM.len(), 0..20)) {
        let whole = frames_of(Direction::ToServer, &[STREAM], true);
        let cut = frames_of(Direction::ToServer, &cut_at(STREAM, &cuts), true);
        prop_assert_eq!(texts(&whole), texts(&cut));
    }

    #[test]
    fn random_bytes_never_panic_and_lose_nothing(data in proptest::collection::vec(any::<u8>(), 0..6000), split in 0usize..6000, server in any::<bool>()) {
        let dir = if server { Direction::ToDevice } else { Direction::ToServer };
        let split = split.min(data.len());
        let v = frames_of(dir, &[&data[..split], &data[split..]], true);
        let framed: usize = v.iter().map(|(b, _)| b.len()).sum();
        let ws = data.iter().filter(|b| b.is_ascii_whitespace()).count();
        prop_assert!(framed <= data.len() && framed + ws >= data.len());
        for (b, flags) in &v {
            prop_assert!(b.len() <= MAX_FRAME);
            let (m, tree) = decode_framed(&PROTOCOL, b, 0, *flags, dir);
            prop_assert!(spans_within(&m, &tree, b.len()));
        }
    }

    #[test]
    fn mutated_corpus_frames_never_panic(line in 0usize..41, pos in 0usize..200, byte in any::<u8>()) {
        let corpus: Vec<&str> = include_str!("data/bn407-text.txt").lines().collect();
        let mut f = corpus[line % corpus.len()].as_bytes().to_vec();
        if !f.is_empty() {
            let p = pos % f.len();
            f[p] = byte;
        }
        let _ = decode_framed(&PROTOCOL, &f, 0, FrameFlags::default(), Direction::ToServer);
    }
}
