//! The report sentence: `imei:<IMEI>,<keyword>,<local time>,<field 3>,<F|L>,<rest...>`.
//!
//! The fixed part is positional. The optional tail after speed and course (altitude, ACC,
//! door, fuel 1, fuel 2, temperature) differs between firmware generations: some omit slots,
//! some carry a trouble code in one. It is read by fitting each value to the next slot whose
//! type it matches, so a firmware that drops a slot still decodes, and a value that fits no
//! slot is kept as an extra field with a warning instead of being mislabelled.

use chrono::NaiveDateTime;

use super::ctx::{Ctx, Fields};
use super::fields as F;
use super::firmware as fw;
use super::keywords::{Keyword, classify};
use super::values::{self, CoordError, LocalTime, TimeForm, UtcTime};
use crate::protocol::{Fix, Kind, Severity, Span, Tags, Value};

/// Decodes a report; `f` holds the sentence's fields (`f[0]` is `imei:...`).
pub fn decode(ctx: &mut Ctx<'_, '_, '_>, f: &Fields) {
    ctx.msg.kind = Kind::Report;
    if let Some(s) = f.get(1) {
        keyword(ctx, s);
    }
    let local = f.get(2).and_then(|s| local_time(ctx, s));
    if let Some(s) = f.get(3) {
        field3(ctx, s);
    }
    let Some(flag) = f.get(4) else {
        let at = f
            .get(f.len().saturating_sub(1))
            .map_or(Span::default(), |s| {
                Span::new(s.end as usize, s.end as usize)
            });
        let m = format!(
            "the report ends after {} field(s); F or L and the position are missing",
            f.len()
        );
        ctx.warn("fields.count", m, at, &F::GPS_FLAG);
        return;
    };
    match ctx.text(flag) {
        b"F" => {
            ctx.add(&F::GPS_FLAG, flag, Value::Enum("GNSS fix follows"));
            fix(
                ctx,
                f,
                local.map(|(dt, _)| (dt, local.map_or(Span::default(), |(_, s)| s))),
            );
        }
        b"L" => {
            ctx.add(&F::GPS_FLAG, flag, Value::Enum("no fix: cell data follows"));
            cell(ctx, f);
        }
        _ => {
            ctx.add(&F::GPS_FLAG, flag, Value::Raw);
            let m = format!("position source must be F or L, got '{}'", ctx.str(flag));
            ctx.error("report.gps_flag", m, flag, &F::GPS_FLAG);
            ctx.extras(f, 5);
        }
    }
}

fn keyword(ctx: &mut Ctx<'_, '_, '_>, s: Span) -> Keyword {
    let k = classify(ctx.text(s));
    ctx.msg.keyword = Some(s);
    ctx.msg.keyword_meaning = Some(k.meaning());
    ctx.msg.alarm = k.is_alarm();
    let tags = if k == Keyword::Empty {
        fw::EMPTY_KEYWORD.bit
    } else {
        0
    };
    ctx.tagged(&F::KEYWORD, s, Value::Enum(k.meaning()), tags);
    ctx.b.open();
    if k.is_alarm() {
        ctx.b.derived(&F::ALARM, s, Value::Enum(k.meaning()));
    }
    match k {
        Keyword::Temperature(v) | Keyword::Oil(v) => {
            if let Some(v) = v {
                ctx.b.derived(&F::KEYWORD_VALUE, s, Value::Num(v));
                if matches!(k, Keyword::Temperature(_)) {
                    ctx.msg.vitals.temperature = Some(v as f32);
                } else {
                    ctx.msg.vitals.fuel = Some(v as f32);
                }
            } else if matches!(k, Keyword::Temperature(_)) {
                ctx.warn(
                    "keyword.value",
                    "temperature alarm without a readable value",
                    s,
                    &F::KEYWORD,
                );
            }
        }
        Keyword::PhotoStart(n) | Keyword::Numbered(n) => {
            ctx.b
                .derived(&F::KEYWORD_VALUE, s, Value::Int(i64::from(n)))
        }
        Keyword::Known { meaning, .. } if meaning.starts_with("ignition o") => {
            ctx.msg.vitals.acc = Some(meaning == "ignition on");
        }
        Keyword::Unknown => {
            let m = format!(
                "unknown keyword '{}': an event this analyzer does not know, shown as sent",
                ctx.str(s)
            );
            ctx.warn("keyword.unknown", m, s, &F::KEYWORD);
        }
        _ => {}
    }
    ctx.b.close();
    k
}

fn local_time(ctx: &mut Ctx<'_, '_, '_>, s: Span) -> Option<(NaiveDateTime, Span)> {
    let f = &F::LOCAL_TIME;
    match values::parse_local_time(ctx.text(s)) {
        LocalTime::Valid(dt, form) => {
            let tag = match form {
                TimeForm::Ten => fw::TEN_DIGIT_TIME.bit,
                TimeForm::Twelve => fw::TIME12.bit,
                TimeForm::Slash => fw::SLASH_TIME.bit,
            };
            let ms = values::millis(dt);
            ctx.tagged(f, s, Value::LocalTime(ms), tag);
            ctx.msg.vitals.local_time = Some(ms);
            return Some((dt, s));
        }
        LocalTime::Unset => {
            ctx.add(f, s, Value::Raw);
            ctx.warn(
                "time.unset",
                "the device clock is not set (zeros): report times cannot be trusted",
                s,
                f,
            );
        }
        LocalTime::Missing => {
            ctx.diag(
                Severity::Info,
                "time.missing",
                "the report carries no local time",
                s,
                f,
            );
        }
        LocalTime::OutOfRange(code, m) => {
            ctx.add(f, s, Value::Raw);
            ctx.error(code, format!("local time '{}': {m}", ctx.str(s)), s, f);
        }
        LocalTime::Unknown => {
            ctx.add(f, s, Value::Raw);
            let m = format!(
                "local time '{}' is in no known form (YYMMDDhhmm, YYMMDDhhmmss, YY/MM/DD hh:mm): clock unset or garbage",
                ctx.str(s)
            );
            ctx.warn("time.format", m, s, f);
        }
    }
    None
}

fn field3(ctx: &mut Ctx<'_, '_, '_>, s: Span) {
    let t = ctx.text(s);
    if t.is_empty() {
        return;
    }
    let is_rfid = ctx
        .msg
        .keyword
        .is_some_and(|k| ctx.text(k).eq_ignore_ascii_case(b"rfid"));
    if is_rfid {
        ctx.add(&F::RFID, s, Value::Raw);
    } else if t.ends_with(b"%") {
        if let Some(v) = ctx.number(&F::BATTERY, s, fw::BATTERY.bit) {
            ctx.msg.vitals.battery = Some(v as f32);
            if !(0.0..=100.0).contains(&v) {
                ctx.warn(
                    "battery.range",
                    "battery level outside 0-100%",
                    s,
                    &F::BATTERY,
                );
            }
        }
    } else if t
        .iter()
        .all(|c| c.is_ascii_digit() || *c == b' ' || *c == b'+')
    {
        ctx.add(&F::PHONE, s, Value::Raw);
    } else if let Some(v) = values::parse_decimal(t) {
        ctx.tagged(&F::FIELD3, s, Value::Num(v), fw::FIELD3_NUMBER.bit);
    } else {
        ctx.add(&F::PHONE, s, Value::Raw);
    }
}

/// The F branch: UTC time, validity, coordinates, speed, course and the tail.
fn fix(ctx: &mut Ctx<'_, '_, '_>, f: &Fields, local: Option<(NaiveDateTime, Span)>) {
    let r = |k: usize| f.get(5 + k);
    let utc = r(0).and_then(|s| utc_time(ctx, s, local));
    let valid = match r(1) {
        Some(s) => match ctx.text(s) {
            b"A" => {
                ctx.add(&F::VALIDITY, s, Value::Enum("valid fix"));
                true
            }
            b"V" => {
                ctx.add(
                    &F::VALIDITY,
                    s,
                    Value::Enum("invalid fix: last known position"),
                );
                false
            }
            _ => {
                ctx.add(&F::VALIDITY, s, Value::Raw);
                let m = format!("fix validity must be A or V, got '{}'", ctx.str(s));
                ctx.error("fix.validity", m, s, &F::VALIDITY);
                false
            }
        },
        None => false,
    };
    let frame = ctx.frame;
    let is_letter = |s: Option<Span>| {
        s.is_some_and(|s| {
            s.len() == 1 && s.slice(frame).first().is_some_and(u8::is_ascii_alphabetic)
        })
    };
    let mut k = 2;
    let (lat, lon);
    if is_letter(r(2)) && r(3).is_some_and(|s| !is_letter(Some(s))) {
        // Prefix form: N,ddmm.mmmm,E,dddmm.mmmm
        lat = coord(ctx, r(3), r(2), true, fw::PREFIX_HEMISPHERE.bit);
        lon = coord(ctx, r(5), r(4), false, fw::PREFIX_HEMISPHERE.bit);
        k = 6;
    } else {
        // Suffix form: a value at `k`, then its hemisphere letter when the next field is one
        // (or empty); `k` moves past what was read.
        let value_and_hemisphere = |k: &mut usize| {
            let v = r(*k);
            *k += 1;
            let h = r(*k).filter(|&s| s.is_empty() || is_letter(Some(s)));
            if h.is_some() {
                *k += 1;
            }
            (v, h)
        };
        let (lat_s, lat_h) = value_and_hemisphere(&mut k);
        lat = coord(ctx, lat_s, lat_h, true, 0);
        let (lon_s, lon_h) = value_and_hemisphere(&mut k);
        lon = coord(ctx, lon_s, lon_h, false, 0);
    }
    let (speed, course) = motion(ctx, f, 5 + k);
    tail(ctx, f, 5 + k + 2);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        ctx.msg.fix = Some(Fix {
            time: utc,
            valid,
            lat,
            lon,
            speed_kmh: speed,
            course,
        });
    }
}

fn utc_time(
    ctx: &mut Ctx<'_, '_, '_>,
    s: Span,
    local: Option<(NaiveDateTime, Span)>,
) -> Option<i64> {
    let f = &F::UTC_TIME;
    let tod = match values::parse_utc_time(ctx.text(s)) {
        UtcTime::Valid(t, no_ms) => {
            let tags = if no_ms { fw::UTC_HHMMSS.bit } else { 0 };
            let ms = chrono::Timelike::num_seconds_from_midnight(&t) * 1000
                + chrono::Timelike::nanosecond(&t) / 1_000_000;
            ctx.tagged(f, s, Value::TimeOfDay(ms), tags);
            t
        }
        UtcTime::Missing => {
            ctx.warn("fix.utc_missing", "the fix has no UTC time", s, f);
            return None;
        }
        UtcTime::Junk => {
            ctx.tagged(f, s, Value::Raw, fw::JUNK_UTC.bit);
            let m = format!(
                "UTC time '{}' is not hhmmss: this firmware sends junk here, the fix time is unknown",
                ctx.str(s)
            );
            ctx.warn("fix.utc_junk", m, s, f);
            return None;
        }
        UtcTime::OutOfRange(code, m) => {
            ctx.add(f, s, Value::Raw);
            ctx.error(code, format!("UTC time '{}': {m}", ctx.str(s)), s, f);
            return None;
        }
        UtcTime::Bad => {
            ctx.add(f, s, Value::Raw);
            let m = format!("UTC time must be hhmmss[.sss], got '{}'", ctx.str(s));
            ctx.error("number.parse", m, s, f);
            return None;
        }
    };
    let (local, local_span) = local?;
    let (utc, offset) = values::derive_utc(local, tod);
    let ms = values::millis(utc);
    let both = s.join(local_span);
    ctx.b.open();
    ctx.b.derived(&F::FIX_TIME, both, Value::UtcTime(ms));
    ctx.b.derived(&F::TZ_OFFSET, both, Value::Offset(offset));
    ctx.b.close();
    ctx.msg.vitals.tz_offset = Some(offset);
    let drift = ((local - utc).num_seconds() - i64::from(offset)).abs();
    if drift > 300 {
        let m = format!(
            "report time and fix time differ by {} min beyond the zone offset {}: a stale fix or a drifting clock",
            drift / 60,
            crate::present::time::fmt_zone(offset)
        );
        ctx.diag(Severity::Info, "time.drift", m, both, &F::FIX_TIME);
    }
    Some(ms)
}

/// Reads a coordinate and its hemisphere letter; returns signed decimal degrees.
fn coord(
    ctx: &mut Ctx<'_, '_, '_>,
    s: Option<Span>,
    hemi: Option<Span>,
    is_lat: bool,
    tags: Tags,
) -> Option<f64> {
    let field = if is_lat { &F::LATITUDE } else { &F::LONGITUDE };
    let name = if is_lat { "latitude" } else { "longitude" };
    let s = match s {
        Some(s) if !s.is_empty() => s,
        other => {
            let at = other.unwrap_or_default();
            ctx.warn("coord.missing", format!("the fix has no {name}"), at, field);
            return None;
        }
    };
    // The hemisphere letter signs the value; its node goes where its bytes are.
    let (pos, neg) = if is_lat { (b'N', b'S') } else { (b'E', b'W') };
    let prefix = tags & fw::PREFIX_HEMISPHERE.bit != 0;
    let hemi_text = hemi.map(|h| ctx.text(h));
    let sign = if hemi_text == Some(&[neg][..]) {
        -1.0
    } else {
        1.0
    };
    let hemi_ok = hemi_text.is_none_or(|t| t.is_empty() || t == [pos] || t == [neg]);
    if prefix {
        hemisphere(ctx, hemi, s, is_lat, tags);
    }
    let v = coord_value(ctx, s, field, is_lat, tags, sign);
    if !prefix {
        hemisphere(ctx, hemi, s, is_lat, tags);
    }
    v.filter(|_| hemi_ok)
}

fn hemisphere(ctx: &mut Ctx<'_, '_, '_>, hemi: Option<Span>, s: Span, is_lat: bool, tags: Tags) {
    let (hfield, name) = if is_lat {
        (&F::LAT_HEMI, "latitude")
    } else {
        (&F::LON_HEMI, "longitude")
    };
    let (pos, neg) = if is_lat { (b'N', b'S') } else { (b'E', b'W') };
    match hemi.map(|h| (h, ctx.text(h))) {
        Some((h, t)) if t == [pos] || t == [neg] => {
            let meaning = match t.first() {
                Some(b'N') => "north",
                Some(b'S') => "south",
                Some(b'E') => "east",
                _ => "west",
            };
            ctx.tagged(hfield, h, Value::Enum(meaning), tags);
        }
        Some((h, t)) if !t.is_empty() => {
            ctx.add(hfield, h, Value::Raw);
            let m = format!(
                "hemisphere must be {} or {}, got '{}'",
                pos as char,
                neg as char,
                ctx.str(h)
            );
            ctx.error("coord.hemisphere", m, h, hfield);
        }
        other => {
            let at = other.map_or(Span::new(s.end as usize, s.end as usize), |(h, _)| h);
            let dir = if is_lat { "north" } else { "east" };
            let m = format!(
                "no {}/{} letter after the {name}: assumed {dir}",
                pos as char, neg as char
            );
            ctx.warn("coord.hemisphere_missing", m, at, hfield);
        }
    }
}

fn coord_value(
    ctx: &mut Ctx<'_, '_, '_>,
    s: Span,
    field: &'static crate::protocol::FieldDef,
    is_lat: bool,
    tags: Tags,
    sign: f64,
) -> Option<f64> {
    let name = if is_lat { "latitude" } else { "longitude" };
    let c = match values::parse_ddmm(ctx.text(s)) {
        Ok(c) => c,
        Err(e) => {
            ctx.add(field, s, Value::Raw);
            let (code, m) = match e {
                CoordError::Format => (
                    "coord.format",
                    format!("{name} must be ddmm.mmmm, got '{}'", ctx.str(s)),
                ),
                CoordError::Minutes => (
                    "coord.minutes_range",
                    format!("{name} '{}': minutes must be below 60", ctx.str(s)),
                ),
            };
            ctx.error(code, m, s, field);
            return None;
        }
    };
    let mut t = tags;
    if c.decimals == 5 {
        t |= fw::COORD5.bit;
    }
    if (is_lat && c.int_digits == 3) || (!is_lat && c.int_digits == 4) {
        t |= fw::LON_SHORT.bit;
    }
    let v = sign * c.degrees;
    ctx.tagged(field, s, Value::Coord(v), t);
    let m = |limit| format!("{name} {:.5}° is beyond {limit}°", c.degrees);
    ctx.coord_in_range(is_lat, c.degrees, s, field, m)
        .then_some(v)
}

/// Speed (knots, with a derived km/h) and course at field `i`, `i + 1`.
fn motion(ctx: &mut Ctx<'_, '_, '_>, f: &Fields, i: usize) -> (Option<f32>, Option<f32>) {
    let mut speed = None;
    if let Some(s) = f.get(i)
        && let Some(kn) = ctx.number(&F::SPEED, s, 0)
    {
        let kmh = kn * 1.852;
        ctx.b.open();
        ctx.b.derived(&F::SPEED_KMH, s, Value::Num(kmh));
        ctx.b.close();
        speed = Some(kmh as f32);
        if kn < 0.0 {
            ctx.error("speed.range", "speed cannot be negative", s, &F::SPEED);
        }
    }
    let mut course = None;
    if let Some(s) = f.get(i + 1)
        && let Some(c) = ctx.number(&F::COURSE, s, 0)
    {
        course = Some(c as f32);
        if !(0.0..=360.0).contains(&c) {
            ctx.warn("course.range", "course outside 0-360°", s, &F::COURSE);
        }
    }
    (speed, course)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Altitude,
    Acc,
    Door,
    Fuel1,
    Fuel2,
    Temperature,
}

const SLOTS: [Slot; 6] = [
    Slot::Altitude,
    Slot::Acc,
    Slot::Door,
    Slot::Fuel1,
    Slot::Fuel2,
    Slot::Temperature,
];

fn is_dtc(t: &[u8]) -> bool {
    t.len() == 5
        && matches!(t.first(), Some(b'P' | b'C' | b'B' | b'U'))
        && t.iter().skip(1).all(u8::is_ascii_hexdigit)
}

fn fits(slot: Slot, t: &[u8]) -> bool {
    if t.is_empty() {
        return true;
    }
    let num = |b: &[u8]| values::parse_decimal(b).is_some();
    match slot {
        Slot::Altitude | Slot::Temperature => num(t),
        Slot::Acc | Slot::Door => t == b"0" || t == b"1",
        Slot::Fuel1 => num(t.strip_suffix(b"%").unwrap_or(t)),
        Slot::Fuel2 => t == b"%" || num(t.strip_suffix(b"%").unwrap_or(t)),
    }
}

/// The optional tail: altitude, ACC, door, fuel 1, fuel 2 (or odometer), temperature.
fn tail(ctx: &mut Ctx<'_, '_, '_>, f: &Fields, from: usize) {
    let mut j = 0;
    let mut extra_from = None;
    for i in from..f.len() {
        let Some(s) = f.get(i) else { break };
        let t = ctx.text(s);
        if is_dtc(t) {
            ctx.tagged(&F::DTC, s, Value::Raw, fw::DTC_SLOT.bit);
            j += 1;
            continue;
        }
        let target = (j..SLOTS.len()).find(|&k| SLOTS.get(k).is_some_and(|&sl| fits(sl, t)));
        let Some(k) = target else {
            if t.is_empty() {
                j += 1;
                continue;
            }
            extra_from = Some(i);
            break;
        };
        j = k + 1;
        if t.is_empty() {
            continue;
        }
        let Some(&slot) = SLOTS.get(k) else { break };
        slot_value(ctx, slot, s, t);
    }
    if let Some(i) = extra_from {
        ctx.extras(f, i);
    }
}

fn slot_value(ctx: &mut Ctx<'_, '_, '_>, slot: Slot, s: Span, t: &[u8]) {
    match slot {
        Slot::Altitude => {
            ctx.msg.vitals.altitude = ctx
                .number(&F::ALTITUDE, s, fw::ALTITUDE.bit)
                .map(|v| v as f32);
        }
        Slot::Acc => {
            let on = t == b"1";
            ctx.tagged(
                &F::ACC,
                s,
                Value::Enum(if on { "on" } else { "off" }),
                fw::ACC.bit,
            );
            ctx.msg.vitals.acc = Some(on);
        }
        Slot::Door => {
            ctx.tagged(
                &F::DOOR,
                s,
                Value::Enum(if t == b"1" { "open" } else { "closed" }),
                fw::DOOR.bit,
            );
        }
        Slot::Fuel1 => {
            ctx.msg.vitals.fuel = ctx.number(&F::FUEL1, s, fw::FUEL.bit).map(|v| v as f32);
        }
        Slot::Fuel2 => {
            if t == b"%" {
                ctx.tagged(&F::FUEL2, s, Value::Raw, fw::FUEL.bit);
            } else {
                ctx.number(&F::FUEL2, s, fw::FUEL.bit);
            }
        }
        Slot::Temperature => {
            ctx.msg.vitals.temperature = ctx
                .number(&F::TEMPERATURE, s, fw::TEMPERATURE.bit)
                .map(|v| v as f32);
        }
    }
}

/// The L branch: `,,<LAC hex>,,<CID hex>,` in the coordinate slots, then the same tail.
fn cell(ctx: &mut Ctx<'_, '_, '_>, f: &Fields) {
    for (k, def) in [(2, &F::LAC), (4, &F::CID)] {
        let Some(s) = f.get(5 + k) else { continue };
        let t = ctx.text(s);
        if t.is_empty() {
            continue;
        }
        match std::str::from_utf8(t)
            .ok()
            .and_then(|x| i64::from_str_radix(x, 16).ok())
        {
            Some(v) if t.len() <= 8 => ctx.add(def, s, Value::Int(v)),
            _ => {
                ctx.add(def, s, Value::Raw);
                let m = format!("{} must be hexadecimal, got '{}'", def.label, ctx.str(s));
                ctx.error("cell.hex", m, s, def);
            }
        }
    }
    for k in [0, 1, 3, 5] {
        if let Some(s) = f.get(5 + k)
            && !s.is_empty()
        {
            ctx.add(&F::EXTRA, s, Value::Raw);
        }
    }
    motion(ctx, f, 5 + 5 + 1);
    tail(ctx, f, 5 + 5 + 3);
}
