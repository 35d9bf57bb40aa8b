//! Decoding of one Meitrack frame: the header, the IMEI, the command, the `AAA` position and
//! the checksum.

use super::{Head, head};
use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{AlarmClass, Builder, Direction, Kind, Message, Span, Value};

fields! {
    HEADER = "meitrack.header", "Header", None, "'$$' from the device or '@@' from the server, the flag and the length";
    FLAG = "meitrack.flag", "Flag", None, "One character the sender picks; an answer carries its command's flag";
    LENGTH = "meitrack.length", "Length", Bytes, "Bytes from the comma after the length to the end, '\\r\\n' included";
    IMEI = "imei", "IMEI", None, "Device identity: the 15-digit IMEI";
    COMMAND = "meitrack.command", "Command", None, "AAA position, CCC buffered positions (binary), D00 photo, A10 and the like: commands and their answers";
    EVENT = "meitrack.event", "Event", None, "What caused the report: 1 SOS, 17 low battery, 19 speeding, 20/21 geofence, 22/23 power, 35 periodic";
    LATITUDE = "meitrack.latitude", "Latitude", Degrees, "Latitude in signed decimal degrees";
    LONGITUDE = "meitrack.longitude", "Longitude", Degrees, "Longitude in signed decimal degrees";
    TIME = "meitrack.time", "Time (UTC)", None, "Date and time of the fix, yymmddhhmmss";
    VALIDITY = "meitrack.validity", "Validity", None, "A: valid fix, V: last known position";
    SATELLITES = "meitrack.satellites", "Satellites", None, "Satellites in use";
    GSM = "meitrack.gsm", "GSM signal", None, "GSM signal strength (0-31)";
    SPEED = "meitrack.speed", "Speed", KmH, "Speed in km/h";
    COURSE = "meitrack.course", "Course", Degrees, "Course over ground";
    HDOP = "meitrack.hdop", "HDOP", None, "Horizontal dilution of precision";
    ALTITUDE = "meitrack.altitude", "Altitude", Metres, "Altitude";
    DATA = "meitrack.data", "Data", None, "What the command carries, as sent";
    BINARY = "meitrack.binary", "Binary data", Bytes, "Binary content (CCC positions, D00 photo)";
    CHECKSUM = "meitrack.checksum", "Checksum", None, "Sum of the bytes up to '*', modulo 256, in hex";
    JUNK = "meitrack.junk", "Not Meitrack", Bytes, "Bytes that are not a Meitrack frame";
}

/// What an event code means, and the alarm class of alarms.
fn event(code: &[u8]) -> (&'static str, Option<AlarmClass>) {
    match code {
        b"1" => ("SOS (input 1)", Some(AlarmClass::Sos)),
        b"17" => ("low battery", Some(AlarmClass::Battery)),
        b"18" => ("low external battery", Some(AlarmClass::Power)),
        b"19" => ("speeding", Some(AlarmClass::Speed)),
        b"20" => ("enter geofence", Some(AlarmClass::Geofence)),
        b"21" => ("exit geofence", Some(AlarmClass::Geofence)),
        b"22" => ("external power on", None),
        b"23" => ("external power cut", Some(AlarmClass::Power)),
        b"35" => ("periodic (time interval)", None),
        _ => ("event", None),
    }
}

/// Decodes one frame.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let Some(Head::Whole {
        total,
        comma,
        server,
    }) = head(frame)
    else {
        d.junk(
            &JUNK,
            "meitrack.junk",
            "not a Meitrack frame ('$$' + flag + length + ',')",
        );
        return d.msg;
    };
    d.add(&HEADER, Span::new(0, comma), Value::Raw);
    d.b.open();
    d.raw(&FLAG, Span::new(2, 3));
    d.add(
        &LENGTH,
        Span::new(3, comma),
        Value::Int((total - comma) as i64),
    );
    d.b.close();
    if total != frame.len() {
        let m = format!(
            "the length says {total} bytes in all, the frame has {}",
            frame.len()
        );
        d.error("meitrack.length", m, Span::new(3, comma), &LENGTH);
    }
    // The checksum: `*hh\r\n` at the end.
    let body_end = frame.len().saturating_sub(kit::trailing_line_end(frame));
    let star = body_end.saturating_sub(3);
    let has_star = frame.get(star) == Some(&b'*');
    let data_end = if has_star { star } else { body_end };
    // IMEI and command: the next two fields.
    let f = kit::split(frame, comma + 1, data_end, b',');
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    d.imei(&IMEI, g(0));
    let cmd = g(1);
    let what = match d.text(cmd) {
        b"AAA" => Some("position report"),
        b"CCC" => Some("buffered positions (binary)"),
        b"CCE" => Some("positions (binary, newer units)"),
        b"D00" => Some("photo packet"),
        b"A10" => Some("position now"),
        _ => None,
    };
    d.command(&COMMAND, cmd, what);
    d.msg.kind = match (server, d.text(cmd)) {
        (true, _) => Kind::Command,
        (false, b"AAA" | b"CCC" | b"CCE") => Kind::Report,
        (false, b"D00") => Kind::Photo,
        (false, _) => Kind::CommandReply,
    };
    match d.text(cmd) {
        b"AAA" if !server => aaa(&mut d, &f),
        b"CCC" | b"CCE" | b"D00" => {
            let s = Span::new(cmd.end as usize + 1, data_end);
            d.add(&BINARY, s, Value::Blob(s.len() as u32));
        }
        _ if f.len() > 2 => d.raw(&DATA, g(2).join(g(f.len() - 1))),
        _ => {}
    }
    if has_star {
        checksum(&mut d, star);
    } else if !matches!(d.text(cmd), b"CCC" | b"CCE" | b"D00") {
        d.warn(
            "meitrack.checksum",
            "no '*hh' checksum before the line end",
            Span::new(body_end, body_end),
            &CHECKSUM,
        );
    }
    d.msg
}

fn checksum(d: &mut Dec<'_, '_, '_>, star: usize) {
    let s = Span::new(star + 1, star + 3);
    d.raw(&CHECKSUM, s);
    let got = d
        .frame
        .get(..=star)
        .unwrap_or(&[])
        .iter()
        .fold(0u8, |a, &c| a.wrapping_add(c));
    let want = kit::hex_byte(d.text(s));
    if want != Some(got) {
        let m = format!(
            "checksum '{}' does not match the frame (the sum is {got:02X})",
            d.str(s)
        );
        d.error("meitrack.checksum", m, s, &CHECKSUM);
    }
}

/// The `AAA` report's fields (after the IMEI and command).
fn aaa(d: &mut Dec<'_, '_, '_>, f: &[Span]) {
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    let (what, class) = event(d.text(g(2)));
    d.add(&EVENT, g(2), Value::Enum(what));
    d.msg.keyword_meaning = Some(what);
    if let Some(c) = class {
        d.msg.alarm = true;
        d.msg.alarm_class = Some(c);
    }
    let lat = d.num(&LATITUDE, g(3)).filter(|v| v.abs() <= 90.0);
    let lon = d.num(&LONGITUDE, g(4)).filter(|v| v.abs() <= 180.0);
    let t = d.text(g(5));
    let time = t.get(6..).and_then(|hms| kit::yymmdd_hhmmss(t, hms));
    match time {
        Some(ms) => d.add(&TIME, g(5), Value::UtcTime(ms)),
        None => {
            d.raw(&TIME, g(5));
            d.warn("meitrack.time", "not a yymmddhhmmss time", g(5), &TIME);
        }
    }
    let valid = d.validity(&VALIDITY, g(6));
    d.num(&SATELLITES, g(7));
    d.num(&GSM, g(8));
    let speed = d.num(&SPEED, g(9));
    let course = d.num(&COURSE, g(10));
    d.num(&HDOP, g(11));
    d.altitude(&ALTITUDE, g(12));
    if f.len() > 13 {
        d.raw(&DATA, g(13).join(g(f.len() - 1)));
    }
    d.fix_kmh(lat.zip(lon), time, valid, speed, course);
}
