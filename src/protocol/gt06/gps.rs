//! The building blocks most GT06 messages share: date-time, the GPS block, cells (LBS),
//! Wi-Fi access points, and the terminal status bytes.

use chrono::NaiveDate;

use super::ctx::Ctx;
use super::fields as F;
use super::values;
use crate::protocol::{Fix, Span, Value};

/// Wire units per degree of latitude or longitude.
pub const UNITS_PER_DEGREE: f64 = 1_800_000.0;

/// Milliseconds since the epoch of a date-time `YY MM DD hh mm ss` (years from 2000).
pub fn datetime_ms(p: [u8; 6]) -> Option<i64> {
    let [y, mo, d, h, mi, s] = p;
    let date = NaiveDate::from_ymd_opt(2000 + i32::from(y), u32::from(mo), u32::from(d))?;
    let t = date.and_hms_opt(u32::from(h), u32::from(mi), u32::from(s))?;
    Some(t.and_utc().timestamp_millis())
}

fn bcd(b: u8) -> Option<u8> {
    let (hi, lo) = (b >> 4, b & 0x0f);
    (hi < 10 && lo < 10).then_some(hi * 10 + lo)
}

/// Reads 6 bytes of date-time (binary, or BCD when `bcd_digits`) as a node of `def`; a
/// warning `gt06.date_range` when they are not a date.
pub fn time(
    ctx: &mut Ctx<'_, '_, '_>,
    def: &'static crate::protocol::FieldDef,
    bcd_digits: bool,
) -> Option<i64> {
    let s = ctx.take(6, def)?;
    let b = ctx.bytes(s);
    let mut p = [0u8; 6];
    for (slot, &v) in p.iter_mut().zip(b) {
        *slot = if bcd_digits {
            bcd(v).unwrap_or(0xff)
        } else {
            v
        };
    }
    match datetime_ms(p) {
        Some(ms) => {
            ctx.add(def, s, Value::UtcTime(ms));
            Some(ms)
        }
        None => {
            ctx.add(def, s, Value::Raw);
            let m = if b.iter().all(|&v| v == 0) {
                "the date-time is all zeros: the unit's clock is not set (no GPS time yet)"
                    .to_string()
            } else {
                format!(
                    "the date-time {} is not a date (YY MM DD hh mm ss)",
                    crate::protocol::hex(b)
                )
            };
            ctx.warn("gt06.date_range", m, s, def);
            None
        }
    }
}

/// The GPS block (18 bytes): time, info length and satellites, latitude, longitude, speed,
/// course and status. Sets `msg.fix` when the position is in range.
pub fn block(ctx: &mut Ctx<'_, '_, '_>) {
    group(ctx, 18, true);
}

/// The GPS block without satellites and speed (16 bytes, JC100 alarms).
pub fn block_lite(ctx: &mut Ctx<'_, '_, '_>) {
    group(ctx, 16, false);
}

/// The GPS block of `len` bytes (fewer when the content ends first) as a group, with or
/// without satellites and speed.
fn group(ctx: &mut Ctx<'_, '_, '_>, len: usize, full: bool) {
    let start = ctx.at;
    let n = ctx.left().min(len);
    ctx.group(&F::GPS, Span::new(start, start + n));
    gps_fields(ctx, full);
    ctx.close();
}

fn gps_fields(ctx: &mut Ctx<'_, '_, '_>, full: bool) {
    let t = time(ctx, &F::GPS_TIME, false);
    if full {
        let Some(s) = ctx.take(1, &F::GPS_INFO_LEN) else {
            return;
        };
        let v = ctx.uint(s);
        ctx.add(&F::GPS_INFO_LEN, s, Value::Int((v >> 4) as i64));
        ctx.add(&F::GPS_SATS, s, Value::Int((v & 0x0f) as i64));
    }
    let Some(lat_s) = ctx.take(4, &F::GPS_LAT) else {
        return;
    };
    let Some(lon_s) = ctx.take(4, &F::GPS_LON) else {
        return;
    };
    let speed = if full {
        let Some((_, speed)) = ctx.int(&F::GPS_SPEED, 1) else {
            return;
        };
        Some(speed as f32)
    } else {
        None
    };
    let Some(cs) = ctx.take(2, &F::GPS_COURSE_STATUS) else {
        return;
    };
    let word = ctx.uint(cs);
    let bit = |n: u32| word & (1 << n) != 0;
    let (lat_raw, lon_raw) = (ctx.uint(lat_s), ctx.uint(lon_s));
    let mut lat = lat_raw as f64 / UNITS_PER_DEGREE;
    let mut lon = lon_raw as f64 / UNITS_PER_DEGREE;
    if !bit(10) {
        lat = -lat;
    }
    if bit(11) {
        lon = -lon;
    }
    let in_range = lat.abs() <= 90.0 && lon.abs() <= 180.0;
    for (def, s, v, raw, limit) in [
        (&F::GPS_LAT, lat_s, lat, lat_raw, 90.0),
        (&F::GPS_LON, lon_s, lon, lon_raw, 180.0),
    ] {
        ctx.add(def, s, Value::Coord(v));
        ctx.b.open();
        ctx.add(&F::GPS_RAW, s, Value::Int(raw as i64));
        ctx.b.close();
        if v.abs() > limit {
            let m = format!("{} {v:.6} is out of range (|value| <= {limit})", def.label);
            ctx.error("gt06.gps_range", m, s, def);
        }
    }
    ctx.add(&F::GPS_COURSE_STATUS, cs, Value::Int(word as i64));
    ctx.b.open();
    let course = word & 0x03ff;
    ctx.add(&F::GPS_COURSE, cs, Value::Int(course as i64));
    ctx.add(&F::GPS_NORTH, cs, Value::Bool(bit(10)));
    ctx.add(&F::GPS_WEST, cs, Value::Bool(bit(11)));
    ctx.add(&F::GPS_VALID, cs, Value::Bool(bit(12)));
    ctx.add(&F::GPS_DIFF, cs, Value::Bool(bit(13)));
    if bit(14) {
        ctx.add(&F::GPS_ACC, cs, Value::Bool(bit(15)));
        ctx.msg.vitals.acc = Some(bit(15));
    }
    ctx.b.close();
    if course > 360 {
        let m = format!("course {course}° is past 360°");
        ctx.warn("gt06.course", m, cs, &F::GPS_COURSE);
    }
    if in_range && !(lat_raw == 0 && lon_raw == 0) {
        ctx.msg.fix = Some(Fix {
            time: t,
            valid: bit(12),
            lat,
            lon,
            speed_kmh: speed,
            course: Some(course as f32),
        });
    }
}

/// How a cell is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellForm {
    /// MNC 1 byte (2 when MCC bit 15 is set), LAC 2, cell id 3.
    Short,
    /// MNC 2 bytes, LAC 2, cell id 4 (0x11).
    Wide,
    /// MNC 1 byte (2 when MCC bit 15 is set), LAC 4, cell id 8 (GK310 0xA0-0xA7).
    Long,
    /// MNC 1 byte, LAC 2, cell id 2 (Wi-Fi reports that count access points).
    Compact,
}

/// MCC and MNC; returns nothing (the nodes carry them).
pub fn mcc_mnc(ctx: &mut Ctx<'_, '_, '_>, form: CellForm) {
    let Some((_, mcc)) = ctx.with(&F::MCC, 2, |v| Value::Int((v & 0x7fff) as i64)) else {
        return;
    };
    let wide = form == CellForm::Wide || mcc & 0x8000 != 0;
    ctx.int(&F::MNC, if wide { 2 } else { 1 });
}

/// LAC and cell id of one cell.
pub fn lac_cell(ctx: &mut Ctx<'_, '_, '_>, form: CellForm) {
    let (lac, cid) = match form {
        CellForm::Short => (2, 3),
        CellForm::Wide => (2, 4),
        CellForm::Long => (4, 8),
        CellForm::Compact => (2, 2),
    };
    ctx.int(&F::LAC, lac);
    ctx.int(&F::CELL_ID, cid);
}

/// The serving cell: MCC, MNC, LAC, cell id (with a leading length byte when `with_len`).
pub fn lbs(ctx: &mut Ctx<'_, '_, '_>, form: CellForm, with_len: bool) {
    let start = ctx.at;
    let body = match form {
        CellForm::Short => 8,
        CellForm::Wide => 10,
        CellForm::Long => 15,
        CellForm::Compact => 7,
    };
    let len = if with_len {
        ctx.frame.get(start).map_or(0, |&l| usize::from(l))
    } else {
        body
    };
    let span_len = if with_len { len.max(1) } else { body };
    ctx.group(&F::LBS, Span::new(start, (start + span_len).min(ctx.end)));
    let end = if with_len {
        ctx.int(&F::LBS_LENGTH, 1);
        start + len.max(1)
    } else {
        start + body
    };
    if with_len && len <= 1 {
        ctx.close();
        return;
    }
    mcc_mnc(ctx, form);
    lac_cell(ctx, form);
    if with_len && ctx.at < end && end <= ctx.end {
        let s = Span::new(ctx.at, end);
        ctx.add(&F::EXTRA, s, Value::Blob((end - ctx.at) as u32));
        ctx.at = end;
    }
    ctx.close();
}

/// `count` neighbouring cells of `form`, each with a signal byte.
pub fn cells(ctx: &mut Ctx<'_, '_, '_>, form: CellForm, count: usize) {
    let per = match form {
        CellForm::Short => 6,
        CellForm::Wide => 7,
        CellForm::Long => 13,
        CellForm::Compact => 5,
    };
    for _ in 0..count {
        if ctx.left() < per {
            ctx.take(per, &F::LBS);
            return;
        }
        ctx.group(&F::LBS, Span::new(ctx.at, ctx.at + per));
        lac_cell(ctx, form);
        ctx.int(&F::RSSI, 1);
        ctx.close();
    }
}

/// `count` Wi-Fi access points: MAC (6) and signal (1).
pub fn wifi(ctx: &mut Ctx<'_, '_, '_>, count: usize) {
    for _ in 0..count {
        if ctx.left() < 7 {
            ctx.take(7, &F::WIFI);
            return;
        }
        ctx.group(&F::WIFI, Span::new(ctx.at, ctx.at + 7));
        ctx.raw(&F::WIFI_MAC, 6);
        ctx.int(&F::WIFI_RSSI, 1);
        ctx.close();
    }
}

/// Terminal information byte, voltage (level, or 2 bytes of 0.01 V when `volts`), GSM signal.
pub fn status(ctx: &mut Ctx<'_, '_, '_>, volts: bool) {
    if let Some((s, v)) = ctx.int(&F::INFO, 1) {
        let bit = |n: u32| v & (1 << n) != 0;
        ctx.b.open();
        ctx.add(&F::ARMED, s, Value::Bool(bit(0)));
        ctx.add(&F::ACC, s, Value::Bool(bit(1)));
        ctx.add(&F::CHARGING, s, Value::Bool(bit(2)));
        ctx.add(
            &F::ALARM_BITS,
            s,
            Value::Enum(values::status_alarm(((v >> 3) & 7) as u8)),
        );
        ctx.add(&F::TRACKING, s, Value::Bool(bit(6)));
        ctx.add(&F::RELAY, s, Value::Bool(bit(7)));
        ctx.b.close();
        ctx.msg.vitals.acc = Some(bit(1));
    }
    if volts {
        ctx.with(&F::VOLTAGE, 2, |v| Value::Num(v as f64 / 100.0));
    } else if let Some((s, level)) = ctx.take(1, &F::VOLTAGE_LEVEL).map(|s| (s, ctx.uint(s))) {
        match values::voltage_level(level) {
            Some(m) => {
                ctx.add(&F::VOLTAGE_LEVEL, s, Value::Enum(m));
                let pct = level as f64 * 100.0 / 6.0;
                ctx.b.open();
                ctx.derived(&F::BATTERY, s, Value::Num((pct * 10.0).round() / 10.0));
                ctx.b.close();
                ctx.msg.vitals.battery = Some(pct as f32);
            }
            None => {
                ctx.add(&F::VOLTAGE_LEVEL, s, Value::Int(level as i64));
                let m = format!("voltage level {level} is past the documented 0-6");
                ctx.warn("gt06.voltage_level", m, s, &F::VOLTAGE_LEVEL);
            }
        }
    }
    if let Some((s, g)) = ctx.take(1, &F::GSM).map(|s| (s, ctx.uint(s))) {
        match values::gsm(g) {
            Some(m) => ctx.add(&F::GSM, s, Value::Enum(m)),
            None => {
                ctx.add(&F::GSM, s, Value::Int(g as i64));
                let m = format!("GSM signal {g} is past the documented 0-4");
                ctx.warn("gt06.gsm", m, s, &F::GSM);
            }
        }
    }
}

/// The alarm byte: an event name, and the alarm flag when it is one.
pub fn alarm(ctx: &mut Ctx<'_, '_, '_>, table: fn(u8) -> Option<values::Alarm>) {
    let Some(s) = ctx.take(1, &F::ALARM) else {
        return;
    };
    let code = ctx.bytes(s).first().copied().unwrap_or(0);
    match table(code) {
        Some(a) => {
            ctx.add(&F::ALARM, s, Value::Enum(a.meaning));
            if code != 0 {
                ctx.msg.event = Some(a.event);
                ctx.msg.keyword_meaning = Some(a.meaning);
            }
            if let Some(class) = a.class {
                ctx.msg.alarm = true;
                ctx.msg.alarm_class = Some(class);
            }
        }
        None => {
            ctx.add(&F::ALARM, s, Value::Int(i64::from(code)));
            ctx.msg.event = Some("alarm");
            ctx.msg.alarm = true;
            let m = format!("alarm code 0x{code:02x} is not documented");
            ctx.warn("gt06.alarm_unknown", m, s, &F::ALARM);
        }
    }
}

/// The language byte (01 Chinese, 02 English).
pub fn language(ctx: &mut Ctx<'_, '_, '_>, n: usize) {
    ctx.with(&F::LANGUAGE, n, |v| match v & 0xff {
        1 => Value::Enum("Chinese"),
        2 => Value::Enum("English"),
        _ => Value::Int(v as i64),
    });
}
