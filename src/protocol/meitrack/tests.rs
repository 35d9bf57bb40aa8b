//! Meitrack: probe, framing by the length field under any cutting, the AAA position, the
//! checksum, and the server's `@@` command.
//!
//! Frames built here from the layout in the module notes; `frame()` computes the length and
//! the checksum the way the notes define them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{AlarmClass, Direction, Kind};

/// `<mark><flag><length>,<rest>*<checksum>\r\n`.
fn frame(mark: &str, flag: char, rest: &[u8]) -> Vec<u8> {
    let len = 1 + rest.len() + 3 + 2; // ',' + rest + '*hh' + "\r\n"
    let mut v = format!("{mark}{flag}{len},").into_bytes();
    v.extend_from_slice(rest);
    v.push(b'*');
    let sum = v.iter().fold(0u8, |a, &c| a.wrapping_add(c));
    v.extend(format!("{sum:02X}\r\n").into_bytes());
    v
}

// IMEI, AAA, event 35 (periodic), lat, lon, 2024-03-15 10:12:41 UTC, A, 9 satellites,
// GSM 23, 45 km/h, course 90, HDOP 0.9, 110 m, then mileage, run time, cell, I/O, analog.
fn aaa(event: &str) -> Vec<u8> {
    let rest = format!(
        "864507031245110,AAA,{event},-33.427136,-70.619301,240315101241,A,9,23,45,90,0.9,110,1234,5678,730|1|0C0F|00A1B2C3,0000,0000|0000|0000|018D|04CB"
    );
    frame("$$", 'A', rest.as_bytes())
}

fn command() -> Vec<u8> {
    frame("@@", 'B', b"864507031245110,A10")
}

/// A CCC frame carries binary data: here bytes that include '\r\n' and '*'.
fn ccc() -> Vec<u8> {
    let mut rest = b"864507031245110,CCC,".to_vec();
    rest.extend_from_slice(&[0x00, 0x01, 0x0d, 0x0a, 0x2a, 0x24, 0x24, 0xff]);
    frame("$$", 'C', &rest)
}

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[(&aaa("35"), 96), (&command(), 93)],
        &[(&aaa("35"), 24)],
        &[
            &b"$GPRMC,081234.00,A"[..],
            b"$$,12,abc",
            b"$$A35,abc,AAA",
            b"##,imei:359586015829802,A;",
            b"\x24\x41\x06\x01\x27\x36",
        ],
    );
    assert_eq!(probed_direction(&PROTOCOL, &command()), Direction::ToDevice);
}

#[test]
fn aaa_position_and_checksum() {
    let (m, t) = decode_clean(&PROTOCOL, &aaa("35"), Direction::ToServer);
    let f = assert_report_fix(
        &m,
        "864507031245110",
        (-33.427136, -70.619301),
        1_710_497_561_000,
    );
    assert_eq!(f.speed_kmh, Some(45.0));
    assert!(t.find("meitrack.checksum").is_some());
    let (m, _) = decode(&PROTOCOL, &aaa("1"), Direction::ToServer);
    assert_eq!(m.alarm_class, Some(AlarmClass::Sos));
    let mut bad = aaa("35");
    bad[30] = b'9';
    let (m, _) = decode(&PROTOCOL, &bad, Direction::ToServer);
    assert!(m.diagnostics.iter().any(|d| d.code == "meitrack.checksum"));
    let (m, _) = decode(&PROTOCOL, &command(), Direction::ToDevice);
    assert_eq!(m.kind, Kind::Command);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn length_frames_binary_data() {
    let s = stream(&[&aaa("35"), &ccc(), &aaa("1")]);
    assert_frames(
        &PROTOCOL,
        Direction::ToServer,
        &s,
        &[&aaa("35"), &ccc(), &aaa("1")],
    );
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(&PROTOCOL, &[&aaa("35"), &ccc(), &aaa("1")], 500, Some(3));
}

/// A frame whose length overran into the next message leaves the rest of that message as a
/// misfit, here with bytes that look like a Teltonika server's short answer (`01 00 00 00 01`):
/// the side stays Meitrack and the messages after it decode, and every byte is in a frame.
#[test]
fn an_overrun_length_does_not_hand_the_flow_to_another_protocol() {
    use crate::protocol::stream::Conversation;
    let a = aaa("35");
    let comma = a.iter().position(|&c| c == b',').unwrap();
    let len: usize = std::str::from_utf8(&a[3..comma]).unwrap().parse().unwrap();
    let mut long = format!("$$A{}", len + 20).into_bytes();
    long.extend_from_slice(&a[comma..]);
    let mut junk = aaa("35");
    junk.splice(40..40, [0xff, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x0c]);
    let stream = stream(&[&long, &junk, &aaa("35"), &aaa("1")]);
    let mut c = Conversation::new(true, true);
    let mut got: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut out = |f: crate::protocol::stream::Framed<'_>| {
        got.push((f.protocol.name, f.raw.bytes.to_vec()));
    };
    c.data(0, &stream, &mut out);
    c.finish(&mut out);
    assert!(got.iter().all(|(p, _)| *p == "meitrack"), "{got:?}");
    assert_eq!(
        got.iter().flat_map(|(_, b)| b.clone()).collect::<Vec<u8>>(),
        stream
    );
    let tail: Vec<&[u8]> = got.iter().rev().take(2).map(|(_, b)| &b[..]).collect();
    assert_eq!(tail, [&aaa("1")[..], &aaa("35")[..]]);
    assert_eq!(c.switches(0), 0);

    // The misfit holds the next whole message: framing starts over at it.
    let mut junk = aaa("35");
    junk.splice(40..40, [&[0xff][..], &aaa("7")].concat());
    let bytes = [long, junk, aaa("1")].concat();
    let mut c = Conversation::new(true, true);
    let mut got: Vec<Vec<u8>> = Vec::new();
    c.data(0, &bytes, &mut |f| got.push(f.raw.bytes.to_vec()));
    c.finish(&mut |f| got.push(f.raw.bytes.to_vec()));
    assert!(got.contains(&aaa("7")), "{got:?}");
    assert_eq!(got.last(), Some(&aaa("1")));
    assert_eq!(got.concat(), bytes);
}
