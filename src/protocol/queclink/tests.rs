//! Queclink: probe, framing at `$` under any cutting, IMEI, the GTFRI position, the heartbeat
//! and its acknowledgement.
//!
//! Messages written here from the @Track layout in the module notes (a GV300-style GTFRI:
//! report id/type, number, then accuracy, speed, azimuth, altitude, longitude, latitude, GPS
//! time, cell, odometer..., send time, count).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{AlarmClass, Direction, Kind, ReplyOptions};

const FRI: &[u8] = b"+RESP:GTFRI,270B01,864251020001234,gv300,,10,1,1,2,45.5,90,110.2,-70.619301,-33.427136,20240315101241,0730,0001,13A7,00AB12CD,00,1234.5,,,,100,210100,,,,20240315101243,1A2B$";
const SOS: &[u8] = b"+RESP:GTSOS,270B01,864251020001234,gv300,,00,1,1,0.0,0,110.2,-70.619301,-33.427136,20240315101300,0730,0001,13A7,00AB12CD,,,20240315101301,1A2C$";
const HBD: &[u8] = b"+ACK:GTHBD,270B01,864251020001234,gv300,20240315101400,1A2D$";
const SACK: &[u8] = b"+SACK:GTHBD,270B01,1A2D$";

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[(FRI, 95), (HBD, 93)],
        &[(FRI, 8)],
        &[
            &b"+CMGS:"[..],
            b"imei:359586015829802,",
            b"RESP:GTFRI",
            b"+RESP:XX",
        ],
    );
    assert_eq!(probed_direction(&PROTOCOL, SACK), Direction::ToDevice);
}

#[test]
fn report_position_and_heartbeat_answer() {
    let (m, t) = decode_clean(&PROTOCOL, FRI, Direction::ToServer);
    let f = assert_report_fix(
        &m,
        "864251020001234",
        (-33.427136, -70.619301),
        1_710_497_561_000,
    );
    assert_eq!(f.speed_kmh, Some(45.5));
    assert_eq!(
        t.find("queclink.message").map(|n| n.span.pair()),
        Some([6, 11])
    );
    let (m, _) = decode(&PROTOCOL, SOS, Direction::ToServer);
    assert_eq!(m.alarm_class, Some(AlarmClass::Sos));
    assert!(m.fix.is_some());
    let (m, _) = decode(&PROTOCOL, HBD, Direction::ToServer);
    assert_eq!(m.kind, Kind::Heartbeat);
    let r = (PROTOCOL.hooks.reply.unwrap())(&m, HBD, &ReplyOptions::default());
    assert_eq!(r.as_deref(), Some(SACK));
    let (m, _) = decode(&PROTOCOL, SACK, Direction::ToDevice);
    assert_eq!(m.kind, Kind::HeartbeatAck);
}

#[test]
fn frames_end_at_dollar() {
    let s = stream(&[FRI, b"\r\n", SOS, HBD]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[FRI, SOS, HBD]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(&PROTOCOL, &[FRI, SOS, HBD], 400, Some(3));
}
