//! Decoding of one Queclink text message: the type and message, protocol version, IMEI,
//! device name, the first position it carries, the send time and the count.

use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{AlarmClass, Builder, Direction, Kind, Message, Span, Value};

fields! {
    TYPE = "queclink.type", "Type", None, "+RESP report, +BUFF buffered report, +ACK answer, +SACK server acknowledgement, AT+ command";
    MESSAGE = "queclink.message", "Message", None, "GTFRI fixed report, GTSOS, GTHBD heartbeat, GTINF information, ...";
    VERSION = "queclink.version", "Protocol version", None, "Device type (2 hex digits) and protocol version";
    IMEI = "imei", "IMEI", None, "Device identity: the 15-digit IMEI (third field)";
    NAME = "queclink.device_name", "Device name", None, "The name set on the unit";
    ACCURACY = "queclink.accuracy", "GPS accuracy", None, "HDOP-based accuracy (0: no fix)";
    SPEED = "queclink.speed", "Speed", KmH, "Speed in km/h";
    AZIMUTH = "queclink.azimuth", "Azimuth", Degrees, "Course over ground";
    ALTITUDE = "queclink.altitude", "Altitude", Metres, "Altitude";
    LONGITUDE = "queclink.longitude", "Longitude", Degrees, "Longitude in signed decimal degrees";
    LATITUDE = "queclink.latitude", "Latitude", Degrees, "Latitude in signed decimal degrees";
    GPS_TIME = "queclink.gps_time", "GPS time (UTC)", None, "UTC time of the fix, YYYYMMDDHHMMSS";
    DATA = "queclink.data", "Fields", None, "Fields the analyzer does not break down";
    SEND_TIME = "queclink.send_time", "Send time (UTC)", None, "When the message was sent, YYYYMMDDHHMMSS";
    COUNT = "queclink.count", "Count", None, "Message counter, 4 hex digits";
    JUNK = "queclink.junk", "Not Queclink", Bytes, "Bytes that are not a Queclink message";
}

/// `YYYYMMDDHHMMSS` as UTC milliseconds.
fn stamp(t: &[u8]) -> Option<i64> {
    if t.len() != 14 || !kit::all_digits(t) {
        return None;
    }
    let year = kit::two(t, 0)? * 100 + kit::two(t, 2)?;
    kit::utc_ms(
        year,
        kit::two(t, 4)?,
        kit::two(t, 6)?,
        kit::two(t, 8)?,
        kit::two(t, 10)?,
        kit::two(t, 12)?,
    )
}

/// Decodes one message.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let dollar = usize::from(frame.last() == Some(&b'$'));
    let end = frame.len() - dollar;
    let colon = frame.iter().take(8).position(|&c| c == b':');
    let is_at = frame.starts_with(b"AT+GT");
    if !(is_at || frame.first() == Some(&b'+') && colon.is_some()) {
        d.junk(
            &JUNK,
            "queclink.junk",
            "not a Queclink message ('+RESP:', '+ACK:', ...)",
        );
        return d.msg;
    }
    if dollar == 0 {
        d.unterminated("queclink.unterminated", "message", "$", end, &COUNT);
    }
    let f = kit::split(frame, 0, end, b',');
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    let head = g(0);
    let (ty, msg) = match colon {
        Some(c) if !is_at => (Span::new(0, c), Span::new(c + 1, head.end as usize)),
        _ => {
            let eq = d
                .text(head)
                .iter()
                .position(|&c| c == b'=')
                .unwrap_or(head.len());
            (Span::new(0, 2), Span::new(3, eq))
        }
    };
    d.raw(&TYPE, ty);
    let name = d.text(msg);
    let what = match name {
        b"GTFRI" => Some("fixed report"),
        b"GTHBD" => Some("heartbeat"),
        b"GTSOS" => Some("SOS"),
        b"GTSPD" => Some("speeding"),
        b"GTGEO" => Some("geofence"),
        b"GTPNA" => Some("power on"),
        b"GTPFA" => Some("power off"),
        b"GTMPN" => Some("main power connected"),
        b"GTMPF" => Some("main power disconnected"),
        b"GTINF" => Some("device information"),
        b"GTIGN" => Some("ignition on"),
        b"GTIGF" => Some("ignition off"),
        _ => None,
    };
    d.command(&MESSAGE, msg, what);
    d.msg.kind = match (d.text(ty), name) {
        (b"+SACK", b"GTHBD") => Kind::HeartbeatAck,
        (b"+SACK", _) => Kind::Ack,
        (b"AT", _) => Kind::Command,
        (b"+ACK", b"GTHBD") => Kind::Heartbeat,
        (b"+ACK", _) => Kind::CommandReply,
        (_, b"GTINF" | b"GTPNA" | b"GTPFA" | b"GTPDP" | b"GTCID" | b"GTCSQ" | b"GTVER") => {
            Kind::Info
        }
        _ => Kind::Report,
    };
    let alarm = match name {
        b"GTSOS" => Some(AlarmClass::Sos),
        b"GTSPD" => Some(AlarmClass::Speed),
        b"GTGEO" => Some(AlarmClass::Geofence),
        b"GTMPF" => Some(AlarmClass::Power),
        _ => None,
    };
    if let Some(c) = alarm {
        d.msg.alarm = true;
        d.msg.alarm_class = Some(c);
    }
    if matches!(d.text(ty), b"+SACK" | b"AT") {
        if f.len() > 1 {
            d.raw(&DATA, g(1).join(g(f.len() - 1)));
        }
        return d.msg;
    }
    d.raw(&VERSION, g(1));
    d.imei(&IMEI, g(2));
    d.raw(&NAME, g(3));
    let last = f.len().saturating_sub(1);
    let pos = (4..last).find(|&i| position_at(&d, &f, i));
    let mut upto = 4;
    if let Some(i) = pos {
        if i > 9 {
            d.raw(&DATA, g(4).join(g(i - 7)));
        }
        position(&mut d, &f, i);
        upto = i + 1;
    }
    let send = last.saturating_sub(1);
    if upto < send {
        d.raw(&DATA, g(upto).join(g(send - 1)));
    }
    if let Some(ms) = stamp(d.text(g(send))).filter(|_| send >= 4) {
        d.add(&SEND_TIME, g(send), Value::UtcTime(ms));
    }
    if last >= 4 {
        d.raw(&COUNT, g(last));
    }
    d.msg
}

/// True when field `i` is a `YYYYMMDDHHMMSS` time after a longitude and a latitude.
fn position_at(d: &Dec<'_, '_, '_>, f: &[Span], i: usize) -> bool {
    let t = |k: usize| f.get(k).map_or(&[][..], |s| d.text(*s));
    i >= 9
        && stamp(t(i)).is_some()
        && t(i - 1).contains(&b'.')
        && t(i - 2).contains(&b'.')
        && kit::decimal(t(i - 1)).is_some_and(|v| v.abs() <= 90.0)
        && kit::decimal(t(i - 2)).is_some_and(|v| v.abs() <= 180.0)
}

fn position(d: &mut Dec<'_, '_, '_>, f: &[Span], i: usize) {
    let g = |k: usize| f.get(k).copied().unwrap_or_default();
    let acc = d.num(&ACCURACY, g(i - 6));
    let speed = d.num(&SPEED, g(i - 5));
    let course = d.num(&AZIMUTH, g(i - 4));
    d.altitude(&ALTITUDE, g(i - 3));
    let lon = d.num(&LONGITUDE, g(i - 2));
    let lat = d.num(&LATITUDE, g(i - 1));
    let time = stamp(d.text(g(i)));
    if let Some(ms) = time {
        d.add(&GPS_TIME, g(i), Value::UtcTime(ms));
    }
    d.fix_kmh(
        lat.zip(lon),
        time,
        acc.is_some_and(|a| a > 0.0),
        speed,
        course,
    );
}
