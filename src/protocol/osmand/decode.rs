//! Decoding of one HTTP message of the OsmAnd protocol: the request line, the query (or form
//! body, or the Traccar Client's JSON body) parameters, or the server's status line.

use chrono::{DateTime, NaiveDateTime};

use super::content_length;
use crate::protocol::kit::{self, Dec, fields};
use crate::protocol::{Builder, Direction, Kind, Message, Span, Value};

fields! {
    METHOD = "osmand.method", "Method", None, "HTTP method: GET with the query, POST with a body";
    PATH = "osmand.path", "Path", None, "Request target, query included";
    IMEI = "imei", "Device ID", None, "The id (or deviceid) parameter: the device's identifier as set in the app or unit";
    LATITUDE = "osmand.lat", "Latitude", Degrees, "lat: latitude in decimal degrees";
    LONGITUDE = "osmand.lon", "Longitude", Degrees, "lon: longitude in decimal degrees";
    TIMESTAMP = "osmand.timestamp", "Time (UTC)", None, "timestamp: Unix seconds or milliseconds, or an ISO date";
    SPEED = "osmand.speed", "Speed", Knots, "speed: in knots (metres per second in the JSON body)";
    COURSE = "osmand.bearing", "Bearing", Degrees, "bearing or heading";
    ALTITUDE = "osmand.altitude", "Altitude", Metres, "altitude";
    BATTERY = "osmand.batt", "Battery", Percent, "batt: battery level";
    PARAM = "osmand.param", "Parameter", None, "Another parameter, as sent";
    HEADERS = "osmand.headers", "Headers", None, "The HTTP headers";
    BODY = "osmand.body", "Body", Bytes, "The request or response body";
    STATUS = "osmand.status", "Status", None, "The server's HTTP status code";
    JUNK = "osmand.junk", "Not HTTP", Bytes, "Bytes that are not an HTTP message";
}

/// Percent-decoding (`+` is a space), lossy, for reading values.
fn unescape(t: &[u8]) -> String {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while let Some(&c) = t.get(i) {
        let hex = t
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A timestamp: Unix seconds or milliseconds, or an ISO / `YYYY-MM-DD hh:mm:ss` date (UTC).
fn timestamp(v: &str) -> Option<i64> {
    if let Ok(n) = v.parse::<i64>() {
        return Some(if n < i64::from(i32::MAX) { n * 1000 } else { n });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp_millis());
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

/// What the parameters gave.
#[derive(Default)]
struct Pos {
    lat: Option<f64>,
    lon: Option<f64>,
    time: Option<i64>,
    speed_kmh: Option<f32>,
    course: Option<f32>,
}

/// Decodes one message.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let line_end = frame
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(frame.len());
    let line = Span::new(0, line_end);
    let cr = line_end > 0 && frame.get(line_end - 1) == Some(&b'\r');
    let parts = kit::split(frame, 0, line_end - usize::from(cr), b' ');
    let head_end = frame
        .windows(4)
        .position(|x| x == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| frame.windows(2).position(|x| x == b"\n\n").map(|i| i + 2));
    let g = |i: usize| parts.get(i).copied().unwrap_or_default();
    if frame.starts_with(b"HTTP/1.") {
        let code = kit::uint(d.text(g(1)));
        d.add(
            &STATUS,
            g(1).join(g(parts.len() - 1)),
            code.map_or(Value::Raw, |c| Value::Int(c as i64)),
        );
        d.msg.kind = Kind::Ack;
        d.msg.event = Some("HTTP response");
        if code.is_some_and(|c| c >= 400) {
            let m = format!("the server refused the request ({})", d.str(g(1)));
            d.warn("osmand.status", m, g(1), &STATUS);
        }
        body(&mut d, head_end);
        return d.msg;
    }
    if parts.len() < 2 || !super::starts_http(frame) {
        d.junk(&JUNK, "osmand.junk", "not an HTTP request or response");
        return d.msg;
    }
    d.raw(&METHOD, g(0));
    d.raw(&PATH, g(1));
    d.keyword(g(0), Some("HTTP request"));
    let mut pos = Pos::default();
    let target = g(1);
    if let Some(q) = d.text(target).iter().position(|&c| c == b'?') {
        let at = target.start as usize + q + 1;
        d.b.open();
        params(&mut d, at, target.end as usize, &mut pos);
        d.b.close();
    }
    if let Some(h) = head_end {
        let hs = Span::new(line_end + 1, h);
        if !hs.is_empty() {
            d.raw(&HEADERS, hs);
        }
        let bs = Span::new(h, frame.len());
        if !bs.is_empty() {
            d.add(&BODY, bs, Value::Blob(bs.len() as u32));
            d.b.open();
            if d.text(bs).first() == Some(&b'{') {
                json(&mut d, bs, &mut pos);
            } else {
                params(&mut d, h, frame.len(), &mut pos);
            }
            d.b.close();
        }
    } else {
        d.error(
            "osmand.unterminated",
            "the request has no blank line after its headers",
            line,
            &HEADERS,
        );
    }
    if d.msg.imei.is_none() {
        d.warn(
            "osmand.id",
            "the request names no device (no id or deviceid parameter)",
            target,
            &PATH,
        );
    }
    d.msg.kind = Kind::Info;
    if pos.lat.is_some() && pos.lon.is_some() {
        d.msg.kind = Kind::Report;
    }
    d.fix(
        pos.lat.zip(pos.lon),
        pos.time,
        true,
        pos.speed_kmh,
        pos.course,
    );
    d.msg
}

fn body(d: &mut Dec<'_, '_, '_>, head_end: Option<usize>) {
    let Some(h) = head_end else { return };
    if content_length(d.frame.get(..h).unwrap_or(&[])) > 0 {
        let bs = Span::new(h, d.frame.len());
        d.add(&BODY, bs, Value::Blob(bs.len() as u32));
    }
}

/// `name=value&...` at `at..end`.
fn params(d: &mut Dec<'_, '_, '_>, at: usize, end: usize, pos: &mut Pos) {
    for p in kit::split(d.frame, at, end, b'&') {
        let t = d.text(p);
        let Some(eq) = t.iter().position(|&c| c == b'=') else {
            if !p.is_empty() {
                d.raw(&PARAM, p);
            }
            continue;
        };
        let v = Span::new(p.start as usize + eq + 1, p.end as usize);
        let name = t.get(..eq).unwrap_or(&[]);
        let value = unescape(d.text(v));
        one(d, name, &value, p, v, pos, 1.0);
    }
}

/// One parameter; `speed_scale` turns the sent speed into knots.
#[allow(clippy::too_many_arguments)]
fn one(
    d: &mut Dec<'_, '_, '_>,
    name: &[u8],
    value: &str,
    whole: Span,
    v: Span,
    pos: &mut Pos,
    speed_scale: f64,
) {
    let num = value.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    match (name, num) {
        (b"id" | b"deviceid" | b"device_id", _) => d.imei(&IMEI, v),
        (b"lat" | b"latitude", Some(x)) if x.abs() <= 90.0 => {
            pos.lat = Some(x);
            d.add(&LATITUDE, whole, Value::Coord(x));
        }
        (b"lon" | b"longitude", Some(x)) if x.abs() <= 180.0 => {
            pos.lon = Some(x);
            d.add(&LONGITUDE, whole, Value::Coord(x));
        }
        (b"location", _) => {
            let mut it = value.split(',').map(|s| s.trim().parse::<f64>().ok());
            if let (Some(Some(la)), Some(Some(lo))) = (it.next(), it.next()) {
                pos.lat = Some(la);
                pos.lon = Some(lo);
                d.add(&LATITUDE, whole, Value::Coord(la));
                d.add(&LONGITUDE, whole, Value::Coord(lo));
            }
        }
        (b"timestamp", _) => match timestamp(value.trim()) {
            Some(ms) => {
                pos.time = Some(ms);
                d.add(&TIMESTAMP, whole, Value::UtcTime(ms));
            }
            None => {
                d.raw(&TIMESTAMP, whole);
                let m = format!("'{value}' is not a Unix time or an ISO date");
                d.warn("osmand.timestamp", m, v, &TIMESTAMP);
            }
        },
        (b"speed", Some(x)) => {
            if x >= 0.0 {
                pos.speed_kmh = Some(kit::knots_to_kmh(x * speed_scale));
            }
            d.add(&SPEED, whole, Value::Num(x * speed_scale));
        }
        (b"bearing" | b"heading", Some(x)) => {
            if x >= 0.0 {
                pos.course = Some(x as f32);
            }
            d.add(&COURSE, whole, Value::Num(x));
        }
        (b"altitude", Some(x)) => {
            d.msg.vitals.altitude = Some(x as f32);
            d.add(&ALTITUDE, whole, Value::Num(x));
        }
        (b"batt", Some(x)) => {
            d.msg.vitals.battery = Some(x as f32);
            d.add(&BATTERY, whole, Value::Num(x));
        }
        _ => d.raw(&PARAM, whole),
    }
}

/// The Traccar Client's JSON: `device_id`, and in `location`: `timestamp`, `coords.latitude`,
/// `longitude`, `speed` (m/s), `heading`, `altitude`. Keys are found by a light scan.
fn json(d: &mut Dec<'_, '_, '_>, body: Span, pos: &mut Pos) {
    const KEYS: [&[u8]; 7] = [
        b"device_id",
        b"latitude",
        b"longitude",
        b"timestamp",
        b"speed",
        b"heading",
        b"altitude",
    ];
    let text = d.text(body);
    for key in KEYS {
        let mut pat = Vec::with_capacity(key.len() + 3);
        pat.push(b'"');
        pat.extend_from_slice(key);
        pat.extend_from_slice(b"\":");
        let Some(k) = text.windows(pat.len()).position(|w| w == pat.as_slice()) else {
            continue;
        };
        let start = k + pat.len();
        let rest = text.get(start..).unwrap_or(&[]);
        let quoted = rest.first() == Some(&b'"');
        let len = if quoted {
            rest.iter()
                .skip(1)
                .position(|&c| c == b'"')
                .map_or(0, |i| i + 2)
        } else {
            rest.iter()
                .position(|&c| c == b',' || c == b'}')
                .unwrap_or(rest.len())
        };
        let at = body.start as usize + start;
        let whole = Span::new(body.start as usize + k, at + len);
        let v = if quoted {
            Span::new(at + 1, at + len - 1)
        } else {
            Span::new(at, at + len)
        };
        let value = String::from_utf8_lossy(d.text(v)).into_owned();
        // Speed in JSON is metres per second: in knots, m/s × 3600 / 1852.
        one(d, key, &value, whole, v, pos, 3600.0 / 1852.0);
    }
}
