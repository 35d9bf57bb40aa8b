//! The alternative sentence, ending with `*`:
//! `imei:<IMEI>,<name>,<event|--->,<sensor id|--->,<sensor V|--->,<hhmmss>,<ddmmyy>,<RSSI>,
//! <GPS 0/1>,<lat>,<lon>,<km/h>,<course>,<altitude>,<HDOP>,<satellites>,<ignition>,<charging>,
//! <error|--->,*`, and its short form `imei:<IMEI>,L,*` with no position.

use super::ctx::{Ctx, Fields};
use super::fields as F;
use super::firmware as fw;
use super::values;
use crate::protocol::{Fix, Kind, Span, Value};

/// Decodes an alternative sentence.
pub fn decode(ctx: &mut Ctx<'_, '_, '_>, f: &Fields) {
    ctx.msg.kind = Kind::Report;
    let tag = fw::ALT_SENTENCE.bit;
    if f.len() <= 3 && f.get(1).is_some_and(|s| ctx.text(s) == b"L") {
        if let Some(s) = f.get(1) {
            ctx.tagged(&F::ALT_SHORT, s, Value::Enum("no position"), tag);
        }
        ctx.extras(f, 2);
        return;
    }
    let get = |i: usize| f.get(i).unwrap_or_default();
    let none = |t: &[u8]| t.is_empty() || t.iter().all(|&c| c == b'-');
    ctx.tagged(&F::ALT_NAME, get(1), Value::Raw, tag);
    let ev = get(2);
    if none(ctx.text(ev)) {
        ctx.add(&F::ALT_EVENT, ev, Value::Enum("none"));
    } else {
        ctx.add(&F::ALT_EVENT, ev, Value::Raw);
        ctx.msg.keyword = Some(ev);
        ctx.msg.keyword_meaning = Some("event");
    }
    for (i, def) in [(3, &F::ALT_SENSOR_ID), (4, &F::ALT_SENSOR_V)] {
        let s = get(i);
        if none(ctx.text(s)) {
            ctx.add(def, s, Value::Enum("none"));
        } else if i == 4 {
            ctx.number(def, s, 0);
        } else {
            ctx.add(def, s, Value::Raw);
        }
    }
    let time = alt_time(ctx, get(5), get(6));
    ctx.number(&F::ALT_RSSI, get(7), 0);
    let gps = get(8);
    let valid = match ctx.text(gps) {
        b"1" => {
            ctx.add(&F::ALT_GPS, gps, Value::Enum("valid fix"));
            true
        }
        b"0" => {
            ctx.add(&F::ALT_GPS, gps, Value::Enum("no valid fix"));
            false
        }
        _ => {
            ctx.add(&F::ALT_GPS, gps, Value::Raw);
            ctx.error(
                "fix.validity",
                "GPS status must be 0 or 1",
                gps,
                &F::ALT_GPS,
            );
            false
        }
    };
    let lat = decimal_coord(ctx, get(9), &F::ALT_LAT, true);
    let lon = decimal_coord(ctx, get(10), &F::ALT_LON, false);
    let speed = ctx.number(&F::ALT_SPEED, get(11), 0);
    let course = ctx.number(&F::ALT_COURSE, get(12), 0);
    ctx.msg.vitals.altitude = ctx.number(&F::ALT_ALTITUDE, get(13), 0).map(|v| v as f32);
    ctx.number(&F::ALT_HDOP, get(14), 0);
    ctx.number(&F::ALT_SATS, get(15), 0);
    for (i, def, on, off) in [
        (16, &F::ALT_IGNITION, "on", "off"),
        (17, &F::ALT_CHARGING, "charging", "not charging"),
    ] {
        let s = get(i);
        match ctx.text(s) {
            b"1" => ctx.add(def, s, Value::Enum(on)),
            b"0" => ctx.add(def, s, Value::Enum(off)),
            b"" => {}
            _ => ctx.add(def, s, Value::Raw),
        }
        if i == 16 && !s.is_empty() {
            ctx.msg.vitals.acc = Some(ctx.text(s) == b"1");
        }
    }
    let err = get(18);
    if !err.is_empty() {
        let v = if none(ctx.text(err)) {
            Value::Enum("none")
        } else {
            Value::Raw
        };
        ctx.add(&F::ALT_ERROR, err, v);
    }
    if f.len() < 19 {
        let m = format!(
            "the alternative sentence has {} fields, 19 expected",
            f.len()
        );
        ctx.warn("fields.count", m, Span::new(0, 0), &F::ALT_NAME);
    }
    ctx.extras(f, 19);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        ctx.msg.fix = Some(Fix {
            time,
            valid,
            lat,
            lon,
            speed_kmh: speed.map(|v| v as f32),
            course: course.map(|v| v as f32),
        });
    }
}

fn alt_time(ctx: &mut Ctx<'_, '_, '_>, t: Span, d: Span) -> Option<i64> {
    let (tt, dt) = (ctx.text(t), ctx.text(d));
    if !(tt.len() == 6 && values::all_digits(tt) && dt.len() == 6 && values::all_digits(dt)) {
        ctx.add(&F::ALT_TIME, t, Value::Raw);
        ctx.add(&F::ALT_DATE, d, Value::Raw);
        ctx.error(
            "time.format",
            "time must be hhmmss and date ddmmyy",
            t.join(d),
            &F::ALT_TIME,
        );
        return None;
    }
    let p = |b: &[u8], i: usize| b.get(i..i + 2).map_or(0, values::digits_value);
    ctx.add(&F::ALT_TIME, t, Value::Raw);
    ctx.add(&F::ALT_DATE, d, Value::Raw);
    match values::calendar(
        2000 + p(dt, 4) as i32,
        p(dt, 2),
        p(dt, 0),
        p(tt, 0),
        p(tt, 2),
        p(tt, 4),
        0,
    ) {
        Ok(v) => {
            let ms = values::millis(v);
            ctx.b
                .derived(&F::ALT_FIX_TIME, t.join(d), Value::UtcTime(ms));
            Some(ms)
        }
        Err((code, m)) => {
            ctx.error(code, m, t.join(d), &F::ALT_TIME);
            None
        }
    }
}

fn decimal_coord(
    ctx: &mut Ctx<'_, '_, '_>,
    s: Span,
    def: &'static crate::protocol::FieldDef,
    is_lat: bool,
) -> Option<f64> {
    let t = ctx.text(s);
    if t.is_empty() {
        return None;
    }
    let Some(v) = values::parse_decimal(t) else {
        ctx.add(def, s, Value::Raw);
        ctx.error(
            "coord.format",
            format!("{} must be decimal degrees", def.label),
            s,
            def,
        );
        return None;
    };
    ctx.add(def, s, Value::Coord(v));
    let m = |limit| format!("{} {v}° is beyond ±{limit}°", def.label);
    ctx.coord_in_range(is_lat, v.abs(), s, def, m).then_some(v)
}
