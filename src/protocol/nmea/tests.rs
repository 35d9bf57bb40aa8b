//! NMEA: probe, framing under any cutting, and the RMC / GGA positions.
//!
//! The sentences are written here from the NMEA 0183 sentence layouts (gpsd, "NMEA 0183
//! revealed"); their checksums were computed for these bytes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{Direction, Kind};

// $GPRMC,<time 08:12:34.00>,<A valid>,<4807.038,N = 48°07.038'>,<01131.000,E>,<22.4 kn>,
// <84.4°>,<date 23 Mar 2024>,<variation 003.1,W>*<xor>
fn rmc() -> Vec<u8> {
    with_checksum("GPRMC,081234.00,A,4807.038,N,01131.000,E,022.4,084.4,230324,003.1,W")
}
// $GNGGA,<time>,<lat>,<lon>,<quality 1>,<8 satellites>,<hdop 0.9>,<545.4 m>,M,...
fn gga() -> Vec<u8> {
    with_checksum("GNGGA,081235.00,4807.038,S,01131.000,W,1,08,0.9,545.4,M,46.9,M,,")
}

fn with_checksum(body: &str) -> Vec<u8> {
    let x = body.bytes().fold(0u8, |a, c| a ^ c);
    format!("${body}*{x:02X}\r\n").into_bytes()
}

#[test]
fn probe_names_position_sentences() {
    assert_probe(
        &PROTOCOL,
        &[(&rmc(), 92), (b"$GPGSV,3,1,11", 80)],
        &[(&rmc(), 7)],
        &[
            &b"$$A35,86"[..],
            b"$GPrmc,",
            b"$XXRMC,",
            b"imei:359586015829802,tracker",
            b"GPRMC,081234.00,A",
            b"\x24\x41\x06\x01",
        ],
    );
}

#[test]
fn rmc_position_and_time() {
    let (m, t) = decode(&PROTOCOL, &rmc(), Direction::ToServer);
    assert_eq!(m.kind, Kind::Report);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.imei, None);
    let fix = m.fix.unwrap();
    assert!((fix.lat - 48.1173).abs() < 1e-6);
    assert!((fix.lon - 11.516_666_6).abs() < 1e-6);
    assert!((f64::from(fix.speed_kmh.unwrap()) - 22.4 * 1.852).abs() < 1e-3);
    assert_eq!(fix.time, Some(1_711_181_554_000)); // 2024-03-23T08:12:34Z
    assert!(fix.valid);
    assert!(t.find("nmea.latitude").is_some());
}

#[test]
fn gga_southern_western_and_checksum() {
    let (m, _) = decode(&PROTOCOL, &gga(), Direction::ToServer);
    let fix = m.fix.unwrap();
    assert!(fix.lat < 0.0 && fix.lon < 0.0);
    assert_eq!(m.vitals.altitude, Some(545.4));
    let mut bad = gga();
    bad[10] = b'9';
    let (m, _) = decode(&PROTOCOL, &bad, Direction::ToServer);
    assert!(m.diagnostics.iter().any(|d| d.code == "nmea.checksum"));
}

#[test]
fn frames_are_lines() {
    let s = stream(&[&rmc(), &gga()]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[&rmc(), &gga()]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(&PROTOCOL, &[&rmc(), &gga(), &rmc()], 200, None);
}

#[test]
fn a_time_of_day_takes_only_a_fraction_of_a_second_after_the_seconds() {
    use super::decode::time_of_day;
    assert_eq!(time_of_day(b"123456"), Some(45_296_000));
    assert_eq!(time_of_day(b"123456.25"), Some(45_296_250));
    // Digits past the seconds without a point once added 10^10 ms (a fuzzer's overflow).
    assert_eq!(time_of_day(b"12345699999999999"), None);
    assert_eq!(time_of_day(b"123456-.5"), None);
}

#[test]
fn a_missing_hemisphere_is_assumed_and_said() {
    let s = with_checksum("GPRMC,081234.00,A,4807.038,N,01131.000,,022.4,084.4,230324,,");
    let (m, t) = decode(&PROTOCOL, &s, Direction::ToServer);
    let fix = m.fix.unwrap();
    assert!((fix.lon - 11.516_666_6).abs() < 1e-6);
    let d = diagnostic_words(&m);
    assert_eq!(
        d,
        [(
            "nmea.hemisphere_missing",
            "no hemisphere letter after 01131.000: assumed east"
        )]
    );
    assert!(t.find("nmea.longitude").is_some());
    // A letter that is not a hemisphere is still an error.
    let s = with_checksum("GPRMC,081234.00,A,4807.038,N,01131.000,X,022.4,084.4,230324,,");
    let (m, _) = decode(&PROTOCOL, &s, Direction::ToServer);
    assert!(m.fix.is_none());
    assert!(m.diagnostics.iter().any(|d| d.code == "nmea.coordinate"));
}
