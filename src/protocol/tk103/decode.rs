//! Decoding of one TK103 frame: the id, the command and what the command carries. Positions
//! come packed (`BR00`: `yymmdd` + `A` + `ddmm.mmmmN` + `dddmm.mmmmE` + speed `sss.s` km/h +
//! `hhmmss` + course `ccc.cc` + 8 status flags + `L` + 8 hex mileage) or, in the comma form,
//! as fields (`DW30,ddmmyy,A,ddmm.mmmmN,dddmm.mmmmE,speed,hhmmss,course,...`).

use super::head;
use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{AlarmClass, Builder, Direction, Kind, Message, Span, Value};

fields! {
    IMEI = "imei", "Device ID", None, "Device identifier: 12 characters after '(' (a 15-digit IMEI in the comma form)";
    COMMAND = "tk103.command", "Command", None, "Four characters: B... from the device, A... from the server";
    IDENTITY = "tk103.identity", "Identity", None, "The 15 characters a login (BP05) carries: the unit's IMEI or serial";
    ALARM = "tk103.alarm", "Alarm", None, "Alarm type of BO01: 0 power off, 1 accident, 2 SOS, 3 anti-theft, 4 low speed, 5 over speed, 6 geofence";
    DATE = "tk103.date", "Date", None, "UTC date of the fix";
    VALIDITY = "tk103.validity", "Validity", None, "A: valid fix, V: last known position";
    LATITUDE = "tk103.latitude", "Latitude", Degrees, "Latitude, ddmm.mmmm and N/S on the wire, signed decimal degrees as value";
    LONGITUDE = "tk103.longitude", "Longitude", Degrees, "Longitude, dddmm.mmmm and E/W on the wire, signed decimal degrees as value";
    SPEED = "tk103.speed", "Speed", KmH, "Speed in km/h";
    TIME = "tk103.time", "Time", None, "UTC time of the fix, hhmmss";
    FIX_TIME = "tk103.fix_time", "Fix time (UTC)", None, "Date and time of the fix";
    COURSE = "tk103.course", "Course", Degrees, "Course over ground";
    STATUS = "tk103.status", "Status and mileage", None, "What follows the position: input/output flags, 'L' and the mileage in hex";
    DATA = "tk103.data", "Data", None, "What the command carries, as sent";
    JUNK = "tk103.junk", "Not TK103", Bytes, "Bytes that are not a TK103 frame";
}

/// What a command is, when known.
fn meaning(cmd: &[u8]) -> (Kind, Option<&'static str>) {
    match cmd {
        b"BP00" => (Kind::Heartbeat, Some("handshake")),
        b"BP05" => (Kind::Login, Some("login (register)")),
        b"BR00" => (Kind::Report, Some("position (continuous tracking)")),
        b"BR01" => (Kind::Report, Some("position (isochronous continuous)")),
        b"BR02" => (Kind::Report, Some("position (continuous, end)")),
        b"BO01" => (Kind::Report, Some("alarm")),
        b"BZ00" => (Kind::Report, Some("cell towers (no fix)")),
        b"BP04" => (Kind::Report, Some("answer to a position request")),
        b"BV00" | b"BS08" | b"BP02" => (Kind::Info, None),
        b"AP05" => (Kind::LoginAck, Some("login accepted")),
        b"AP01" => (Kind::HeartbeatAck, Some("handshake answer")),
        b"AP00" => (Kind::Command, Some("one position now")),
        b"AR00" => (Kind::Command, Some("report at an interval")),
        [b'A', ..] => (Kind::Command, None),
        [b'B', ..] => (Kind::Report, None),
        _ => (Kind::Report, None),
    }
}

/// Decodes one frame.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let close = usize::from(frame.last() == Some(&b')'));
    let end = frame.len() - close;
    let h = frame
        .strip_prefix(b"(")
        .and_then(|body| head(body.get(..end.saturating_sub(1)).unwrap_or(body)));
    let Some(h) = h else {
        d.junk(
            &JUNK,
            "tk103.junk",
            "not a TK103 frame: no '(' + id + 4-character command",
        );
        return d.msg;
    };
    if close == 0 {
        d.unterminated("tk103.unterminated", "frame", ")", end, &DATA);
    }
    d.imei(&IMEI, Span::new(1, 1 + h.id_len));
    let cmd_s = Span::new(1 + h.cmd_at, 5 + h.cmd_at);
    let cmd = d.text(cmd_s);
    let (kind, what) = meaning(cmd);
    d.command(&COMMAND, cmd_s, what);
    d.msg.kind = kind;
    let at = cmd_s.end as usize;
    if h.comma {
        comma(&mut d, at, end);
        return d.msg;
    }
    match cmd {
        b"BP05" => {
            let id = Span::new(at, (at + 15).min(end));
            d.raw(&IDENTITY, id);
            packed(&mut d, id.end as usize, end);
        }
        b"BO01" => {
            let a = Span::new(at, (at + 1).min(end));
            let (name, class) = match d.text(a) {
                b"0" => ("vehicle power off", AlarmClass::Power),
                b"1" => ("accident", AlarmClass::Vehicle),
                b"2" => ("SOS", AlarmClass::Sos),
                b"3" => ("anti-theft", AlarmClass::Movement),
                b"4" => ("low speed", AlarmClass::Speed),
                b"5" => ("over speed", AlarmClass::Speed),
                b"6" => ("geofence", AlarmClass::Geofence),
                _ => ("alarm", AlarmClass::Other),
            };
            d.add(&ALARM, a, Value::Enum(name));
            d.msg.alarm = true;
            d.msg.alarm_class = Some(class);
            d.msg.keyword_meaning = Some(name);
            packed(&mut d, a.end as usize, end);
        }
        b"BR00" | b"BR01" | b"BR02" | b"BP04" => packed(&mut d, at, end),
        _ if d.frame.get(at) == Some(&b',') => {
            let f = kit::split(d.frame, at + 1, end, b',');
            if !packed_field(&mut d, &f) {
                d.raw(&DATA, Span::new(at, end));
            }
        }
        _ if at < end => d.raw(&DATA, Span::new(at, end)),
        _ => {}
    }
    d.msg
}

/// True when `t` starts like a packed position (`yymmdd` + `A`/`V` + a digit).
fn looks_packed(t: &[u8]) -> bool {
    kit::all_digits(t.get(..6).unwrap_or(&[]))
        && matches!(t.get(6), Some(b'A' | b'V'))
        && t.get(7).is_some_and(u8::is_ascii_digit)
}

/// A packed position at `at..end`: date, validity, latitude up to `N`/`S`, longitude up to
/// `E`/`W` (widths vary by firmware), speed (5), time (6), course (6), then status.
fn packed(d: &mut Dec<'_, '_, '_>, at: usize, end: usize) {
    let t = d.frame.get(at..end).unwrap_or(&[]);
    if !looks_packed(t) {
        if !t.is_empty() {
            d.raw(&DATA, Span::new(at, end));
        }
        return;
    }
    let find = |from: usize, set: &[u8]| {
        t.iter()
            .skip(from)
            .take(12)
            .position(|c| set.contains(c))
            .map(|i| from + i)
    };
    let s = |a: usize, n: usize| Span::new(at + a, (at + a + n).min(end));
    let (date, valid_s) = (s(0, 6), s(6, 1));
    d.raw(&DATE, date);
    let valid = d.validity(&VALIDITY, valid_s);
    let ns = find(7, b"NS");
    let ew = ns.and_then(|ns| find(ns + 1, b"EW"));
    let (Some(ns), Some(ew)) = (ns, ew) else {
        d.raw(&DATA, Span::new(at + 7, end));
        d.warn(
            "tk103.position",
            "no N/S and E/W hemisphere letters where the packed position has them",
            Span::new(at + 7, end),
            &DATA,
        );
        return;
    };
    let lat = d.ddmm(&LATITUDE, s(7, ns - 7), s(ns, 1), "tk103.coordinate");
    let lon = d.ddmm(
        &LONGITUDE,
        s(ns + 1, ew - ns - 1),
        s(ew, 1),
        "tk103.coordinate",
    );
    let speed = d.num(&SPEED, s(ew + 1, 5));
    let time = s(ew + 6, 6);
    d.raw(&TIME, time);
    let ms = kit::yymmdd_hhmmss(d.text(date), d.text(time));
    fix(d, ms, date.join(time), valid, lat, lon, speed);
    let course = d.num(&COURSE, s(ew + 12, 6));
    if let Some(f) = d.msg.fix.as_mut() {
        f.course = course.map(|c| c as f32);
    }
    if at + ew + 18 < end {
        d.raw(&STATUS, Span::new(at + ew + 18, end));
    }
}

/// A packed position as one of comma-separated fields `f` (`BQ81,ALARM,1,164,<packed>,...`,
/// `BP02,G,2,<packed>,7`): the fields around it kept raw, and the message a report when the
/// position reads. False when no field looks packed.
fn packed_field(d: &mut Dec<'_, '_, '_>, f: &[Span]) -> bool {
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    let Some(k) = f.iter().position(|s| looks_packed(d.text(*s))) else {
        return false;
    };
    if k > 0 {
        d.raw(&DATA, g(0).join(g(k - 1)));
    }
    packed(d, g(k).start as usize, g(k).end as usize);
    if f.len() > k + 1 {
        d.raw(&DATA, g(k + 1).join(g(f.len() - 1)));
    }
    if d.msg.fix.is_some() {
        d.msg.kind = Kind::Report;
    }
    true
}

/// The comma form's fields after the command.
fn comma(d: &mut Dec<'_, '_, '_>, at: usize, end: usize) {
    let f = kit::split(d.frame, at + 1, end, b',');
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    let is_pos = matches!(d.text(g(1)), b"A" | b"V")
        && d.text(g(2))
            .last()
            .is_some_and(|c| matches!(c, b'N' | b'S'));
    if !is_pos {
        if packed_field(d, &f) {
            return;
        }
        if at < end {
            d.raw(&DATA, Span::new(at + 1, end));
        }
        if d.msg.kind == Kind::Report {
            d.msg.kind = Kind::Info;
        }
        return;
    }
    d.msg.kind = Kind::Report;
    d.raw(&DATE, g(0));
    let valid = d.validity(&VALIDITY, g(1));
    let split_hemi = |s: Span| {
        let cut = s.end.saturating_sub(1).max(s.start) as usize;
        (
            Span::new(s.start as usize, cut),
            Span::new(cut, s.end as usize),
        )
    };
    let (la, lh) = split_hemi(g(2));
    let lat = d.ddmm(&LATITUDE, la, lh, "tk103.coordinate");
    let (lo, oh) = if g(3).is_empty() {
        (g(3), g(3))
    } else {
        split_hemi(g(3))
    };
    let lon = d.ddmm(&LONGITUDE, lo, oh, "tk103.coordinate");
    let speed = d.num(&SPEED, g(4));
    d.raw(&TIME, g(5));
    let ms = kit::ddmmyy_hhmmss(d.text(g(0)), d.text(g(5)));
    fix(d, ms, g(0).join(g(5)), valid, lat, lon, speed);
    let course = d.num(&COURSE, g(6));
    if let Some(fx) = d.msg.fix.as_mut() {
        fx.course = course.map(|c| c as f32);
    }
    if f.len() > 7 {
        d.raw(&DATA, g(7).join(g(f.len() - 1)));
    }
}

#[allow(clippy::too_many_arguments)]
fn fix(
    d: &mut Dec<'_, '_, '_>,
    ms: Option<i64>,
    when: Span,
    valid: bool,
    lat: Option<f64>,
    lon: Option<f64>,
    speed: Option<f64>,
) {
    match ms {
        Some(ms) => d.b.derived(&FIX_TIME, when, Value::UtcTime(ms)),
        None => d.warn(
            "tk103.time",
            "the date and time of the fix are not a valid date",
            when,
            &FIX_TIME,
        ),
    }
    d.fix(lat.zip(lon), ms, valid, speed.map(|v| v as f32), None);
}
