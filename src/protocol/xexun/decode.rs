//! Decoding of one Xexun report: serial, phone, the RMC sentence (read by the NMEA reader
//! into Xexun's fields), signal, event, IMEI, and the rest as sent.

use super::rmc_at;
use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::nmea::{Rmc, rmc, rmc_fields};
use crate::protocol::{AlarmClass, Builder, Direction, Message, Span};

fields! {
    SERIAL = "xexun.serial", "Serial", None, "yymmddhhmmss of the report (newer firmware)";
    PHONE = "xexun.phone", "Phone", None, "The authorised phone number (or operator name)";
    SENTENCE = "xexun.sentence", "Sentence", None, "GPRMC or GNRMC";
    TIME = "xexun.time", "UTC time", None, "UTC time of the fix";
    STATUS = "xexun.status", "Status", None, "A: valid fix, V: no valid fix";
    LATITUDE = "xexun.latitude", "Latitude", Degrees, "Latitude, ddmm.mmmm and N/S, signed decimal degrees as value";
    LONGITUDE = "xexun.longitude", "Longitude", Degrees, "Longitude, dddmm.mmmm and E/W, signed decimal degrees as value";
    SPEED = "xexun.speed", "Speed", Knots, "Speed in knots";
    COURSE = "xexun.course", "Course", Degrees, "Course over ground";
    DATE = "xexun.date", "Date", None, "UTC date, ddmmyy";
    FIX_TIME = "xexun.fix_time", "Fix time (UTC)", None, "Date and time of the fix";
    CHECKSUM = "xexun.checksum", "RMC checksum", None, "XOR of the sentence's bytes, as in NMEA";
    SIGNAL = "xexun.signal", "GSM signal", None, "F: full, L: low";
    EVENT = "xexun.event", "Event", None, "Alarm or event text ('help me!', 'ACC On', ...), empty for a periodic report";
    IMEI = "imei", "IMEI", None, "Device identity after 'imei:'";
    DATA = "xexun.data", "Fields", None, "Satellites, altitude, battery, charging, cell: as sent";
    JUNK = "xexun.junk", "Not Xexun", Bytes, "Bytes that are not a Xexun report";
}

static XEXUN_RMC: Rmc = rmc_fields!("xexun.coordinate", "xexun.hemisphere_missing");

/// Decodes one report.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let end = frame.len() - kit::trailing_line_end(frame);
    let Ok(at) = rmc_at(frame.get(..64).unwrap_or(frame)) else {
        d.junk(&JUNK, "xexun.junk", "not a Xexun report (no 'GPRMC,')");
        return d.msg;
    };
    if at > 0 {
        let f = kit::split(frame, 0, at.saturating_sub(1), b',');
        if let Some(&s) = f.first() {
            d.raw(&SERIAL, s);
        }
        if let Some(&s) = f.get(1) {
            d.raw(&PHONE, s);
        }
    }
    let star = frame
        .iter()
        .skip(at)
        .position(|&c| c == b'*')
        .map_or(end, |i| at + i);
    let f = kit::split(frame, at, star, b',');
    if let Some(&name) = f.first() {
        d.raw(&SENTENCE, name);
    }
    rmc(&mut d, &f, &XEXUN_RMC);
    // Two hex digits after the `*`, or what the frame still holds of them.
    let cs = Span::new(star + 1, (star + 3).min(end).max(star + 1));
    if star < end {
        d.raw(&CHECKSUM, cs);
        let want = kit::hex_byte(d.text(cs));
        let got = frame
            .get(at..star)
            .unwrap_or(&[])
            .iter()
            .fold(0u8, |a, &c| a ^ c);
        if want != Some(got) {
            let m = format!(
                "RMC checksum '{}' does not match (XOR is {got:02X})",
                d.str(cs)
            );
            d.warn("xexun.checksum", m, cs, &CHECKSUM);
        }
    }
    // After the checksum: `,F,<event>, imei:<digits>,...`.
    let tail = kit::split(frame, (star + 3).min(end), end, b',');
    let mut rest_from = None;
    for (i, s) in tail.iter().enumerate().skip(1) {
        let t = d.text(*s);
        let trimmed = t.iter().take_while(|&&c| c == b' ').count();
        if t.get(trimmed..).is_some_and(|r| r.starts_with(b"imei:")) {
            let id = Span::new(s.start as usize + trimmed + 5, s.end as usize);
            d.imei(&IMEI, id);
            rest_from = Some(i + 1);
            break;
        }
        match i {
            1 => d.raw(&SIGNAL, *s),
            _ if !t.is_empty() => event(&mut d, *s),
            _ => {}
        }
    }
    match rest_from {
        Some(i) => {
            if let (Some(first), Some(last)) = (tail.get(i), tail.last()) {
                d.raw(&DATA, first.join(*last));
            }
        }
        None => d.error(
            "xexun.imei",
            "no 'imei:' after the RMC sentence",
            Span::new(star, end),
            &IMEI,
        ),
    }
    d.msg
}

fn event(d: &mut Dec<'_, '_, '_>, s: Span) {
    let t = d.text(s).to_ascii_lowercase();
    let class = match t.as_slice() {
        b"help me!" | b"help me" => Some(AlarmClass::Sos),
        b"low battery" => Some(AlarmClass::Battery),
        b"move!" | b"move" => Some(AlarmClass::Movement),
        b"speed!" | b"speed" => Some(AlarmClass::Speed),
        b"stockade!" | b"stockade" => Some(AlarmClass::Geofence),
        b"ac alarm!" | b"ac alarm" => Some(AlarmClass::Power),
        _ => None,
    };
    d.raw(&EVENT, s);
    d.keyword(s, None);
    if let Some(c) = class {
        d.msg.alarm = true;
        d.msg.alarm_class = Some(c);
    }
}
