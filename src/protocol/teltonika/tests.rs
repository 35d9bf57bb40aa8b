//! Teltonika: probe, framing of TCP streams under any cutting, the login, a codec 8 record,
//! codec 12, UDP, the CRC, and the platform's answers.
//!
//! Packets written here from Teltonika's codec documentation (module notes); the CRC-16/IBM
//! of each was computed for these bytes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use super::avl::crc16_ibm;
use crate::protocol::kit::testing::*;
use crate::protocol::{Direction, Kind, ProbeResult, ReplyOptions};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

// 00 0F | "356307042441013"
const LOGIN: &[u8] = b"\x00\x0f356307042441013";

/// A codec 8 packet with one record:
/// 00000000 preamble | 00000026 data length 38 | 08 codec 8 | 01 one record |
/// 0000018e419979a8 2024-03-15T10:12:41Z | 01 priority high |
/// 0f115490 lon 25.2794 E | 20989ac0 lat 54.6872 N | 006e 110 m | 005a 90° | 09 satellites |
/// 002d 45 km/h | 00 event I/O 0 | 02 two I/O elements | 01 one 1-byte: ef (ignition) = 01 |
/// 01 one 2-byte: 42 (external voltage) = 3a98 | 00 no 4-byte | 00 no 8-byte |
/// 01 one record | 0000508c CRC-16/IBM
fn avl() -> Vec<u8> {
    hex(
        "00000000 00000026 08 01 0000018e419979a8 01 0f115490 20989ac0 006e 005a 09 002d
         00 02 01 ef01 01 423a98 00 00 01 0000508c",
    )
}

/// Codec 12 command "getinfo": 0c | 01 | 05 command | 00000007 size | text | 01 | CRC.
fn getinfo() -> Vec<u8> {
    hex("00000000 0000000f 0c 01 05 00000007 676574696e666f 01 00004312")
}

/// The same record over UDP: 003b length | cafe packet id | 01 | 05 AVL packet id |
/// 000f IMEI length | IMEI | codec data without CRC.
fn udp() -> Vec<u8> {
    let mut v = hex("003b cafe 01 05 000f");
    v.extend_from_slice(&LOGIN[2..]);
    v.extend_from_slice(&avl()[8..avl().len() - 4]);
    v
}

#[test]
fn crc_is_ibm() {
    // CRC-16/ARC ("IBM") check value of "123456789".
    assert_eq!(crc16_ibm(b"123456789"), 0xBB3D);
}

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[
            (LOGIN, 97),
            (&avl(), 90),
            (&udp(), 95),
            (&[1, 0, 0, 0, 1], 80),
        ],
        &[(LOGIN, 17), (&avl(), 10)],
        &[
            &b"\x00\x0fabcdefgh"[..],
            b"\x00\x00\x00\x00\x00\x00\x00\x26\x77",
            b"359586015829802;",
            b"\x78\x78\x0d\x01",
            b"##,imei:359586015829802,A;",
        ],
    );
    assert_eq!(probed_direction(&PROTOCOL, &getinfo()), Direction::ToDevice);
    assert_eq!((PROTOCOL.probe)(&[1]), ProbeResult::NeedMore);
}

#[test]
fn login_record_and_answers() {
    let reply = PROTOCOL.hooks.reply.unwrap();
    let opts = ReplyOptions::default();
    let (m, _) = decode(&PROTOCOL, LOGIN, Direction::ToServer);
    assert_eq!(m.kind, Kind::Login);
    assert_eq!(m.imei.unwrap().as_str(), "356307042441013");
    assert_eq!(reply(&m, LOGIN, &opts), Some(vec![1]));
    let (m, t) = decode_clean(&PROTOCOL, &avl(), Direction::ToServer);
    assert_eq!(m.kind, Kind::Report);
    let f = m.fix.unwrap();
    assert!((f.lat - 54.6872).abs() < 1e-9 && (f.lon - 25.2794).abs() < 1e-9);
    assert_eq!(f.time, Some(1_710_497_561_000));
    assert_eq!(f.speed_kmh, Some(45.0));
    assert_eq!(
        t.find("teltonika.codec").map(|n| n.span.pair()),
        Some([8, 9])
    );
    assert_eq!(
        t.nodes
            .iter()
            .filter(|n| n.def.name == "teltonika.io")
            .count(),
        2
    );
    assert_eq!(reply(&m, &avl(), &opts), Some(vec![0, 0, 0, 1]));
    let (m, _) = decode(&PROTOCOL, &[0, 0, 0, 1], Direction::ToDevice);
    assert_eq!(m.kind, Kind::Ack);
    let (m, _) = decode(&PROTOCOL, &[1], Direction::ToDevice);
    assert_eq!(m.kind, Kind::LoginAck);
    let (m, _) = decode(&PROTOCOL, &getinfo(), Direction::ToDevice);
    assert_eq!(m.kind, Kind::Command);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn bad_crc_and_udp() {
    let mut bad = avl();
    bad[30] ^= 1;
    let (m, _) = decode(&PROTOCOL, &bad, Direction::ToServer);
    assert!(m.diagnostics.iter().any(|d| d.code == "teltonika.crc"));
    let (m, _) = decode_clean(&PROTOCOL, &udp(), Direction::ToServer);
    assert_eq!(m.imei.unwrap().as_str(), "356307042441013");
    assert!(m.fix.is_some());
    let ack = (PROTOCOL.hooks.reply.unwrap())(&m, &udp(), &ReplyOptions::default()).unwrap();
    assert_eq!(ack, hex("0005 cafe 01 05 01"));
    let (a, _) = decode(&PROTOCOL, &ack, Direction::ToDevice);
    assert_eq!(a.kind, Kind::Ack);
}

#[test]
fn streams_frame_both_sides() {
    let s = stream(&[LOGIN, &avl(), &avl()]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[LOGIN, &avl(), &avl()]);
    let mut s = vec![1, 0, 0, 0, 1];
    s.extend(getinfo());
    s.extend([0, 0, 0, 1]);
    let v = frames(&PROTOCOL, Direction::ToDevice, &[&s]);
    let got: Vec<&[u8]> = v.iter().map(|(b, _)| b.as_slice()).collect();
    assert_eq!(
        got,
        vec![&[1][..], &[0, 0, 0, 1], &getinfo(), &[0, 0, 0, 1]]
    );
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(
        &PROTOCOL,
        &[LOGIN, &avl(), &getinfo(), &avl()],
        200,
        Some(4),
    );
}

/// Codec 13 goes one way, device to server: its type 5 is the device's text with a time, not a
/// command to the device.
#[test]
fn codec_13_is_the_device_speaking() {
    let c13 = hex("00000000 00000011 0d 01 05 00000009 5f3a1b20 68656c6c6f 01 0000acb3");
    assert_eq!(probed_direction(&PROTOCOL, &c13), Direction::ToServer);
    let (m, t) = decode_clean(&PROTOCOL, &c13, Direction::ToServer);
    assert_eq!(m.kind, Kind::CommandReply);
    assert_eq!(
        t.find("teltonika.command").map(|n| n.span.pair()),
        Some([19, 24])
    );
    let (m, _) = decode_clean(&PROTOCOL, &getinfo(), Direction::ToDevice);
    assert_eq!(m.kind, Kind::Command);
}
