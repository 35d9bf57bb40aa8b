//! Unit tests of the GT06 decoder, one message type at a time, written from the protocol notes
//! as annotated hex dumps. Offsets in comments count from the frame's first byte. Frames are
//! built with the crate's CRC where a test does not give the CRC itself.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gt06_support;

use bn407::protocol::gt06::crc::build;
use bn407::protocol::gt06::probe;
use bn407::protocol::{AlarmClass, Direction, Kind, ProbeResult, Severity, Value};
use gt06_support::{assert_covered, codes, decode, errors, node, span, unhex};

fn frame(ty: u8, content: &str, serial: u16) -> Vec<u8> {
    build(false, ty, &unhex(content), serial)
}

fn num(v: Value) -> f64 {
    match v {
        Value::Int(i) => i as f64,
        Value::Num(n) | Value::Coord(n) => n,
        other => panic!("not a number: {other:?}"),
    }
}

fn no_errors(m: &bn407::protocol::Message) {
    let e = errors(m);
    assert!(e.is_empty(), "{e:?}");
}

/// 2024-05-01T10:20:30Z
const T: i64 = 1_714_558_830_000;

// GPS block (18 bytes), 22.5 N 113.9 E, 60 km/h, course 123, valid:
//  +0 18 05 01 0A 14 1E   2024-05-01 10:20:30 UTC
//  +6 C9                  info length 12, 9 satellites
//  +7 02 69 FB 20         22.5 x 1,800,000 = 40,500,000
// +11 0C 38 5B 60         113.9 x 1,800,000 = 205,020,000
// +15 3C                  60 km/h
// +16 14 7B               course 123 | bit 10 north | bit 12 valid
const GPS_NE: &str = "18 05 01 0A 14 1E C9 0269FB20 0C385B60 3C 147B";
// 12.0 S 77.5 W, 0 km/h, course 270 | bit 11 west | bit 12 valid | bit 13 differential
const GPS_SW: &str = "18 05 01 0A 14 1E C9 01499700 085099E0 00 390E";
// MCC 460 (01 CC), MNC 0, LAC 0x2866, cell id 0x000EEE
const LBS: &str = "01CC 00 2866 000EEE";

#[test]
fn login_from_the_notes() {
    // 0     2  3  4                       12    14    16
    // 78 78 0D 01 08 64 71 70 03 28 35 81 00 09 3F 04 0D 0A
    let f = unhex("78 78 0D 01 08 64 71 70 03 28 35 81 00 09 3F 04 0D 0A");
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Login);
    assert_eq!(m.imei.unwrap().as_str(), "864717003283581");
    assert_eq!(span(&t, "gt06.start"), (0, 2));
    assert_eq!(num(node(&t, "gt06.length").value), 13.0);
    assert_eq!(span(&t, "gt06.login.terminal_id"), (4, 12));
    assert_eq!(num(node(&t, "gt06.serial").value), 9.0);
    assert_eq!(span(&t, "gt06.crc"), (14, 16));
    assert_eq!(node(&t, "gt06.crc_ok").value, Value::Bool(true));
    assert_eq!(span(&t, "gt06.stop"), (16, 18));
    assert!(!codes(&m).contains(&"gt06.crc"));
    no_errors(&m);
    assert_covered(&f, &t);
}

#[test]
fn login_with_type_and_time_zone() {
    // 4 03 53 41 90 36 06 60 61   terminal id: IMEI 353419036066061
    // 12 36 08                    type id
    // 14 32 01                    0x320 = 800: +08:00, bit 3 clear (east)
    let (m, t) = decode(&frame(0x01, "0353419036066061 3608 3201", 1));
    assert_eq!(m.imei.unwrap().as_str(), "353419036066061");
    assert_eq!(num(node(&t, "gt06.login.type_id").value), 0x3608 as f64);
    assert_eq!(
        node(&t, "gt06.login.timezone").value,
        Value::Offset(8 * 3600)
    );
    assert_eq!(m.vitals.tz_offset, Some(8 * 3600));
    no_errors(&m);
    // 14 14 A8: 0x14A = 330: 03:30, bit 3 set: west
    let (m, _) = decode(&frame(0x01, "0353419036066061 3608 14A8", 1));
    assert_eq!(m.vitals.tz_offset, Some(-(3 * 3600 + 30 * 60)));
    // A wrong check digit is a warning.
    let (m, _) = decode(&frame(0x01, "0353419036066062", 1));
    assert!(codes(&m).contains(&"imei.luhn"));
    no_errors(&m);
}

#[test]
fn gps_and_lbs_positions() {
    // 0x12: 4 GPS block | 22 LBS | 30 serial
    let f = frame(0x12, &format!("{GPS_NE} {LBS}"), 0x0102);
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Report);
    assert!(m.imei.is_none());
    let fix = m.fix.unwrap();
    assert!(fix.valid);
    assert!((fix.lat - 22.5).abs() < 1e-9 && (fix.lon - 113.9).abs() < 1e-9);
    assert_eq!(fix.time, Some(T));
    assert_eq!((fix.speed_kmh, fix.course), (Some(60.0), Some(123.0)));
    assert_eq!(span(&t, "gt06.gps.time"), (4, 10));
    assert_eq!(node(&t, "gt06.gps.time").value, Value::UtcTime(T));
    assert_eq!(num(node(&t, "gt06.gps.satellites").value), 9.0);
    assert_eq!(span(&t, "gt06.gps.latitude"), (11, 15));
    assert_eq!(num(node(&t, "gt06.gps.raw").value), 40_500_000.0);
    assert_eq!(num(node(&t, "gt06.lbs.mcc").value), 460.0);
    assert_eq!(num(node(&t, "gt06.lbs.lac").value), 0x2866 as f64);
    assert_eq!(num(node(&t, "gt06.lbs.cell_id").value), 0xeee as f64);
    assert_eq!(num(node(&t, "gt06.serial").value), 0x102 as f64);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_covered(&f, &t);

    // 0x10: the GPS block alone, south and west.
    let (m, t) = decode(&frame(0x10, GPS_SW, 7));
    let fix = m.fix.unwrap();
    assert!((fix.lat + 12.0).abs() < 1e-9 && (fix.lon + 77.5).abs() < 1e-9);
    assert_eq!(fix.course, Some(270.0));
    assert_eq!(node(&t, "gt06.gps.differential").value, Value::Bool(true));
    assert_eq!(node(&t, "gt06.gps.west").value, Value::Bool(true));
    no_errors(&m);
}

#[test]
fn gps_lbs_with_acc_and_mileage() {
    // 0x22: GPS | LBS | 30 ACC 01 | 31 upload mode 03 | 32 re-upload 00 | 33 mileage
    let (m, t) = decode(&frame(
        0x22,
        &format!("{GPS_NE} {LBS} 01 03 00 0001E240"),
        3,
    ));
    assert_eq!(m.vitals.acc, Some(true));
    assert_eq!(
        node(&t, "gt06.upload_mode").value,
        Value::Enum("ACC change")
    );
    assert_eq!(num(node(&t, "gt06.mileage").value), 123_456.0);
    assert!(m.fix.is_some());
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn status_and_heartbeat() {
    // 0x13: 4 info 46 (ACC, charging, GPS tracking) | 5 voltage 04 | 6 GSM 03 | 7 alarm 00 | 8 language 02
    let f = frame(0x13, "46 04 03 00 02", 0x0011);
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Heartbeat);
    assert_eq!(node(&t, "gt06.status.acc").value, Value::Bool(true));
    assert_eq!(node(&t, "gt06.status.charging").value, Value::Bool(true));
    assert_eq!(node(&t, "gt06.status.armed").value, Value::Bool(false));
    assert_eq!(
        node(&t, "gt06.status.gps_tracking").value,
        Value::Bool(true)
    );
    assert_eq!(node(&t, "gt06.status.relay").value, Value::Bool(false));
    assert_eq!(node(&t, "gt06.status.gsm").value, Value::Enum("good"));
    assert_eq!(node(&t, "gt06.language").value, Value::Enum("English"));
    let battery = m.vitals.battery.unwrap();
    assert!((battery - 400.0 / 6.0).abs() < 0.01);
    assert_eq!(m.vitals.acc, Some(true));
    assert!(!m.alarm);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_covered(&f, &t);

    // 0x23: 4 info C0 | 5 voltage 01 22 = 2.90 V | 7 GSM 04 | 8 alarm 00 | 9 language 01
    let (m, t) = decode(&frame(0x23, "C0 0122 04 00 01", 5));
    assert_eq!(m.kind, Kind::Heartbeat);
    assert_eq!(node(&t, "gt06.status.voltage").value, Value::Num(2.9));
    assert_eq!(node(&t, "gt06.status.relay").value, Value::Bool(true));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn alarms() {
    // 0x16: GPS | 22 LBS length 09 + cell | 31 info 01 (armed) | 32 voltage 06 | 33 GSM 04 | 34 alarm 01 SOS | 35 language 02
    let f = frame(0x16, &format!("{GPS_NE} 09 {LBS} 01 06 04 01 02"), 0x20);
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Report);
    assert!(m.alarm);
    assert_eq!(m.event, Some("sos"));
    assert_eq!(m.alarm_class, Some(AlarmClass::Sos));
    assert_eq!(span(&t, "gt06.alarm"), (34, 35));
    assert_eq!(m.vitals.battery, Some(100.0));
    assert!(m.fix.is_some());
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_covered(&f, &t);
    // 0x26 with a power cut (02), 0x19 (cell and status, no GPS) with a fence exit (05).
    let (m, _) = decode(&frame(
        0x26,
        &format!("{GPS_NE} 09 {LBS} 01 06 04 02 02"),
        1,
    ));
    assert_eq!(
        (m.event, m.alarm_class),
        (Some("power_cut"), Some(AlarmClass::Power))
    );
    let (m, _) = decode(&frame(0x19, &format!("{LBS} 01 06 04 05 02"), 1));
    assert_eq!(
        (m.event, m.alarm_class),
        (Some("geofence_exit"), Some(AlarmClass::Geofence))
    );
    assert!(m.fix.is_none());
    // An undocumented alarm code is a warning, still an alarm.
    let (m, _) = decode(&frame(
        0x16,
        &format!("{GPS_NE} 09 {LBS} 01 06 04 77 02"),
        1,
    ));
    assert!(m.alarm && codes(&m).contains(&"gt06.alarm_unknown"));
    no_errors(&m);
}

#[test]
fn strings_and_command_replies() {
    // 0x15: 4 length 07 | 5 server flag 00 00 00 01 | 9 "OK!" | 12 language 00 02
    let f = frame(0x15, "07 00000001 4F4B21 0002", 2);
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::CommandReply);
    assert_eq!(span(&t, "gt06.text"), (9, 12));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    // 0x21 (extended frame): server flag | encoding 01 ASCII | "Battery:4.10V"
    let text = "Battery:4.10V";
    let mut content = unhex("00000000 01");
    content.extend_from_slice(text.as_bytes());
    let f = build(true, 0x21, &content, 3);
    assert_eq!(&f[..2], &[0x79, 0x79]);
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::CommandReply);
    let n = node(&t, "gt06.text");
    assert_eq!(
        &f[n.span.start as usize..n.span.end as usize],
        text.as_bytes()
    );
    assert_eq!(node(&t, "gt06.text.encoding").value, Value::Enum("ASCII"));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn time_request_and_information() {
    // 0x8A: no content.
    let (m, _) = decode(&frame(0x8a, "", 0x33));
    assert_eq!(m.kind, Kind::TimeRequest);
    // 0x94 sub-type 00: external voltage 04 B0 = 12.00 V
    let (m, t) = decode(&build(true, 0x94, &unhex("00 04B0"), 4));
    assert_eq!(m.kind, Kind::Info);
    assert_eq!(node(&t, "gt06.info.voltage").value, Value::Num(12.0));
    // 0x94 sub-type 05: door flags 01
    let (_, t) = decode(&build(true, 0x94, &unhex("05 01"), 4));
    assert_eq!(node(&t, "gt06.info.door").value, Value::Bool(true));
    // 0x94 sub-type 0A (extended frame): IMEI (8) IMSI (8) ICCID (10), BCD
    let f = build(
        true,
        0x94,
        &unhex("0A 0353419036066061 0460001234567890 89860012345678901234"),
        4,
    );
    let (m, t) = decode(&f);
    // 79 79 | 2 length | 4 94 | 5 0A | 6 IMEI | 14 IMSI | 22 ICCID
    assert_eq!(span(&t, "gt06.info.iccid"), (22, 32));
    assert!(m.imei.is_none(), "only logins set the IMEI");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    // An undocumented sub-type keeps its data, with a warning.
    let (m, _) = decode(&build(true, 0x94, &unhex("7F 0102"), 4));
    assert!(codes(&m).contains(&"gt06.info_unknown"));
    no_errors(&m);
}

#[test]
fn wifi_and_multi_cell_reports() {
    // 0x69 on firmware whose third byte counts access points; no serial, no CRC:
    //  0 78 78 | 2 02 (two access points) | 3 69 | 4 24 05 01 10 20 30 (BCD time)
    // 10 AP 1: MAC 6 + signal | 17 AP 2 | 24 01 cell | 25 01 CC 00 | 28 cell 28 66 0E EE 50 | 33 0D 0A
    let f =
        unhex("7878 02 69 240501102030 112233445566 40 AABBCCDDEEFF 50 01 01CC00 28660EEE50 0D0A");
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Report);
    assert_eq!(node(&t, "gt06.time").value, Value::UtcTime(T));
    assert_eq!(span(&t, "gt06.wifi.mac"), (10, 16));
    assert!(codes(&m).contains(&"gt06.wifi_count"));
    no_errors(&m);
    assert_covered(&f, &t);
    // 0x2C: time | MCC MNC | 7 cells (LAC 2, cell 3, signal 1) | TA | 1 access point
    let cells = "2866000EEE50 ".repeat(7);
    let f = frame(
        0x2c,
        &format!("180501 0A141E 01CC00 {cells} FF 01 112233445566 40"),
        9,
    );
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Report);
    assert_eq!(
        t.nodes.iter().filter(|n| n.def.name == "gt06.lbs").count(),
        7
    );
    assert_eq!(num(node(&t, "gt06.wifi.count").value), 1.0);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn a_4g_position_sent_as_0xa2_is_read_with_the_0xa0_layout() {
    // LW4G units: 0xA2 holding GPS | MCC MNC | LAC (4) | cell id (8) | ACC | mode | re-upload,
    // which does not fit GK310's cells-and-Wi-Fi layout of 0xA2.
    let f = frame(
        0xa2,
        &format!("{GPS_NE} 01CC 00 00002866 000000000000EEEE 01 03 00"),
        4,
    );
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Report);
    let fix = m.fix.unwrap();
    assert!((fix.lat - 22.5).abs() < 1e-9 && (fix.lon - 113.9).abs() < 1e-9);
    assert_eq!(num(node(&t, "gt06.lbs.cell_id").value), 0xeeee as f64);
    assert_eq!(codes(&m), ["gt06.variant"]);
    assert_eq!(m.diagnostics[0].severity, Severity::Info);
    assert_covered(&f, &t);
    // Content that fits neither stays raw, as before.
    let (m, _) = decode(&frame(0xa2, &format!("{GPS_NE} 01CC"), 5));
    assert!(m.fix.is_none());
    assert_eq!(codes(&m), ["gt06.layout"]);
}

#[test]
fn server_side() {
    // The login's acknowledgement from the notes: 78 78 05 01 00 09 55 94 0D 0A
    let f = unhex("78 78 05 01 00 09 55 94 0D 0A");
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::LoginAck);
    assert_eq!(num(node(&t, "gt06.serial").value), 9.0);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(decode(&frame(0x13, "", 1)).0.kind, Kind::HeartbeatAck);
    assert_eq!(decode(&frame(0x23, "", 1)).0.kind, Kind::HeartbeatAck);
    assert_eq!(decode(&frame(0x12, "", 1)).0.kind, Kind::Ack);
    // Extended acknowledgement of a vendor type.
    assert_eq!(decode(&build(true, 0x70, &[], 1)).0.kind, Kind::Ack);
    // Time answer: 78 78 0B 8A | 4 YY MM DD hh mm ss | 10 00 00 | CRC | 0D 0A
    let (m, t) = decode(&frame(0x8a, "18 05 01 0A 14 1E", 0));
    assert_eq!(m.kind, Kind::TimeReply);
    assert_eq!(node(&t, "gt06.time").value, Value::UtcTime(T));
    // Server command: 4 length 0C | 5 flag | 9 "Relay,1#" | 17 serial
    let mut content = unhex("0C 00000000");
    content.extend_from_slice(b"Relay,1#");
    let f = build(false, 0x80, &content, 0);
    let (m, _) = decode(&f);
    assert_eq!(m.kind, Kind::Command);
    assert_eq!(m.keyword_text(&f), Some("Relay,1#"));
    no_errors(&m);
}

#[test]
fn crc_length_stop_and_garbage() {
    // A wrong CRC is a warning; the content is still decoded.
    let mut f = frame(0x12, &format!("{GPS_NE} {LBS}"), 1);
    let n = f.len();
    f[n - 3] ^= 0xff;
    let (m, t) = decode(&f);
    let d = m.diagnostics.iter().find(|d| d.code == "gt06.crc").unwrap();
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!((d.span.start as usize, d.span.end as usize), (n - 4, n - 2));
    assert_eq!(node(&t, "gt06.crc_ok").value, Value::Bool(false));
    assert!(m.fix.is_some());
    // A length that does not fit the frame is an error.
    let mut f = frame(0x13, "46 04 03 00 02", 1);
    f[2] = 0x20;
    assert!(codes(&decode(&f).0).contains(&"gt06.length"));
    // Wrong stop bytes.
    let mut f = frame(0x13, "46 04 03 00 02", 1);
    let n = f.len();
    f[n - 1] = 0x00;
    assert!(codes(&decode(&f).0).contains(&"gt06.stop"));
    // Bytes that do not start a frame.
    let (m, t) = decode(b"hello");
    assert_eq!(m.kind, Kind::Unknown);
    assert!(codes(&m).contains(&"gt06.garbage"));
    assert_covered(b"hello", &t);
    // An undocumented type keeps number, serial, CRC check and raw content.
    let f = frame(0xee, "0102030405", 0x4242);
    let (m, t) = decode(&f);
    assert_eq!(m.kind, Kind::Unknown);
    assert!(codes(&m).contains(&"gt06.type_unknown"));
    assert_eq!(node(&t, "gt06.content").value, Value::Blob(5));
    assert_eq!(num(node(&t, "gt06.serial").value), 0x4242 as f64);
    no_errors(&m);
}

#[test]
fn probe_verdicts() {
    let login = unhex("78 78 0D 01 08 64 71 70 03 28 35 81 00 09 3F 04 0D 0A");
    match probe(&login) {
        ProbeResult::Match(v) => {
            assert!(v.confidence >= 90);
            assert_eq!(v.direction, Direction::ToServer);
            assert!(v.reason.contains("0d 0a"));
        }
        other => panic!("{other:?}"),
    }
    let ack = unhex("78 78 05 01 00 09 55 94 0D 0A");
    assert!(matches!(probe(&ack), ProbeResult::Match(v) if v.direction == Direction::ToDevice));
    // Also a frame with a wrong CRC is GT06.
    let mut bad = login.clone();
    bad[14] ^= 1;
    assert!(matches!(probe(&bad), ProbeResult::Match(_)));
    for short in [&login[..0], &login[..1], &login[..2], &login[..10]] {
        assert_eq!(probe(short), ProbeResult::NeedMore, "{short:?}");
    }
    assert_eq!(probe(b"##,imei:359586015829802,A;"), ProbeResult::No);
    assert_eq!(probe(b"\x78\x78\x0d\x01garbage-garbage"), ProbeResult::No);
    let wifi = unhex("7878 00 69 240501102030 01 01CC00 28660EEE50 0D0A");
    assert!(matches!(probe(&wifi), ProbeResult::Match(_)));
}
