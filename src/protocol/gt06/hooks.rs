//! What the GT06 protocol knows besides decoding: how alarms class, what a platform answers
//! (acknowledgements echoing type and serial, the UTC time), how commands and set-up SMS are
//! worded.
//!
//! Sources of the command words: the project's GT06 notes (`Relay,1#` / `Relay,0#` in a 0x80
//! frame with serial `00 00`); Traccar's GT06 encoder (the same relay words, custom text wrapped
//! the same way); the SeeWorld S119 (GT06 protocol) manual (`TIMER,<seconds>#` sets the upload
//! period, `RELAY,1#`/`RELAY,0#`); the Concox GT06D SMS command list (`VERSION#`, `PARAM#`,
//! `GPRSSET#`, server `SERVER,<0 IP|1 domain>,<address>,<port>,<0 TCP|1 UDP>#`, `APN,<apn>#`,
//! zone `GMT,<E|W>,<hours>,<minutes>#`); Concox position query `WHERE#`, answered with
//! `Lat:..,Lon:..,Course:..,Speed:..,DateTime:..` (the text public decoders parse from 0x21).

use chrono::{Datelike, Timelike};

use super::crc::build;
use super::frame::Layout;
use super::values;
use crate::protocol::{
    Action, Advice, AlarmClass, Direction, Hooks, Imei, Kind, Message, ReplyOptions, SetupStep,
    SetupTarget,
};

/// The GT06 hooks, named by its descriptor.
pub const HOOKS: Hooks = Hooks {
    alarm_class: Some(alarm_class),
    session: Some(super::session::new_session),
    media: None,
    reply: Some(reply),
    command: Some(command),
    setup: Some(setup),
    advice: Some(advice),
};

/// Classes an alarm by its event name (the decoder classes the codes it knows itself).
fn alarm_class(m: &Message, _frame: &[u8]) -> AlarmClass {
    let Some(event) = m.event else {
        return AlarmClass::Other;
    };
    (0..=u8::MAX)
        .filter_map(|c| values::alarm(c).or_else(|| values::alarm_95(c)))
        .find(|a| a.event == event)
        .and_then(|a| a.class)
        .unwrap_or(AlarmClass::Other)
}

/// The time answer: `78 78 0B 8A YY MM DD hh mm ss 00 00 <CRC> 0D 0A`, UTC, serial `00 00`.
pub fn time_reply(now_ms: i64) -> Option<Vec<u8>> {
    let t = chrono::DateTime::from_timestamp_millis(now_ms)?;
    let year = u8::try_from(t.year().checked_sub(2000)?).ok()?;
    let part = |v: u32| u8::try_from(v).unwrap_or(0);
    let content = [
        year,
        part(t.month()),
        part(t.day()),
        part(t.hour()),
        part(t.minute()),
        part(t.second()),
    ];
    Some(build(false, 0x8a, &content, 0))
}

/// What a platform answers to a device's frame: the acknowledgement (short form, the frame's
/// type and serial) for logins, status, heartbeats, positions, alarms and strings; the UTC time
/// to a time request; the time echoed to a Wi-Fi report that counts access points. Nothing to
/// information (0x94), command answers (0x21) or anything a platform sent.
fn reply(m: &Message, frame: &[u8], opts: &ReplyOptions) -> Option<Vec<u8>> {
    if m.kind.natural_direction() != Direction::ToServer {
        return None;
    }
    let lay = Layout::of(frame)?;
    if lay.wifi_count {
        let time = frame.get(lay.content_start()..lay.content_start() + 6)?;
        let mut out = vec![0x78, 0x78, 0x00, lay.ty];
        out.extend_from_slice(time);
        out.extend_from_slice(b"\r\n");
        return Some(out);
    }
    if m.kind == Kind::TimeRequest {
        return time_reply(opts.now_ms);
    }
    let (_, serial) = lay.serial?;
    values::acknowledged(lay.ty).then(|| build(false, lay.ty, &[], serial))
}

/// A server command 0x80: `78 78 <len> 80 <4 + n> 00 00 00 00 <ASCII> 00 00 <CRC> 0D 0A`.
pub fn command_frame(text: &str) -> Option<Vec<u8>> {
    let n = u8::try_from(text.len().checked_add(4)?).ok()?;
    let mut content = vec![n, 0, 0, 0, 0];
    content.extend_from_slice(text.as_bytes());
    Some(build(false, 0x80, &content, 0))
}

/// The text command for an action, where GT06/Concox units have one (see the module's
/// sources): `WHERE#` (one position), `TIMER,<s>#` (upload period), `Relay,1#` / `Relay,0#`.
/// No documented words for stop, arm, disarm or photo across models: `None`.
fn command(a: &Action, _imei: Option<&Imei>) -> Option<Vec<u8>> {
    let text = match a {
        Action::PositionNow => "WHERE#".to_string(),
        Action::Periodic(s) => format!("TIMER,{}#", (*s).max(1)),
        Action::RelayCut => "Relay,1#".to_string(),
        Action::RelayRestore => "Relay,0#".to_string(),
        Action::Custom(t) => t.trim().to_string(),
        Action::Stop | Action::Arm | Action::Disarm | Action::Photo => return None,
    };
    if text.is_empty() || !text.is_ascii() {
        return None;
    }
    command_frame(&text)
}

/// Concox-style SMS that point a unit at a server.
fn setup(t: &SetupTarget<'_>) -> Vec<SetupStep> {
    let is_ip = t.host.parse::<std::net::IpAddr>().is_ok();
    vec![
        SetupStep {
            what: "server address and port",
            sms: format!(
                "SERVER,{},{},{},{}#",
                if is_ip { 0 } else { 1 },
                t.host,
                t.port,
                if t.udp { 1 } else { 0 }
            ),
            note: "0 before an IP address, 1 before a domain name; the last field is 0 for TCP, 1 for UDP (UDP only on models that offer it)",
        },
        SetupStep {
            what: "mobile data APN (your SIM operator's)",
            sms: "APN,<apn>#".into(),
            note: "some models take APN,<apn>,<user>,<password>#",
        },
        SetupStep {
            what: "report every 30 s",
            sms: "TIMER,30#".into(),
            note: "some models take two periods, ACC on and off: TIMER,30,300#",
        },
        SetupStep {
            what: "check the settings",
            sms: "GPRSSET#".into(),
            note: "the unit answers with GPRS on/off, APN and server; PARAM# shows the timers and zone",
        },
    ]
}

fn advice(a: Advice, imei: Option<&Imei>) -> Option<String> {
    let id = imei.map_or_else(|| "<IMEI>".to_string(), |i| i.to_string());
    Some(match a {
        Advice::ActivateTracking => "switch reporting on with TIMER,30# (by SMS, or as a 0x80 server command), and check GPRS is on with GPRSSET#".into(),
        Advice::SetTimezone(h) => format!(
            "GT06 positions carry UTC; the zone only changes the unit's SMS texts: set it by SMS with GMT,{},{},0#",
            if h < 0 { 'W' } else { 'E' },
            h.unsigned_abs()
        ),
        Advice::LoginNotAccepted => format!(
            "a platform acknowledges a login only from a device it knows: register the IMEI {id} on the platform (until the login is answered 78 78 05 01 <its serial> ..., the unit logs in again and again)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_frames() {
        // 78 78 | 12 | 80 | 0C | 00 00 00 00 | "Relay,1#" | 00 00 | CRC | 0D 0A
        let f = command(&Action::RelayCut, None).unwrap_or_default();
        assert_eq!(
            f.get(..9),
            Some(&[0x78, 0x78, 0x12, 0x80, 0x0c, 0, 0, 0, 0][..])
        );
        assert_eq!(f.get(9..17), Some(&b"Relay,1#"[..]));
        assert_eq!(f.len(), 3 + 0x12 + 2);
        assert_eq!(command(&Action::Photo, None), None);
    }

    #[test]
    fn setup_words() {
        let steps = setup(&SetupTarget {
            host: "10.0.0.1",
            port: 8888,
            udp: false,
        });
        assert_eq!(
            steps.first().map(|s| s.sms.as_str()),
            Some("SERVER,0,10.0.0.1,8888,0#")
        );
    }
}
