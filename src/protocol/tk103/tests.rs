//! TK103: probe, framing under any cutting, ids, positions and the login answer.
//!
//! Messages written here from the TK103 protocol layout (see the module notes): a packed
//! position is `yymmdd` `A` `ddmm.mmmm` `N` `dddmm.mmmm` `E` `sss.s` `hhmmss` `ccc.cc`
//! `8 flags` `L` `8 hex mileage`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::PROTOCOL;
use crate::protocol::kit::testing::*;
use crate::protocol::{Direction, Kind, ReplyOptions};

// (  012345678901  BP05  356895037533388 (identity)  240315 A 2234.0297 N 11405.9101 E
//    000.1 (km/h) 101241 (UTC) 323.87 (course) 00000000 L 0000ABCD )
const LOGIN: &[u8] =
    b"(012345678901BP05356895037533388240315A2234.0297N11405.9101E000.1101241323.8700000000L0000ABCD)";
// The server's answer to it.
const LOGIN_ACK: &[u8] = b"(012345678901AP05)";
// A continuous-tracking position in the southern and western hemispheres, 45.5 km/h.
const REPORT: &[u8] =
    b"(012345678901BR00240315A3439.9629S05826.3504W045.5101300090.0000000000L0000ABCD)";
// An SOS alarm: BO01 + alarm type 2 + the packed position.
const SOS: &[u8] =
    b"(012345678901BO012240315A3439.9629S05826.3504W000.0101400000.0000000000L0000ABCD)";
// The comma form with a 15-digit IMEI: date ddmmyy, A, lat+N, lon+E, speed, time, course.
const COMMA: &[u8] =
    b"(356895037533388,DW30,150324,A,5135.82713N,00001.17918E,0.089,154745,000.0,43.40,12)";
// A handshake.
const HANDSHAKE: &[u8] = b"(012345678901BP00012345678901HSO)";

#[test]
fn probe_verdicts() {
    assert_probe(
        &PROTOCOL,
        &[(LOGIN, 97), (LOGIN_ACK, 93), (COMMA, 90)],
        &[(LOGIN, 18), (COMMA, 22)],
        &[
            &b"(hello world)"[..],
            b"##,imei:359586015829802,A;",
            b"imei:359586015829802,tracker,",
            b"(0123)",
            b"[3G*1234567890*0002*LK]",
        ],
    );
    assert_eq!(probed_direction(&PROTOCOL, LOGIN_ACK), Direction::ToDevice);
}

#[test]
fn login_decodes_id_identity_and_position() {
    let (m, t) = decode(&PROTOCOL, LOGIN, Direction::ToServer);
    assert_eq!(m.kind, Kind::Login);
    assert_eq!(m.imei.unwrap().as_str(), "012345678901");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let f = m.fix.unwrap();
    assert!((f.lat - (22.0 + 34.0297 / 60.0)).abs() < 1e-9);
    assert!((f.lon - (114.0 + 5.9101 / 60.0)).abs() < 1e-9);
    assert_eq!(f.time, Some(1_710_497_561_000)); // 2024-03-15T10:12:41Z
    assert_eq!(f.course, Some(323.87));
    assert_eq!(
        t.find("tk103.identity").map(|n| n.span.pair()),
        Some([17, 32])
    );
    let reply = (PROTOCOL.hooks.reply.unwrap())(&m, LOGIN, &ReplyOptions::default());
    assert_eq!(reply.as_deref(), Some(LOGIN_ACK));
    let (ack, _) = decode(&PROTOCOL, LOGIN_ACK, Direction::ToDevice);
    assert_eq!(ack.kind, Kind::LoginAck);
    let (hs, _) = decode(&PROTOCOL, HANDSHAKE, Direction::ToServer);
    assert_eq!(hs.kind, Kind::Heartbeat);
    let r = (PROTOCOL.hooks.reply.unwrap())(&hs, HANDSHAKE, &ReplyOptions::default());
    assert_eq!(r.as_deref(), Some(&b"(012345678901AP01HSO)"[..]));
}

#[test]
fn report_alarm_and_comma_form() {
    let (m, _) = decode(&PROTOCOL, REPORT, Direction::ToServer);
    assert_eq!(m.kind, Kind::Report);
    let f = m.fix.unwrap();
    assert!(f.lat < -34.0 && f.lon < -58.0);
    assert_eq!(f.speed_kmh, Some(45.5));
    let (m, _) = decode(&PROTOCOL, SOS, Direction::ToServer);
    assert!(m.alarm);
    assert_eq!(m.alarm_class, Some(crate::protocol::AlarmClass::Sos));
    assert!(m.fix.is_some());
    let (m, _) = decode(&PROTOCOL, COMMA, Direction::ToServer);
    assert_eq!(m.imei.unwrap().as_str(), "356895037533388");
    let f = m.fix.unwrap();
    assert!((f.lat - (51.0 + 35.82713 / 60.0)).abs() < 1e-9);
    assert_eq!(f.time, Some(1_710_517_665_000)); // 2024-03-15T15:47:45Z
    let (m, _) = decode(&PROTOCOL, b"(garbage", Direction::ToServer);
    assert!(m.diagnostics.iter().any(|d| d.code == "tk103.junk"));
}

#[test]
fn frames_cut_at_parentheses() {
    let s = stream(&[LOGIN, b"\r\n", REPORT, COMMA]);
    assert_frames(&PROTOCOL, Direction::ToServer, &s, &[LOGIN, REPORT, COMMA]);
}

#[test]
fn any_cutting_gives_the_same_frames() {
    assert_any_cutting(
        &PROTOCOL,
        &[LOGIN, b"\n", REPORT, b"junk", SOS],
        400,
        Some(4),
    );
}

/// A packed position as one field among commas (`BQ81` alarms, `BP02`), in either id form.
#[test]
fn a_packed_position_among_comma_fields() {
    let at = (22.0 + 38.5237 / 60.0, 113.0 + 49.4571 / 60.0);
    for f in [
        &b"(012345678901BQ81,ALARM,1,164,240315A2238.5237N11349.4571E012.5101241090.00,00000000)"[..],
        b"(359586015829802BP02,G,2,240315A2238.5237N11349.4571E012.5101241090.00,7)",
    ] {
        let (m, _) = decode_clean(&PROTOCOL, f, Direction::ToServer);
        let imei = m.imei.unwrap();
        let fix = assert_report_fix(&m, imei.as_str(), at, 1_710_497_561_000);
        assert_eq!((fix.speed_kmh, fix.course), (Some(12.5), Some(90.0)));
    }
    // Fields with nothing packed stay as they were.
    let (m, _) = decode_clean(
        &PROTOCOL,
        b"(012345678901BQ81,ALARM,1,164)",
        Direction::ToServer,
    );
    assert!(m.fix.is_none());
}
