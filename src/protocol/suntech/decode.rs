//! Decoding of one Suntech report: header, id, report type, and the position found after the
//! `yyyymmdd;hh:mm:ss` date (its place differs between firmware families).

use super::header;
use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{AlarmClass, Builder, Direction, Kind, Message, Span, Value};

fields! {
    HEADER = "suntech.header", "Header", None, "Model and report type (ST300STT), or the report type alone (universal firmware)";
    IMEI = "imei", "Device ID", None, "The unit's id (serial, or the IMEI's digits on universal firmware)";
    TIME = "suntech.time", "Time (UTC)", None, "Date and time of the report, yyyymmdd;hh:mm:ss";
    LATITUDE = "suntech.latitude", "Latitude", Degrees, "Latitude in signed decimal degrees";
    LONGITUDE = "suntech.longitude", "Longitude", Degrees, "Longitude in signed decimal degrees";
    SPEED = "suntech.speed", "Speed", KmH, "Speed in km/h";
    COURSE = "suntech.course", "Course", Degrees, "Course over ground";
    SATELLITES = "suntech.satellites", "Satellites", None, "Satellites in use";
    FIX = "suntech.fix", "Fix", None, "1: valid fix, 0: last known position";
    DATA = "suntech.data", "Fields", None, "Fields the analyzer does not break down";
    JUNK = "suntech.junk", "Not Suntech", Bytes, "Bytes that are not a Suntech report";
}

/// Decodes one report.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let end = frame.len() - kit::trailing_line_end(frame);
    let Ok((n, _)) = header(frame) else {
        d.junk(
            &JUNK,
            "suntech.junk",
            "not a Suntech report ('ST300STT;', 'STT;', ...)",
        );
        return d.msg;
    };
    let f = kit::split(frame, 0, end, b';');
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    let head = Span::new(0, n - 1);
    let ty = d
        .text(head)
        .get(head.len().saturating_sub(3)..)
        .unwrap_or(&[]);
    let st910 = d.text(head) == b"ST910";
    let (kind, what, alarm) = match (ty, st910) {
        (_, true) => (Kind::Report, Some("ST910 report"), None),
        (b"STT", _) => (Kind::Report, Some("status (position)"), None),
        (b"EMG", _) => (Kind::Report, Some("emergency"), Some(AlarmClass::Sos)),
        (b"ALT", _) => (Kind::Report, Some("alert"), Some(AlarmClass::Other)),
        (b"EVT", _) => (Kind::Report, Some("event"), None),
        (b"ALV", _) => (Kind::Heartbeat, Some("keep-alive"), None),
        (b"UEX", _) => (Kind::Report, Some("external data"), None),
        (b"RES" | b"CMD", _) => (Kind::CommandReply, Some("answer to a command"), None),
        (b"BLE" | b"BSA", _) => (Kind::Report, Some("Bluetooth tags"), None),
        _ => (Kind::Info, None, None),
    };
    d.command(&HEADER, head, what);
    d.msg.kind = kind;
    if let Some(c) = alarm {
        d.msg.alarm = true;
        d.msg.alarm_class = Some(c);
    }
    let id = if st910 { g(2) } else { g(1) };
    d.imei(&IMEI, id);
    // The date may come late: ST410/ST419 reports list cells (up to seven, six fields each)
    // before the GPS part.
    let date = (2..f.len()).find(|&i| {
        d.text(g(i)).len() == 8
            && kit::all_digits(d.text(g(i)))
            && d.text(g(i + 1)).len() == 8
            && d.text(g(i + 1)).get(2) == Some(&b':')
    });
    let Some(i) = date else {
        if f.len() > 2 {
            d.raw(&DATA, g(2).join(g(f.len() - 1)));
        }
        return d.msg;
    };
    let (dt, tm) = (d.text(g(i)), d.text(g(i + 1)));
    let time = kit::utc_ms(
        kit::two(dt, 0)
            .zip(kit::two(dt, 2))
            .map_or(0, |(c, y)| c * 100 + y),
        kit::two(dt, 4).unwrap_or(0),
        kit::two(dt, 6).unwrap_or(0),
        kit::two(tm, 0).unwrap_or(99),
        kit::two(tm, 3).unwrap_or(99),
        kit::two(tm, 6).unwrap_or(99),
    );
    match time {
        Some(ms) => d.add(&TIME, g(i).join(g(i + 1)), Value::UtcTime(ms)),
        None => d.raw(&TIME, g(i).join(g(i + 1))),
    }
    let coord =
        |t: &[u8], limit: f64| kit::decimal(t).filter(|v| t.contains(&b'.') && v.abs() <= limit);
    let lat_at = (i + 2..f.len().min(i + 9))
        .find(|&k| coord(d.text(g(k)), 90.0).is_some() && coord(d.text(g(k + 1)), 180.0).is_some());
    let Some(k) = lat_at else {
        return d.msg;
    };
    let lat = d.num(&LATITUDE, g(k));
    let lon = d.num(&LONGITUDE, g(k + 1));
    // Bluetooth reports (BLE, BSA) carry only the position before their own fields.
    if matches!(ty, b"BLE" | b"BSA") {
        d.raw(&DATA, g(k + 2).join(g(f.len() - 1)));
        d.fix(lat.zip(lon), time, true, None, None);
        return d.msg;
    }
    let speed = d.num(&SPEED, g(k + 2));
    let course = d.num(&COURSE, g(k + 3));
    // The ST910 has no satellite count: its fix flag follows the course.
    let fix_at = if st910 { k + 4 } else { k + 5 };
    if !st910 {
        d.num(&SATELLITES, g(k + 4));
    }
    let valid = d.text(g(fix_at)) == b"1";
    d.raw(&FIX, g(fix_at));
    if f.len() > fix_at + 1 {
        d.raw(&DATA, g(fix_at + 1).join(g(f.len() - 1)));
    }
    d.fix_kmh(lat.zip(lon), time, valid, speed, course);
    d.msg
}
