//! Xexun: probe, framing at the line end after `imei:` under any cutting, the IMEI, the
//! position and an SOS.
//!
//! Reports written here from the layout in the module notes; the RMC checksums were computed
//! for these bytes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{AlarmClass, Direction, Kind};

/// `<serial>,<phone>,GPRMC,...*hh,<signal>,<event>, imei:<IMEI>,<sats>,<altitude>,<battery>,...`
fn report(serial_phone: &str, event: &str) -> Vec<u8> {
    let rmc = "GPRMC,101241.000,A,2234.0297,N,11405.9101,E,12.00,90.00,150324,,,A";
    let x = rmc.bytes().fold(0u8, |a, c| a ^ c);
    format!("{serial_phone}{rmc}*{x:02X},F,{event}, imei:359586015829802,05,110.0,F:4.12V,0,140,1234,460,00,27A3,0E2F\r\n").into_bytes()
}

#[test]
fn probe_verdicts() {
    let full = report("150324101241,+34600000000,", "");
    assert_probe(
        &PROTOCOL,
        &[(&full, 93), (&report("", ""), 88)],
        &[(&full, 40)],
        &[
            &b"$GPRMC,101241.000,A"[..],
            b"359586015829802;",
            b"imei:359586015829802,tracker",
            b"150324101241,+34600000000,GPGGA,",
            b"xx imei:123,tracker",
        ],
    );
}

#[test]
fn report_position_imei_and_sos() {
    let r = report("150324101241,+34600000000,", "");
    let (m, t) = decode_clean(&PROTOCOL, &r, Direction::ToServer);
    assert_eq!(m.kind, Kind::Report);
    assert_eq!(m.imei.unwrap().as_str(), "359586015829802");
    let f = m.fix.unwrap();
    assert!((f.lat - (22.0 + 34.0297 / 60.0)).abs() < 1e-9);
    assert_eq!(f.time, Some(1_710_497_561_000));
    assert!(t.find("xexun.phone").is_some());
    let (m, _) = decode(&PROTOCOL, &report("", "help me!"), Direction::ToServer);
    assert_eq!(m.alarm_class, Some(AlarmClass::Sos));
}

#[test]
fn frames_end_after_the_imei_line() {
    let a = report("150324101241,+34600000000,", "");
    let b = report("", "help me!");
    let s = stream(&[&a, &b]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[&a, &b]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(
        &PROTOCOL,
        &[
            &report("150324101241,+34600000000,", ""),
            &report("", "help me!"),
        ],
        400,
        Some(2),
    );
}
