//! Unit tests of the BN-407 decoder: each message kind and each diagnostic, with values and
//! byte ranges. Offsets in comments count from the first byte of the frame.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use bn407::protocol::bn407::firmware;
use bn407::protocol::{Kind, Severity, Value};
use common::{assert_covered, assert_flags, codes, decode, decode_clean, node, raw};

fn coord(v: Value) -> f64 {
    match v {
        Value::Coord(c) => c,
        other => panic!("not a coordinate: {other:?}"),
    }
}

#[test]
fn login_heartbeat_and_server_answers() {
    // 0         1         2
    // 0123456789012345678901234
    // ##,imei:359586015829802,A;
    let f = "##,imei:359586015829802,A;";
    let (m, t) = decode_clean(f);
    assert_eq!(m.kind, Kind::Login);
    assert_eq!(m.imei.unwrap().as_str(), "359586015829802");
    let imei = node(&t, "imei");
    assert_eq!((imei.span.start, imei.span.end), (8, 23));
    assert_eq!(raw(f, node(&t, "login.flag")), "A");

    let (m, t) = decode("359586015829802;");
    assert_eq!(m.kind, Kind::Heartbeat);
    assert_eq!(m.imei.unwrap().as_str(), "359586015829802");
    assert_eq!(node(&t, "imei").span.end, 15);

    assert_eq!(decode("LOAD").0.kind, Kind::LoginAck);
    assert_eq!(decode("ON").0.kind, Kind::HeartbeatAck);
}

#[test]
fn glued_heartbeat_is_a_report_tagged_firmware_specific() {
    let f = "359769031878322imei:359769031878322,tracker,1210081306,,F,050616.000,A,4538.0427,N,00908.5867,E,0.00,0;";
    let (m, t) = decode(f);
    assert_eq!(m.kind, Kind::Report);
    assert_ne!(m.tags & firmware::GLUED_HEARTBEAT.bit, 0);
    let glued = node(&t, "heartbeat.glued");
    assert_eq!((glued.span.start, glued.span.end), (0, 15));
    assert!(m.fix.unwrap().valid);
    assert_covered(f, &t);
    assert_flags(
        "359769031878322imei:359769031878323,tracker,1210081306,,L,;",
        "imei.mismatch",
    );
}

#[test]
fn classic_report_values_and_spans() {
    // imei:359586015829802,help me,0809231429,13554900601,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;
    // 0    5               21      29         40          52 54         65 67        77 79         90 92
    let f = "imei:359586015829802,help me,0809231429,13554900601,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;";
    let (m, t) = decode_clean(f);
    assert_eq!(m.kind, Kind::Report);
    assert!(m.alarm);
    assert_eq!(m.keyword_text(f.as_bytes()), Some("help me"));
    assert_eq!(m.keyword_meaning, Some("SOS button"));
    let lat = node(&t, "report.latitude");
    assert_eq!(raw(f, lat), "2234.4026");
    assert!((coord(lat.value) - (22.0 + 34.4026 / 60.0)).abs() < 1e-9);
    let lon = node(&t, "report.longitude");
    assert_eq!(raw(f, lon), "11354.3277");
    assert_eq!(raw(f, node(&t, "report.phone")), "13554900601");
    assert_eq!(raw(f, node(&t, "report.utc_time")), "062947.294");
    let fix = m.fix.unwrap();
    assert!(fix.valid);
    // Local 2008-09-23 14:29, UTC 06:29:47.294: zone +8, same date.
    assert_eq!(
        bn407::protocol::fmt_utc_ms(fix.time.unwrap()),
        "2008-09-23T06:29:47.294Z"
    );
    assert_eq!(m.vitals.tz_offset, Some(8 * 3600));
    assert_eq!(fix.speed_kmh, Some(0.0));
    assert_eq!(m.firmware_name(), "classic");
}

#[test]
fn utc_date_rolls_over_midnight_both_ways() {
    // Local 02:29 on 29 June, UTC 18:29: zone +8, the fix is on 28 June.
    let (m, _) = decode(
        "imei:359710049090138,tracker,160629022948,,F,182949.000,A,4043.8839,N,11328.8029,W,65.26,271.82,,1,0,31.37%,51442,;",
    );
    let fix = m.fix.unwrap();
    assert_eq!(
        bn407::protocol::fmt_utc_ms(fix.time.unwrap()),
        "2016-06-28T18:29:49Z"
    );
    assert_eq!(m.vitals.tz_offset, Some(8 * 3600));
    assert!((fix.speed_kmh.unwrap() - 65.26 * 1.852).abs() < 0.01);
    // Local 20:10 on 1 March, UTC 01:10: zone -5 (west), the fix is on 2 March.
    let (m, _) = decode(
        "imei:359586015829802,tracker,1603012010,,F,011000.000,A,4043.8839,N,07400.0000,W,0.00,;",
    );
    assert_eq!(
        bn407::protocol::fmt_utc_ms(m.fix.unwrap().time.unwrap()),
        "2016-03-02T01:10:00Z"
    );
    assert_eq!(m.vitals.tz_offset, Some(-5 * 3600));
}

#[test]
fn fourg_report_with_battery_and_five_decimals() {
    let f = "imei:864035050002451,,201223064947,87%,F,064947,A,1935.70640,N,09859.94436,W,0.025,;";
    let (m, t) = decode(f);
    assert_eq!(m.kind, Kind::Report);
    assert_eq!(m.vitals.battery, Some(87.0));
    let bat = node(&t, "report.battery");
    assert_ne!(bat.tags & firmware::BATTERY.bit, 0);
    assert_eq!(raw(f, bat), "87%");
    assert_ne!(node(&t, "report.latitude").tags & firmware::COORD5.bit, 0);
    assert_ne!(node(&t, "report.local_time").tags & firmware::TIME12.bit, 0);
    assert_eq!(m.firmware_name(), "4g");
    let fix = m.fix.unwrap();
    assert!((fix.lon - -(98.0 + 59.94436 / 60.0)).abs() < 1e-9);
    assert_covered(f, &t);
}

#[test]
fn extended_report_tail_slots() {
    let f = "imei:868683026321020,tracker,181217080106,,F,080102.000,A,3227.3057,N,11649.4754,W,0.00,0,12.5,1,0,51.93%,0,+22;";
    let (m, t) = decode(f);
    assert_eq!(m.vitals.altitude, Some(12.5));
    assert_eq!(m.vitals.acc, Some(true));
    assert_eq!(m.vitals.fuel, Some(51.93));
    assert_eq!(m.vitals.temperature, Some(22.0));
    assert_eq!(raw(f, node(&t, "report.door")), "0");
    assert_eq!(raw(f, node(&t, "report.fuel2")), "0");
    assert_eq!(m.firmware_name(), "extended");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    // A trouble code in the fuel-2 slot.
    let (m, t) = decode(
        "imei:353451044508750,DTC,0809231929,,F,055403.000,A,2233.1870,N,11354.3067,E,0.00,30.1,,1,0,10.5%,P0021,;",
    );
    assert_eq!(node(&t, "report.dtc").def.label, "Trouble code");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn prefix_hemispheres_of_the_clone() {
    let f = "imei:353552045403597,tracker,150420051153,,F,051153.000,A,N,5306.64155,E,00700.77848,0.0,,1.0,;";
    let (m, t) = decode(f);
    let fix = m.fix.unwrap();
    assert!((fix.lat - (53.0 + 6.64155 / 60.0)).abs() < 1e-9);
    assert!((fix.lon - (7.0 + 0.77848 / 60.0)).abs() < 1e-9);
    assert_ne!(
        node(&t, "report.lat_hemisphere").tags & firmware::PREFIX_HEMISPHERE.bit,
        0
    );
    assert_eq!(m.vitals.altitude, Some(1.0));
    assert_eq!(m.firmware_name(), "clone");
    assert_eq!(codes(&m), vec!["imei.luhn"]);
    // South and west in prefix form.
    let (m, _) = decode(
        "imei:353552045403597,tracker,150420051153,,F,051153.000,A,S,3306.00000,W,07010.00000,0.0,;",
    );
    let fix = m.fix.unwrap();
    assert!(fix.lat < -33.0 && fix.lon < -70.0);
}

#[test]
fn missing_hemisphere_is_a_warning_and_assumed_positive() {
    let (m, _) = decode(
        "imei:863070010423167,tracker,1211051840,,F,104000.000,A,2220.6483,N,11407.6377,,0,0,;",
    );
    assert_eq!(codes(&m), vec!["coord.hemisphere_missing"]);
    assert_eq!(m.diagnostics[0].severity, Severity::Warning);
    assert!(m.fix.unwrap().lon > 114.0);
    // The slot missing entirely: speed follows the longitude directly.
    let (m, t) = decode(
        "imei:863070010423167,tracker,1211051840,,F,104000.000,A,2220.6483,N,11407.6377,5.0,90.0;",
    );
    assert!(codes(&m).contains(&"coord.hemisphere_missing"));
    assert_eq!(
        raw(
            "imei:863070010423167,tracker,1211051840,,F,104000.000,A,2220.6483,N,11407.6377,5.0,90.0;",
            node(&t, "report.speed")
        ),
        "5.0"
    );
}

#[test]
fn malformed_values_are_errors_on_their_field() {
    let cases = [
        (
            "imei:35958601582980,tracker,0809231429,,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;",
            "imei.length",
            "imei",
        ),
        (
            "imei:35958601582980X,tracker,0809231429,,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;",
            "imei.digits",
            "imei",
        ),
        (
            "imei:359586015829802,tracker,0813231429,,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;",
            "time.month_range",
            "report.local_time",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,F,062947.294,A,2264.4026,N,11354.3277,E,0.00,;",
            "coord.minutes_range",
            "report.latitude",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,F,062947.294,A,9134.4026,N,11354.3277,E,0.00,;",
            "coord.lat_range",
            "report.latitude",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,F,062947.294,A,2234.4026,X,11354.3277,E,0.00,;",
            "coord.hemisphere",
            "report.lat_hemisphere",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,F,062947.294,A,2234.4026,N,11354.3277,E,fast,;",
            "number.parse",
            "report.speed",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,F,062947.294,Q,2234.4026,N,11354.3277,E,0.00,;",
            "fix.validity",
            "report.validity",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,X,;",
            "report.gps_flag",
            "report.gps",
        ),
        (
            "imei:359586015829802,tracker,0809231429,,F,062967.294,A,2234.4026,N,11354.3277,E,0.00,;",
            "time.second_range",
            "report.utc_time",
        ),
    ];
    for (f, code, field) in cases {
        let (m, _) = decode(f);
        let d = m
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{f}: no {code} in {:?}", codes(&m)));
        assert_eq!(d.severity, Severity::Error, "{f}");
        assert_eq!(d.field, Some(field), "{f}");
        assert!(!d.message.is_empty());
        assert!(d.span.end as usize <= f.len());
    }
    // The span of the month error covers the time field.
    let f = "imei:359586015829802,tracker,0813231429,,L,;";
    let (m, _) = decode(f);
    let d = &m.diagnostics[0];
    assert_eq!(&f[d.span.start as usize..d.span.end as usize], "0813231429");
    // Non-ASCII bytes.
    assert_flags(
        "imei:359586015829802,tr\u{e9}cker,0809231429,,L,;",
        "frame.non_ascii",
    );
}

#[test]
fn warnings_real_units_send() {
    let (m, _) = decode(
        "imei:100000000000000,help me,1004171910,,F,010203.000,A,0102.0003,N,00102.0003,E,1.02,;",
    );
    assert!(codes(&m).contains(&"imei.luhn"));
    let (m, _) = decode("imei:359586015829802,tracker,000000000,13554900601,L,;");
    assert_eq!(codes(&m), vec!["time.unset"]);
    let (m, t) = decode("imei:359586015829802,door opened twice,0809231429,,L,;");
    assert_eq!(codes(&m), vec!["keyword.unknown"]);
    assert_eq!(
        m.keyword_text(b"imei:359586015829802,door opened twice,0809231429,,L,;"),
        Some("door opened twice")
    );
    assert!(t.find("report.keyword").is_some());
    for d in &m.diagnostics {
        assert_eq!(d.severity, Severity::Warning);
    }
}

#[test]
fn every_keyword_of_the_notes_is_known() {
    for (kw, alarm) in [
        ("tracker", false),
        ("help me", true),
        ("low battery", true),
        ("stockade", true),
        ("move", true),
        ("speed", true),
        ("sensor alarm", true),
        ("ac alarm", true),
        ("door alarm", true),
        ("bonnet alarm", true),
        ("footbrake alarm", true),
        ("accident alarm", true),
        ("acc on", false),
        ("acc off", false),
        ("acc alarm", true),
        ("DTC", false),
        ("T:+28.0", true),
        ("oil 51.67", false),
        ("oil1", false),
        ("oil2", false),
        ("rfid", false),
        ("vt3", false),
        ("001", false),
    ] {
        let f = format!("imei:359586015829802,{kw},0809231429,,L,;");
        let (m, _) = decode(&f);
        assert!(!codes(&m).contains(&"keyword.unknown"), "{kw}");
        assert_eq!(m.alarm, alarm, "{kw}");
    }
    let (m, _) = decode("imei:359586015829802,T:+28.0,0809231429,,L,;");
    assert_eq!(m.vitals.temperature, Some(28.0));
}

#[test]
fn cell_report_lac_and_cid() {
    let f = "imei:863070016871385,tracker,1301251602,,L,,,0FB6,,CB5D,,,;";
    let (m, t) = decode(f);
    assert!(m.fix.is_none());
    assert_eq!(node(&t, "report.lac").value, Value::Int(0x0FB6));
    assert_eq!(node(&t, "report.cid").value, Value::Int(0xCB5D));
    assert_eq!(raw(f, node(&t, "report.cid")), "CB5D");
    assert_flags(
        "imei:863070016871385,tracker,1301251602,,L,,,0FZ6,,CB5D,,,;",
        "cell.hex",
    );
}

#[test]
fn obd_sentence_values() {
    let f = "imei:359710048977327,OBD,180301094003,5000000,0.00,0.00,98,18,68.63%,55,25.10%,1368,14.24,P0137,,;";
    let (m, t) = decode_clean(f);
    assert_eq!(m.kind, Kind::Obd);
    assert_eq!(node(&t, "obd.odometer").value, Value::Num(5_000_000.0));
    assert_eq!(node(&t, "obd.engine_load").value, Value::Num(68.63));
    assert_eq!(node(&t, "obd.rpm").value, Value::Num(1368.0));
    assert_eq!(node(&t, "obd.battery").value, Value::Num(14.24));
    assert_eq!(raw(f, node(&t, "obd.dtc")), "P0137");
    assert_eq!(m.firmware_name(), "obd");
}

#[test]
fn alternative_sentence_and_short_form() {
    let f = "imei:861359038609986,Equipo 1,---,------,----,214812,241018,14,1,-33.42317,-70.61930,025,180,0560,0.9,08,1,1,---,*";
    let (m, t) = decode_clean(f);
    assert_eq!(m.kind, Kind::Report);
    let fix = m.fix.unwrap();
    assert!(fix.valid);
    assert_eq!((fix.lat, fix.lon), (-33.42317, -70.61930));
    assert_eq!(fix.speed_kmh, Some(25.0));
    assert_eq!(
        bn407::protocol::fmt_utc_ms(fix.time.unwrap()),
        "2018-10-24T21:48:12Z"
    );
    assert_eq!(raw(f, node(&t, "alt.name")), "Equipo 1");
    assert_eq!(m.firmware_name(), "alternative");
    let (m, t) = decode("imei:861359038609986,L,*");
    assert_eq!(m.kind, Kind::Report);
    assert!(m.fix.is_none());
    assert!(t.find("alt.no_position").is_some());
}

#[test]
fn photo_packet_and_reassembly() {
    use bn407::protocol::Imei;
    use bn407::protocol::bn407::photo::{Assembler, packet_of};
    // Two packets: index LE, length LE, payload, 2-byte trailer.
    let p0 = "imei:864180034124375,vr,00000400ffd8aabb1d00;";
    let p1 = "imei:864180034124375,vr,01000400ccddffd91d00;";
    let (m, t) = decode(p0);
    assert_eq!(m.kind, Kind::Photo);
    assert_eq!(node(&t, "photo.index").value, Value::Int(0));
    assert_eq!(raw(p0, node(&t, "photo.payload")), "ffd8aabb");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let imei = Imei::new(b"864180034124375").unwrap();
    let mut a = Assembler::default();
    assert!(a.announce(imei, 2).is_none());
    assert!(a.packet(imei, packet_of(p1.as_bytes()).unwrap()).is_none());
    let photo = a.packet(imei, packet_of(p0.as_bytes()).unwrap()).unwrap();
    assert_eq!(
        photo.jpeg,
        vec![0xff, 0xd8, 0xaa, 0xbb, 0xcc, 0xdd, 0xff, 0xd9]
    );
    assert!(photo.looks_like_jpeg);
    assert!(photo.missing.is_empty());
    assert_flags("imei:864180034124375,vr,0000040GG;", "photo.hex");
    assert_flags(
        "imei:864180034124375,vr,00000900ffd8aabb1d00;",
        "photo.length",
    );
}

#[test]
fn server_commands_with_meanings() {
    let f = "**,imei:359586015829802,C,30s;";
    let (m, t) = decode(f);
    assert_eq!(m.kind, Kind::Command);
    assert_eq!(m.keyword_meaning, Some("report periodically"));
    assert_eq!(node(&t, "command.interval").value, Value::Int(30));
    assert_eq!(m.imei.unwrap().as_str(), "359586015829802");
    assert_covered(f, &t);
    for (code, meaning) in [
        ("B", "report one position now"),
        ("D", "stop periodic reports"),
        ("E", "acknowledge SOS"),
        ("J", "cut fuel / power (relay)"),
        ("K", "restore fuel / power (relay)"),
        ("L", "arm"),
        ("M", "disarm"),
        ("160", "take a photo"),
    ] {
        let (m, _) = decode(&format!("**,imei:359586015829802,{code};"));
        assert_eq!(m.keyword_meaning, Some(meaning));
        assert!(m.diagnostics.is_empty());
    }
    assert_eq!(
        decode("**,imei:359586015829802,C,05m;")
            .1
            .find("command.interval")
            .unwrap()
            .value,
        Value::Int(300)
    );
    assert_flags("**,imei:359586015829802,Z;", "command.unknown");
    assert_flags("**,imei:359586015829802,C,soon;", "command.interval");
}

#[test]
fn unknown_bytes_are_kept_and_flagged() {
    let f = "*HQ,123456789,V1,121212,A,2233.4455,N#";
    let (m, t) = decode(f);
    assert_eq!(m.kind, Kind::Unknown);
    assert!(codes(&m).contains(&"frame.unknown"));
    assert_covered(f, &t);
}

#[test]
fn extra_trailing_fields_are_kept_with_a_warning() {
    let f = "imei:868683026321020,tracker,181217080106,,F,080102.000,A,3227.3057,N,11649.4754,W,0.00,0,,0,0,0.00%,0,+11,x,y;";
    let (m, t) = decode(f);
    assert!(codes(&m).contains(&"fields.count"));
    assert_eq!(t.nodes.iter().filter(|n| n.def.name == "extra").count(), 2);
    assert_covered(f, &t);
}

#[test]
fn upper_case_imei_prefix_is_understood() {
    let (m, _) = decode(
        "IMEI:359586015829802,tracker,0809231429,,F,062947.294,A,2234.4026,N,11354.3277,E,0.00,;",
    );
    assert_eq!(m.kind, Kind::Report);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let probe = bn407::protocol::bn407::probe(b"IMEI:359586015829802,tracker");
    assert!(matches!(probe, bn407::protocol::ProbeResult::Match(_)));
}

/// Gives `a` the first packet of `imei`'s photo, `payload` whole; the photo it completes, if
/// any, and whether the assembler dropped it.
fn first_packet(
    a: &mut bn407::protocol::bn407::photo::Assembler,
    imei: bn407::protocol::Imei,
    payload: Vec<u8>,
) -> (Option<bn407::protocol::bn407::photo::Photo>, bool) {
    let before = a.dropped;
    let packet = bn407::protocol::bn407::photo::Packet {
        index: 0,
        declared_len: u16::try_from(payload.len()).unwrap(),
        payload,
    };
    let done = a.packet(imei, packet);
    (done, a.dropped != before)
}

#[test]
fn photo_memory_is_bounded_across_devices() {
    use bn407::protocol::Imei;
    use bn407::protocol::bn407::photo::{Assembler, MAX_HELD};
    let mut a = Assembler::default();
    let payload = vec![0u8; 60_000];
    let mut kept = 0usize;
    for i in 0..2000u64 {
        let imei = Imei::new(format!("{:015}", 100_000_000_000_000u64 + i).as_bytes()).unwrap();
        assert!(a.announce(imei, 10).is_none());
        let (done, dropped) = first_packet(&mut a, imei, payload.clone());
        assert!(done.is_none());
        if !dropped {
            kept += payload.len();
        }
    }
    assert!(kept <= MAX_HELD, "{kept} bytes held");
    assert!(a.dropped > 0);
    // Finished photos give their room back.
    let photos = a.finish();
    assert_eq!(photos.iter().map(|p| p.jpeg.len()).sum::<usize>(), kept);
    let imei = Imei::new(b"359586015829802").unwrap();
    a.announce(imei, 1);
    let (done, dropped) = first_packet(&mut a, imei, vec![0xff, 0xd8, 0xff, 0xd9]);
    assert!(done.is_some());
    assert!(!dropped);
}
