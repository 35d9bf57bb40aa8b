//! H02: probe, framing of text and binary under any cutting, ids and positions.
//!
//! Written here from the H02 layout in the module notes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{Direction, Kind};

// *HQ, id 4106012736, V1, 09:22:33 UTC, A, 50°35.3129' N, 4°31.8211' E, 12 kn, 90°,
// 15 Mar 2024, status FFFFFBFF #
const V1: &[u8] =
    b"*HQ,4106012736,V1,092233,A,5035.3129,N,00431.8211,E,012.00,090,150324,FFFFFBFF#";
const HTBT: &[u8] = b"*HQ,865205035331981,HTBT#";
// The server sets a 30 s interval.
const D1: &[u8] = b"*HQ,4106012736,D1,092300,30,1#";

/// The same fix as [`V1`] in the binary record:
/// `24` | id 41 06 01 27 36 | 09 22 33 | 15 03 24 | lat 50 35 31 29 | battery 06 |
/// lon 00 43 18 21 + flags e (valid, north, east) | speed 012, course 090: 01 20 90 |
/// status ff ff fb ff | 3 extension bytes.
fn binary() -> Vec<u8> {
    let mut v = vec![
        0x24, 0x41, 0x06, 0x01, 0x27, 0x36, 0x09, 0x22, 0x33, 0x15, 0x03, 0x24,
    ];
    v.extend([0x50, 0x35, 0x31, 0x29, 0x06, 0x00, 0x43, 0x18, 0x21, 0x1e]);
    v.extend([0x01, 0x20, 0x90, 0xff, 0xff, 0xfb, 0xff, 0xff, 0x00, 0x24]);
    v
}

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[
            (V1, 95),
            (HTBT, 95),
            (&binary(), 85),
            (b"*TH,2020916012,V1,050316,A,", 72),
        ],
        &[(V1, 20), (&binary(), 12)],
        &[
            &b"**,imei:359586015829802,B;"[..],
            b"$GPRMC,081234.00,A",
            b"$$A35,864507031245110,AAA",
            b"imei:359586015829802,tracker",
            b"*HQ,abc,V1#",
            b"\x24\x41\x06\x01\x27\x36\x29\x2a",
        ],
    );
    assert_eq!(probed_direction(&PROTOCOL, D1), Direction::ToDevice);
}

#[test]
fn text_and_binary_give_the_same_fix() {
    let (m, t) = decode(&PROTOCOL, V1, Direction::ToServer);
    assert_eq!(m.kind, Kind::Report);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.imei.unwrap().as_str(), "4106012736");
    assert_eq!(t.find("h02.command").map(|n| n.span.pair()), Some([15, 17]));
    let a = m.fix.unwrap();
    let (m, _) = decode_clean(&PROTOCOL, &binary(), Direction::ToServer);
    assert_eq!(m.imei.unwrap().as_str(), "4106012736");
    let b = m.fix.unwrap();
    assert!((a.lat - (50.0 + 35.3129 / 60.0)).abs() < 1e-9);
    assert!((a.lat - b.lat).abs() < 1e-9 && (a.lon - b.lon).abs() < 1e-9);
    assert_eq!(a.time, Some(1_710_494_553_000)); // 2024-03-15T09:22:33Z
    assert_eq!(a.time, b.time);
    assert_eq!(a.speed_kmh, b.speed_kmh);
    assert_eq!(b.course, Some(90.0));
    let (m, _) = decode(&PROTOCOL, HTBT, Direction::ToServer);
    assert_eq!(m.kind, Kind::Heartbeat);
    assert_eq!(m.imei.unwrap().as_str(), "865205035331981");
    let (m, _) = decode(&PROTOCOL, D1, Direction::ToDevice);
    assert_eq!(m.kind, Kind::Command);
}

#[test]
fn frames_mix_text_and_binary() {
    let s = stream(&[V1, b"\r\n", &binary(), &binary(), HTBT]);
    assert_frames(
        &PROTOCOL,
        Direction::ToServer,
        &s,
        &[V1, &binary(), &binary(), HTBT],
    );
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(
        &PROTOCOL,
        &[&binary(), V1, &binary(), &binary()],
        300,
        Some(4),
    );
}

/// Forms some units send: signed degrees and minutes, no decimal point, a validity of `0` or
/// none, and `VP1` with no time field.
#[test]
fn other_coordinate_and_validity_forms() {
    let fix = |f: &[u8]| {
        let (m, _) = decode(&PROTOCOL, f, Direction::ToServer);
        (m.fix.unwrap(), m.diagnostics)
    };
    let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
    // -dd-mm.mmmm: 12 07.5 S, 45 30.25 W.
    let (f, diags) =
        fix(b"*HQ,4106012736,V1,101500,A,-12-7.5000,S,-45-30.2500,W,1.0,10,020324,FFFFFBFF#");
    assert!(
        near(f.lat, -(12.0 + 7.5 / 60.0)) && near(f.lon, -(45.0 + 30.25 / 60.0)),
        "{f:?}"
    );
    assert!(diags.is_empty() && f.valid, "{diags:?}");
    // Four implied decimals: 50 35.3129 N, 4 31.8211 E.
    let (f, diags) =
        fix(b"*HQ,4106012736,V1,101500,A,50353129,N,004318211,E,1.0,10,020324,FFFFFBFF#");
    assert!(
        near(f.lat, 50.0 + 35.3129 / 60.0) && near(f.lon, 4.0 + 31.8211 / 60.0),
        "{f:?}"
    );
    assert!(diags.is_empty(), "{diags:?}");
    // A validity of 0, or none: a fix that is not valid, and a warning that says why.
    for v in ["0", ""] {
        let s = format!(
            "*HQ,4106012736,V1,101500,{v},5035.3129,N,00431.8211,E,1.0,10,020324,FFFFFBFF#"
        );
        let (f, diags) = fix(s.as_bytes());
        assert!(!f.valid && near(f.lat, 50.0 + 35.3129 / 60.0), "{f:?}");
        assert_eq!(f.time, Some(1_709_374_500_000)); // 2024-03-02T10:15:00Z
        assert_eq!(
            diags.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["h02.validity"]
        );
    }
    // VP1: the validity straight after the command, a date but no time.
    let (f, diags) = fix(b"*hq,356327080425330,VP1,A,2702.7245,S,15251.9311,E,0.48,0.0000,080917#");
    assert!(f.valid && near(f.lat, -(27.0 + 2.7245 / 60.0)), "{f:?}");
    assert_eq!(f.time, None);
    assert!(diags.is_empty(), "{diags:?}");
    // Still refused: a dash with no minutes, a degree field with letters.
    for bad in [
        &b"*HQ,4106012736,V1,101500,A,-12-,S,-45-30.25,W,1,1,020324,F#"[..],
        b"*HQ,4106012736,V1,101500,A,12x7.5,S,4530.25,W,1,1,020324,F#",
    ] {
        let (m, _) = decode(&PROTOCOL, bad, Direction::ToServer);
        assert!(m.fix.is_none(), "{:?}", String::from_utf8_lossy(bad));
        assert!(
            m.diagnostics.iter().any(|d| d.code == "h02.coordinate"),
            "{:?}",
            m.diagnostics
        );
    }
}
