//! The GT06 conversation: acknowledgements checked against the frames they answer, the live
//! replies a platform gives (the notes' example), the time answer read back, commands.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gt06_support;

use bn407::protocol::gt06::PROTOCOL;
use bn407::protocol::gt06::crc::build;
use bn407::protocol::{Action, Advice, Direction, Imei, Kind, ReplyOptions, Severity, Value};
use gt06_support::{LOGIN, LOGIN_ACK, codes, decode, decode_dir, node, unhex};

/// Runs frames through one session in order; returns each frame's diagnostic codes and severities.
fn converse(frames: &[(Direction, Vec<u8>)]) -> Vec<Vec<(&'static str, Severity)>> {
    let mut s = (PROTOCOL.hooks.session.unwrap())();
    frames
        .iter()
        .map(|(dir, f)| {
            let (mut m, _) = decode_dir(f, *dir);
            s.observe(*dir, f, &mut m);
            m.diagnostics.iter().map(|d| (d.code, d.severity)).collect()
        })
        .collect()
}

#[test]
fn ack_with_the_right_serial_passes_and_a_wrong_one_is_an_error() {
    let up = Direction::ToServer;
    let down = Direction::ToDevice;
    let ok = converse(&[(up, unhex(LOGIN)), (down, unhex(LOGIN_ACK))]);
    assert!(ok[1].is_empty(), "{ok:?}");
    // The same answer with serial 00 0A: the unit logs in forever.
    let wrong = build(false, 0x01, &[], 0x000a);
    let v = converse(&[(up, unhex(LOGIN)), (down, wrong)]);
    assert!(
        v[1].contains(&("gt06.ack_serial", Severity::Error)),
        "{v:?}"
    );
    // The right serial, but for another type.
    let other = build(false, 0x13, &[], 0x0009);
    let v = converse(&[(up, unhex(LOGIN)), (Direction::Unknown, other)]);
    assert!(
        v[1].contains(&("gt06.ack_serial", Severity::Error)),
        "{v:?}"
    );
    // An answer may come once: the second one answers nothing.
    let v = converse(&[
        (up, unhex(LOGIN)),
        (down, unhex(LOGIN_ACK)),
        (down, unhex(LOGIN_ACK)),
    ]);
    assert!(v[1].is_empty() && v[2].contains(&("gt06.ack_serial", Severity::Error)));
    // A capture that starts with an answer judges nothing.
    let v = converse(&[(down, unhex(LOGIN_ACK))]);
    assert!(v[0].is_empty());
}

#[test]
fn wrong_crc_is_a_warning_from_a_device_and_an_error_on_an_answer() {
    let mut login = unhex(LOGIN);
    login[14] ^= 0x01;
    let mut ack = unhex(LOGIN_ACK);
    ack[7] ^= 0x01;
    let v = converse(&[(Direction::ToServer, login), (Direction::ToDevice, ack)]);
    assert!(v[0].contains(&("gt06.crc", Severity::Warning)));
    assert!(!v[0].iter().any(|(_, s)| *s == Severity::Error));
    assert!(v[1].contains(&("gt06.ack_crc", Severity::Error)), "{v:?}");
}

#[test]
fn session_state_is_bounded() {
    let mut s = (PROTOCOL.hooks.session.unwrap())();
    for serial in 0..10_000u16 {
        let f = build(false, 0x13, &unhex("46 04 03 00 02"), serial);
        let (mut m, _) = decode(&f);
        s.observe(Direction::ToServer, &f, &mut m);
    }
    // The newest frames are still waiting; the oldest were forgotten.
    let f = build(false, 0x13, &[], 9_999);
    let (mut m, _) = decode(&f);
    s.observe(Direction::ToDevice, &f, &mut m);
    assert!(m.diagnostics.is_empty());
    let f = build(false, 0x13, &[], 0);
    let (mut m, _) = decode(&f);
    s.observe(Direction::ToDevice, &f, &mut m);
    assert!(codes(&m).contains(&"gt06.ack_serial"));
}

fn reply(frame: &[u8], now_ms: i64) -> Option<Vec<u8>> {
    let (m, _) = decode(frame);
    (PROTOCOL.hooks.reply.unwrap())(
        &m,
        frame,
        &ReplyOptions {
            now_ms,
            ..Default::default()
        },
    )
}

#[test]
fn replies_as_a_platform() {
    // The notes' example.
    assert_eq!(reply(&unhex(LOGIN), 0), Some(unhex(LOGIN_ACK)));
    // Status, heartbeat, position, alarm, string: the type and serial echoed.
    for (ty, content) in [
        (0x13, "46 04 03 00 02"),
        (0x23, "C0 0122 04 00 01"),
        (
            0x12,
            "18 05 01 0A 14 1E C9 0269FB20 0C385B60 3C 147B 01CC 00 2866 000EEE",
        ),
        (
            0x16,
            "18 05 01 0A 14 1E C9 0269FB20 0C385B60 3C 147B 09 01CC 00 2866 000EEE 01 06 04 01 02",
        ),
        (0x15, "07 00000001 4F4B21 0002"),
    ] {
        let f = build(false, ty, &unhex(content), 0x1234);
        let r = reply(&f, 0).unwrap_or_else(|| panic!("no answer to {ty:02x}"));
        assert_eq!(r, build(false, ty, &[], 0x1234));
        let (m, _) = decode(&r);
        assert!(matches!(m.kind, Kind::Ack | Kind::HeartbeatAck), "{ty:02x}");
    }
    // An extended frame of a common type is answered in the short form.
    let f = build(
        true,
        0x12,
        &unhex("18 05 01 0A 14 1E C9 0269FB20 0C385B60 3C 147B 01CC 00 2866 000EEE"),
        7,
    );
    assert_eq!(reply(&f, 0), Some(build(false, 0x12, &[], 7)));
    // No answer to information, command replies, or anything a platform sends.
    assert_eq!(reply(&build(true, 0x94, &unhex("00 04B0"), 1), 0), None);
    let mut c = unhex("00000000 01");
    c.extend_from_slice(b"OK");
    assert_eq!(reply(&build(true, 0x21, &c, 1), 0), None);
    assert_eq!(reply(&unhex(LOGIN_ACK), 0), None);
}

#[test]
fn time_reply_decodes_back_to_the_time_given() {
    // 2024-05-01T10:20:30Z
    let now = 1_714_558_830_000;
    let r = reply(&build(false, 0x8a, &[], 0x0042), now).unwrap();
    // 78 78 0B 8A | 18 05 01 0A 14 1E | 00 00 | CRC | 0D 0A
    assert_eq!(&r[..12], &unhex("78 78 0B 8A 18 05 01 0A 14 1E 00 00")[..]);
    let (m, t) = decode(&r);
    assert_eq!(m.kind, Kind::TimeReply);
    assert_eq!(node(&t, "gt06.time").value, Value::UtcTime(now));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
}

#[test]
fn commands_setup_and_advice() {
    let command = PROTOCOL.hooks.command.unwrap();
    let f = command(&Action::RelayCut, None).unwrap();
    // 78 78 12 80 | 0C | 00 00 00 00 | "Relay,1#" | 00 00 | CRC | 0D 0A
    assert_eq!(&f[..9], &unhex("78 78 12 80 0C 00 00 00 00")[..]);
    let (m, _) = decode(&f);
    assert_eq!(m.kind, Kind::Command);
    assert_eq!(m.keyword_text(&f), Some("Relay,1#"));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    for (a, text) in [
        (Action::RelayRestore, "Relay,0#"),
        (Action::PositionNow, "WHERE#"),
        (Action::Periodic(30), "TIMER,30#"),
        (Action::Custom("STATUS#".into()), "STATUS#"),
    ] {
        let f = command(&a, None).unwrap();
        assert_eq!(decode(&f).0.keyword_text(&f), Some(text));
    }
    assert_eq!(command(&Action::Photo, None), None);
    let setup = PROTOCOL.hooks.setup.unwrap();
    let steps = setup(&bn407::protocol::SetupTarget {
        host: "gps.example.com",
        port: 8888,
        udp: false,
    });
    assert_eq!(steps[0].sms, "SERVER,1,gps.example.com,8888,0#");
    assert!(steps.iter().any(|s| s.sms.starts_with("APN,")));
    assert!(steps.iter().any(|s| s.sms == "TIMER,30#"));
    let advice = PROTOCOL.hooks.advice.unwrap();
    let imei = Imei::new(b"864717003283581");
    let words = advice(Advice::LoginNotAccepted, imei.as_ref()).unwrap();
    assert!(
        words.contains("register the IMEI 864717003283581"),
        "{words}"
    );
    assert!(
        advice(Advice::SetTimezone(-3), None)
            .unwrap()
            .contains("GMT,W,3,0#")
    );
    assert!(
        advice(Advice::ActivateTracking, None)
            .unwrap()
            .contains("TIMER,")
    );
}
