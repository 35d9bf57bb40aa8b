//! Decoding of one watch frame: vendor, id, length, command, and the position of `UD` / `AL`
//! messages (decimal degrees with hemisphere letters, speed in km/h).

use super::head;
use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{AlarmClass, Builder, Direction, Kind, Message, Span, Value};

fields! {
    VENDOR = "watch.vendor", "Vendor", None, "Two characters naming the maker's platform (3G, SG, CS, ZJ)";
    IMEI = "imei", "Device ID", None, "The watch's id: 10 digits (or its IMEI)";
    INDEX = "watch.index", "Index", None, "ZJ units: the message index, 4 hex digits";
    LENGTH = "watch.length", "Length", Bytes, "Length of the content, 4 hex digits";
    COMMAND = "watch.command", "Command", None, "LK link, UD/UD2/UD_LTE position, AL alarm, and the server's commands";
    TIME = "watch.time", "Time (UTC)", None, "Date and time of the fix, ddmmyy,hhmmss";
    VALIDITY = "watch.validity", "Validity", None, "A: valid fix, V: last known position";
    LATITUDE = "watch.latitude", "Latitude", Degrees, "Latitude in decimal degrees and N/S";
    LONGITUDE = "watch.longitude", "Longitude", Degrees, "Longitude in decimal degrees and E/W";
    SPEED = "watch.speed", "Speed", KmH, "Speed in km/h";
    COURSE = "watch.course", "Course", Degrees, "Course over ground";
    ALTITUDE = "watch.altitude", "Altitude", Metres, "Altitude";
    BATTERY = "watch.battery", "Battery", Percent, "Battery level";
    DATA = "watch.data", "Data", None, "What the command carries, as sent";
    JUNK = "watch.junk", "Not watch", Bytes, "Bytes that are not a watch frame";
}

/// Decodes one frame.
pub fn decode(frame: &[u8], dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let Ok(h) = head(frame) else {
        d.junk(
            &JUNK,
            "watch.junk",
            "not a watch frame ('[3G*<id>*<len>*...]')",
        );
        return d.msg;
    };
    d.raw(&VENDOR, Span::new(1, 3));
    d.imei(&IMEI, Span::new(4, h.id_end));
    if h.len_at > h.id_end + 1 {
        d.raw(&INDEX, Span::new(h.id_end + 1, h.id_end + 5));
    }
    d.add(
        &LENGTH,
        Span::new(h.len_at, h.len_at + 4),
        Value::Int(h.len as i64),
    );
    let close = usize::from(frame.last() == Some(&b']'));
    let end = frame.len() - close;
    let content = Span::new(h.content(), end);
    if content.len() != h.len {
        let m = format!(
            "the length says {} bytes of content, there are {}",
            h.len,
            content.len()
        );
        d.warn(
            "watch.length",
            m,
            Span::new(h.len_at, h.len_at + 4),
            &LENGTH,
        );
    }
    let f = kit::split(frame, h.content(), end, b',');
    let cmd = f.first().copied().unwrap_or_default();
    let name = d.text(cmd);
    let to_device = dir == Direction::ToDevice;
    let position = name.starts_with(b"UD") || name.starts_with(b"AL") || name == b"WT";
    let what = match name {
        b"LK" => Some("link (heartbeat)"),
        b"UD" | b"UD2" | b"UD3" | b"UD_LTE" | b"UD_WCDMA" => Some("position"),
        b"AL" | b"AL_LTE" => Some("alarm"),
        b"CR" => Some("position now"),
        _ => None,
    };
    d.command(&COMMAND, cmd, what);
    d.msg.kind = match (name, to_device) {
        (b"LK", false) => Kind::Heartbeat,
        (b"LK", true) => Kind::HeartbeatAck,
        (_, true) if f.len() == 1 && (name.starts_with(b"AL") || name.starts_with(b"UD")) => {
            Kind::Ack
        }
        (_, true) => Kind::Command,
        _ if position => Kind::Report,
        _ => Kind::Info,
    };
    if name.starts_with(b"AL") && !to_device {
        d.msg.alarm = true;
        d.msg.alarm_class = Some(AlarmClass::Sos);
    }
    if position && f.len() >= 8 && !to_device {
        fix(&mut d, &f);
    } else if f.len() > 1 {
        d.raw(
            &DATA,
            f.get(1)
                .copied()
                .unwrap_or_default()
                .join(f.last().copied().unwrap_or_default()),
        );
    }
    if close == 0 {
        d.unterminated("watch.unterminated", "frame", "]", end, &DATA);
    }
    d.msg
}

/// `cmd,ddmmyy,hhmmss,A,lat,N,lon,E,speed,course,altitude,satellites,gsm,battery,...`
fn fix(d: &mut Dec<'_, '_, '_>, f: &[Span]) {
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    let time = kit::ddmmyy_hhmmss(d.text(g(1)), d.text(g(2)));
    match time {
        Some(ms) => d.add(&TIME, g(1).join(g(2)), Value::UtcTime(ms)),
        None => d.raw(&TIME, g(1).join(g(2))),
    }
    let valid = d.validity(&VALIDITY, g(3));
    let coord = |d: &mut Dec<'_, '_, '_>,
                 v: Span,
                 h: Span,
                 def,
                 (limit, plus, minus): (f64, &str, &str)| {
        let x = kit::decimal(d.text(v)).filter(|x| x.abs() <= limit)?;
        let neg = matches!(d.text(h), b"S" | b"W") && x > 0.0;
        let x = if neg { -x } else { x };
        d.add(def, v.join(h), Value::Coord(x));
        if !matches!(d.text(h), b"N" | b"S" | b"E" | b"W") {
            let side = if x < 0.0 { minus } else { plus };
            let m = format!("no hemisphere letter after {}: taken as {side}", d.str(v));
            d.warn("watch.hemisphere", m, v.join(h), def);
        }
        Some(x)
    };
    let lat = coord(d, g(4), g(5), &LATITUDE, (90.0, "north", "south"));
    let lon = coord(d, g(6), g(7), &LONGITUDE, (180.0, "east", "west"));
    let speed = d.num(&SPEED, g(8));
    let course = d.num(&COURSE, g(9));
    d.altitude(&ALTITUDE, g(10));
    if let Some(bat) = d.num(&BATTERY, g(13)) {
        d.msg.vitals.battery = Some(bat as f32);
    }
    if f.len() > 14 {
        d.raw(&DATA, g(14).join(g(f.len() - 1)));
    }
    d.fix_kmh(lat.zip(lon), time, valid, speed, course);
}
