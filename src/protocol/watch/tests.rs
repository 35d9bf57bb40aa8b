//! Watch protocol: probe, framing by the length under any cutting, the id, a position, an
//! alarm and the link answer.
//!
//! Frames written here from the layout in the module notes; `frame()` computes the length.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{AlarmClass, Direction, Kind, ReplyOptions};

fn frame(content: &str) -> Vec<u8> {
    format!("[3G*8800000015*{:04X}*{content}]", content.len()).into_bytes()
}

// UD, 15 Mar 2024 10:12:41, A, 22.567162 N, 114.098502 W, 12.5 km/h, 90°, 110 m,
// 9 satellites, GSM 80, battery 67 %, 1000 steps, ...
fn ud(cmd: &str) -> Vec<u8> {
    frame(&format!(
        "{cmd},150324,101241,A,22.567162,N,114.098502,W,12.5,90.0,110.0,9,80,67,1000,0,00000000,1,1,460,0,9360,4082,131"
    ))
}

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[
            (&ud("UD"), 94),
            (b"[ZJ*014111001350304*0034*0009*LK,0,0,19]", 94),
        ],
        &[(&ud("UD"), 26)],
        &[
            &b"[hello]"[..],
            b"(027044702512BP05",
            b"[3G*abc*0002*LK]",
            b"imei:359586015829802,tracker",
        ],
    );
}

#[test]
fn position_alarm_and_link() {
    let (m, _) = decode_clean(&PROTOCOL, &ud("UD"), Direction::ToServer);
    let f = assert_report_fix(
        &m,
        "8800000015",
        (22.567162, -114.098502),
        1_710_497_561_000,
    );
    assert_eq!(f.speed_kmh, Some(12.5));
    let reply = PROTOCOL.hooks.reply.unwrap();
    let al = ud("AL");
    let (m, _) = decode(&PROTOCOL, &al, Direction::ToServer);
    assert_eq!(m.alarm_class, Some(AlarmClass::Sos));
    assert_eq!(
        reply(&m, &al, &ReplyOptions::default()).unwrap(),
        frame("AL")
    );
    let lk = frame("LK,1000,0,67");
    let (m, _) = decode(&PROTOCOL, &lk, Direction::ToServer);
    assert_eq!(m.kind, Kind::Heartbeat);
    let answer = reply(&m, &lk, &ReplyOptions::default()).unwrap();
    assert_eq!(answer, b"[3G*8800000015*0002*LK]");
    let (m, _) = decode(&PROTOCOL, &answer, Direction::ToDevice);
    assert_eq!(m.kind, Kind::HeartbeatAck);
}

#[test]
fn frames_follow_the_length() {
    let a = ud("UD");
    let b = frame("LK,1000,0,67");
    // Content holding ']' is framed by the length.
    let c = frame("TEXT,a]b");
    let s = stream(&[&a, &c, &b]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[&a, &c, &b]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(
        &PROTOCOL,
        &[&ud("UD"), &frame("LK,1000,0,67"), &ud("AL")],
        300,
        Some(3),
    );
}

#[test]
fn a_missing_hemisphere_is_said_not_silently_assumed() {
    let f = frame("UD,150324,101241,A,22.567162,,-114.098502,,12.5,90.0,110.0,9,80,67");
    let (m, _) = decode(&PROTOCOL, &f, Direction::ToServer);
    let fix = m.fix.unwrap();
    assert_eq!((fix.lat, fix.lon), (22.567162, -114.098502));
    let words = diagnostic_words(&m);
    assert_eq!(
        words,
        [
            (
                "watch.hemisphere",
                "no hemisphere letter after 22.567162: taken as north"
            ),
            (
                "watch.hemisphere",
                "no hemisphere letter after -114.098502: taken as west"
            ),
        ]
    );
}
