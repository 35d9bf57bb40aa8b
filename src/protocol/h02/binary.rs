//! Decoding of an H02 binary record (first byte `24`, `$`), all BCD:
//!
//! ```text
//! 24 | id (5 bytes, 10 digits; 8 bytes in 42-byte records, the IMEI's 15 digits first)
//!    | hh mm ss | dd mm yy | lat ddmm.mmmm (4) | battery (1) | lon dddmm.mmmm + flags (5)
//!    | speed (3 digits, knots) + course (3 digits) | status (4) | extension ...
//! ```
//!
//! The flags nibble: `2` valid fix, `4` north, `8` east (a clear bit means south / west).

use super::fields::*;
use crate::protocol::kit::{self, Dec};
use crate::protocol::{Builder, Imei, Kind, Message, Span, Value};

/// The decimal digits of BCD bytes (`None` when a nibble is over 9).
fn digits(b: &[u8]) -> Option<u64> {
    b.iter().try_fold(0u64, |acc, &x| {
        let (h, l) = (u64::from(x >> 4), u64::from(x & 0x0f));
        (h < 10 && l < 10).then(|| acc.saturating_mul(100).saturating_add(h * 10 + l))
    })
}

/// `dd[d]mmmmmm` (degrees, then minutes with four decimals) as degrees.
fn minutes_bcd(v: u64) -> f64 {
    (v / 1_000_000) as f64 + (v % 1_000_000) as f64 / 10_000.0 / 60.0
}

/// Decodes one record.
pub fn decode(frame: &[u8], b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let id_len = if frame.len() == 42 { 8 } else { 5 };
    let o = 1 + id_len;
    if frame.len() < o + 24 {
        d.junk(
            &JUNK,
            "h02.short",
            format!(
                "a binary record is at least 32 bytes, this one {}",
                frame.len()
            ),
        );
        return d.msg;
    }
    let span = |a: usize, n: usize| Span::new(a, a + n);
    let id_s = span(1, id_len);
    let id_text = match digits(d.text(id_s)) {
        Some(v) if id_len == 8 => format!("{v:016}").get(..15).map(str::to_string),
        Some(v) => Some(format!("{v:010}")),
        None => None,
    };
    d.msg.imei = id_text.as_deref().and_then(|t| Imei::new(t.as_bytes()));
    let id_value = id_text
        .as_deref()
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(0);
    d.add(&IMEI, id_s, Value::Int(id_value));
    if d.msg.imei.is_none() {
        d.error("h02.bcd", "the device id is not BCD digits", id_s, &IMEI);
    }
    d.msg.kind = Kind::Report;
    d.msg.event = Some("binary position");
    let (time_s, date_s) = (span(o, 3), span(o + 3, 3));
    let t = digits(d.text(time_s)).unwrap_or(999_999);
    let dt = digits(d.text(date_s)).unwrap_or(0);
    let (hh, mm, ss) = (
        (t / 10_000) as u32,
        (t / 100 % 100) as u32,
        (t % 100) as u32,
    );
    let (dd, mo, yy) = (
        (dt / 10_000) as u32,
        (dt / 100 % 100) as u32,
        (dt % 100) as u32,
    );
    d.add(
        &TIME,
        time_s,
        Value::TimeOfDay((hh * 3600 + mm * 60 + ss) * 1000),
    );
    d.add(&DATE, date_s, Value::Int(dt as i64));
    let time = kit::utc_ms(yy, mo, dd, hh, mm, ss);
    match time {
        Some(ms) => {
            d.b.derived(&FIX_TIME, time_s.join(date_s), Value::UtcTime(ms))
        }
        None => d.error(
            "h02.time",
            "the BCD time and date are not a valid date",
            time_s.join(date_s),
            &FIX_TIME,
        ),
    }
    let lat_s = span(o + 6, 4);
    let bat_s = span(o + 10, 1);
    let lon_s = span(o + 11, 5);
    let flags = d.text(lon_s).last().map_or(0, |x| x & 0x0f);
    let lon_b = d.text(lon_s);
    let lat = digits(d.text(lat_s)).map(minutes_bcd);
    // Nine digits and the flags nibble.
    let lon = digits(lon_b.get(..4).unwrap_or(&[]))
        .zip(lon_b.get(4).map(|x| u64::from(x >> 4)).filter(|&n| n < 10))
        .map(|(v, n)| minutes_bcd(v * 10 + n));
    let lat = lat.map(|v| if flags & 4 == 0 { -v } else { v });
    let lon = lon.map(|v| if flags & 8 == 0 { -v } else { v });
    let valid = flags & 2 != 0;
    for (def, s, v) in [(&LATITUDE, lat_s, lat), (&LONGITUDE, lon_s, lon)] {
        match v {
            Some(c) if c.abs() <= 180.0 => d.add(def, s, Value::Coord(c)),
            _ => {
                d.raw(def, s);
                d.error("h02.coordinate", "not a BCD coordinate", s, def);
            }
        }
    }
    d.add(
        &BATTERY,
        bat_s,
        Value::Int(i64::from(d.text(bat_s).first().copied().unwrap_or(0))),
    );
    d.add(
        &FLAGS,
        span(o + 15, 1),
        Value::Enum(if valid {
            "valid fix"
        } else {
            "last known position"
        }),
    );
    let sc_s = span(o + 16, 3);
    let sc = d.text(sc_s);
    let (s0, s1, s2) = (
        sc.first().copied().unwrap_or(0),
        sc.get(1).copied().unwrap_or(0),
        sc.get(2).copied().unwrap_or(0),
    );
    let speed = digits(&[s0]).map(|v| v * 10 + u64::from(s1 >> 4));
    let course = digits(&[s2]).map(|v| u32::from(s1 & 0x0f) * 100 + v as u32);
    if let Some(v) = speed {
        d.add(&SPEED, sc_s, Value::Num(v as f64));
    }
    if let Some(c) = course {
        d.add(&COURSE, sc_s, Value::Num(f64::from(c)));
    }
    d.add(
        &STATUS,
        span(o + 19, 4),
        Value::Int(i64::from(u32::from_be_bytes(
            d.text(span(o + 19, 4)).try_into().unwrap_or([0; 4]),
        ))),
    );
    if frame.len() > o + 23 {
        let s = Span::new(o + 23, frame.len());
        d.add(&EXTRA, s, Value::Blob(s.len() as u32));
    }
    d.fix(
        lat.zip(lon),
        time,
        valid,
        speed.map(|v| kit::knots_to_kmh(v as f64)),
        course.map(|c| c as f32),
    );
    d.msg
}
