//! Suntech: probe, framing at the line end under any cutting, the id and the position in the
//! model form and the universal form.
//!
//! Reports written here from the layouts in the module notes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::Direction;
use crate::protocol::kit::testing::*;

// Model form: header; id; model; firmware; date; time; cell; lat; lon; speed; course;
// satellites; fix; odometer; power; inputs; mode; message number; ...
const STT: &[u8] = b"ST300STT;205589913;05;527;20240315;10:12:41;be139;-25.398868;-049.325636;045.500;090.00;9;1;427;12.57;100000;1;0172\r";
// Universal form: type; id; mask; model; firmware; message type; date; time; cell; MCC; MNC;
// LAC; signal; lat; lon; speed; course; satellites; fix; ...
const UNIVERSAL: &[u8] = b"STT;0560001616;BFFFFF;56;1.0.15;1;20240315;10:12:41;00008D6C;334;20;0925;24;+20.741764;-103.430364;0.00;0.00;19;1;00000001;00000000;2;1\r";
const EMG: &[u8] = b"ST300EMG;205589913;05;527;20240315;10:13:00;be139;-25.398868;-049.325636;000.000;000.00;9;1;427;12.57;100000;1;0173\r";

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[(STT, 93), (UNIVERSAL, 85)],
        &[(STT, 20), (UNIVERSAL, 16)],
        &[
            &b"STX;123;"[..],
            b"ST300XYZ;123;",
            b"STT;123;abc",
            b"imei:359586015829802,tracker",
            b"$GPRMC,1",
        ],
    );
}

#[test]
fn positions_in_both_forms() {
    let (m, _) = decode_clean(&PROTOCOL, STT, Direction::ToServer);
    let f = assert_report_fix(&m, "205589913", (-25.398868, -49.325636), 1_710_497_561_000);
    assert_eq!(f.speed_kmh, Some(45.5));
    let (m, _) = decode_clean(&PROTOCOL, UNIVERSAL, Direction::ToServer);
    assert_eq!(m.imei.unwrap().as_str(), "0560001616");
    assert!((m.fix.unwrap().lon + 103.430364).abs() < 1e-9);
    let (m, _) = decode(&PROTOCOL, EMG, Direction::ToServer);
    assert_eq!(m.alarm_class, Some(crate::protocol::AlarmClass::Sos));
}

#[test]
fn frames_end_at_carriage_return() {
    let s = stream(&[STT, UNIVERSAL, EMG]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[STT, UNIVERSAL, EMG]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(&PROTOCOL, &[STT, UNIVERSAL, EMG], 400, Some(3));
}

/// Layouts with the GPS part late or with other fields: an ST410 report lists cells (here
/// seven) before its date, and an ST910 has its fix flag straight after the course.
#[test]
fn positions_after_cell_lists_and_the_st910_fix_flag() {
    let cells = "10217;732;103;-87;51511;1;".repeat(7);
    let st410 = format!(
        "ST410STT;007272376;408;01;{cells}3.8;1;2503;6;20240315;10:12:41;+04.741277;-074.048238;052.375;189.87;20;1\r"
    );
    let (m, _) = decode_clean(&PROTOCOL, st410.as_bytes(), Direction::ToServer);
    let f = assert_report_fix(&m, "007272376", (4.741277, -74.048238), 1_710_497_561_000);
    assert!(f.valid);
    assert_eq!(f.course, Some(189.87));
    let st910 = |fix: &str| {
        format!(
            "ST910;Alert;123456;410;20240315;10:12:41;+37.478774;+126.889690;012.000;090.00;{fix};4.0;1;6002\r"
        )
    };
    let (m, t) = decode_clean(&PROTOCOL, st910("0").as_bytes(), Direction::ToServer);
    assert!(!m.fix.unwrap().valid);
    assert_eq!(t.find("suntech.fix").map(|n| n.span.pair()), Some([79, 80]));
    assert!(t.find("suntech.satellites").is_none());
    let (m, _) = decode_clean(&PROTOCOL, st910("1").as_bytes(), Direction::ToServer);
    assert!(m.fix.unwrap().valid);
}
