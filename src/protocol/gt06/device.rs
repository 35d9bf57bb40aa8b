//! What a unit sends: login, positions (GPS, GPS + LBS), status and heartbeat, alarms, strings,
//! time requests, and the cell and Wi-Fi reports. Each function reads the content from the
//! context's cursor; what is left after the documented fields is kept raw by the caller.

use super::ctx::Ctx;
use super::fields as F;
use super::gps::{self, CellForm};
use super::values;
use crate::protocol::luhn_ok;
use crate::protocol::{Imei, Kind, Value};

/// Login 0x01: terminal id (8 bytes BCD), then on newer firmware type id and time-zone word.
pub fn login(ctx: &mut Ctx<'_, '_, '_>) {
    let Some(id) = ctx.take(8, &F::TERMINAL_ID) else {
        return;
    };
    ctx.add(&F::TERMINAL_ID, id, Value::Raw);
    ctx.b.open();
    let raw = ctx.bytes(id);
    match values::bcd_digits(raw) {
        Some(digits) => {
            let imei = digits.strip_prefix('0').unwrap_or(&digits);
            ctx.msg.imei = Imei::new(imei.as_bytes());
            let number = imei.parse::<i64>().map_or(Value::Raw, Value::Int);
            ctx.derived(&F::IMEI, id, number);
            if imei.len() != 15 {
                let m = format!("the IMEI must be 15 digits, got {} ('{imei}')", imei.len());
                ctx.error("imei.length", m, id, &F::IMEI);
            } else if !digits.starts_with('0') {
                let m = "the terminal id should be the IMEI with a leading 0";
                ctx.warn("gt06.terminal_id", m, id, &F::TERMINAL_ID);
            } else if !luhn_ok(imei.as_bytes()) {
                let m = "the IMEI's check digit (Luhn) is wrong: a test unit, a clone, or a typo in the device setup";
                ctx.warn("imei.luhn", m, id, &F::IMEI);
            }
        }
        None => {
            let m = "the terminal id is not BCD digits";
            ctx.error("imei.digits", m, id, &F::TERMINAL_ID);
        }
    }
    ctx.b.close();
    if ctx.left() >= 2 {
        ctx.int(&F::TYPE_ID, 2);
    }
    if ctx.left() >= 2
        && let Some((s, word)) = ctx.int(&F::TZ_WORD, 2)
    {
        let hhmm = word >> 4;
        let (h, m) = (hhmm / 100, hhmm % 100);
        let mut secs = i32::try_from(h * 3600 + m * 60).unwrap_or(0);
        if word & 0x08 != 0 {
            secs = -secs;
        }
        ctx.b.open();
        ctx.derived(&F::TIMEZONE, s, Value::Offset(secs));
        ctx.b.close();
        if m >= 60 || h > 14 {
            let msg = format!("time zone {h:02}{m:02} is not a zone (hhmm)");
            ctx.warn("gt06.timezone", msg, s, &F::TZ_WORD);
        } else {
            ctx.msg.vitals.tz_offset = Some(secs);
        }
    }
}

/// Which extra fields follow the GPS block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Nothing more is defined.
    Nothing,
    /// The serving cell.
    Lbs(CellForm),
    /// The serving cell, then ACC, upload mode, re-upload flag and (when there) mileage.
    LbsAcc(CellForm),
    /// Phone number (21 ASCII) and language (2).
    Phone,
    /// MCC, MNC, 7 cells, timing advance, language.
    Cells,
}

/// A position report: GPS block, then what `after` says.
pub fn position(ctx: &mut Ctx<'_, '_, '_>, after: After) {
    gps::block(ctx);
    match after {
        After::Nothing => {}
        After::Lbs(form) => {
            if ctx.left() > 0 {
                gps::lbs(ctx, form, false);
            }
        }
        After::LbsAcc(form) => {
            if ctx.left() > 0 {
                gps::lbs(ctx, form, false);
            }
            if ctx.left() >= 3 {
                acc_mode(ctx);
            }
            if ctx.left() == 4 {
                ctx.int(&F::MILEAGE, 4);
            }
        }
        After::Phone => {
            ctx.raw(&F::PHONE, 21);
            gps::language(ctx, 2);
        }
        After::Cells => {
            gps::mcc_mnc(ctx, CellForm::Short);
            gps::cells(ctx, CellForm::Short, 7);
            ctx.int(&F::TA, 1);
            if ctx.left() >= 2 {
                gps::language(ctx, 2);
            }
        }
    }
}

/// ACC, upload mode and re-upload flag of 0x22-style reports.
fn acc_mode(ctx: &mut Ctx<'_, '_, '_>) {
    if let Some((_, acc)) = ctx.with(&F::ACC_BYTE, 1, |v| match v {
        0 => Value::Enum("low (off)"),
        1 => Value::Enum("high (on)"),
        _ => Value::Int(v as i64),
    }) {
        ctx.msg.vitals.acc = Some(acc != 0);
    }
    ctx.with(&F::UPLOAD_MODE, 1, |v| Value::Enum(values::upload_mode(v)));
    ctx.with(&F::REUPLOAD, 1, |v| match v {
        0 => Value::Enum("real time"),
        1 => Value::Enum("re-uploaded"),
        _ => Value::Int(v as i64),
    });
}

/// Status 0x13: terminal info, voltage level, GSM signal, alarm and language.
pub fn status(ctx: &mut Ctx<'_, '_, '_>) {
    gps::status(ctx, false);
    if ctx.left() >= 1 {
        gps::alarm(ctx, values::alarm);
        // A heartbeat's alarm byte is a state, not an alarm frame of its own.
        ctx.msg.alarm = false;
        ctx.msg.alarm_class = None;
        ctx.msg.event = None;
        ctx.msg.keyword_meaning = None;
    }
    if ctx.left() >= 1 {
        gps::language(ctx, 1);
    }
}

/// Heartbeat 0x23: terminal info, voltage (0.01 V), GSM signal, alarm and language.
pub fn heartbeat(ctx: &mut Ctx<'_, '_, '_>) {
    gps::status(ctx, true);
    if ctx.left() >= 2 {
        ctx.int(&F::ALARM, 1);
        gps::language(ctx, 1);
    }
}

/// Alarm 0x16/0x26/0x27 (GPS, cell with its length, status, alarm, language) and 0x19 (cell
/// and status without GPS).
pub fn alarm(ctx: &mut Ctx<'_, '_, '_>, with_gps: bool) {
    if with_gps {
        gps::block(ctx);
        gps::lbs(ctx, CellForm::Short, true);
    } else {
        gps::lbs(ctx, CellForm::Short, false);
    }
    gps::status(ctx, false);
    gps::alarm(ctx, values::alarm);
    if ctx.left() >= 1 {
        gps::language(ctx, 1);
    }
}

/// String 0x15 / 0x81: length, server flag (4), text, then language when there.
pub fn string(ctx: &mut Ctx<'_, '_, '_>) {
    let Some((_, n)) = ctx.int(&F::TEXT_LENGTH, 1) else {
        return;
    };
    let n = usize::try_from(n).unwrap_or(0);
    ctx.int(&F::SERVER_FLAG, 4);
    let text = n.saturating_sub(4).min(ctx.left());
    if ctx.raw(&F::TEXT, text).is_some() {
        ctx.msg.keyword_meaning = Some("answer text");
    }
    if ctx.left() == 2 {
        gps::language(ctx, 2);
    }
}

/// String 0x21 (extended): server flag (4), encoding (1), text.
pub fn string_ext(ctx: &mut Ctx<'_, '_, '_>) {
    ctx.int(&F::SERVER_FLAG, 4);
    ctx.with(&F::ENCODING, 1, |v| match v {
        1 => Value::Enum("ASCII"),
        2 => Value::Enum("UTF-16BE"),
        _ => Value::Int(v as i64),
    });
    let n = ctx.left();
    ctx.raw(&F::TEXT, n);
    ctx.msg.keyword_meaning = Some("answer text");
}

/// Multi-cell reports: time, MCC, MNC, 7 cells, timing advance, then language or Wi-Fi.
pub fn cells(ctx: &mut Ctx<'_, '_, '_>, form: CellForm, wifi: bool) {
    gps::time(ctx, &F::TIME, false);
    gps::mcc_mnc(ctx, form);
    gps::cells(ctx, form, 7);
    ctx.int(&F::TA, 1);
    if wifi {
        if let Some((_, n)) = ctx.int(&F::WIFI_COUNT, 1) {
            gps::wifi(ctx, usize::try_from(n).unwrap_or(0));
        }
    } else if ctx.left() >= 2 {
        gps::language(ctx, 2);
    }
}

/// Wi-Fi report 0x17/0x69 whose third byte counts access points: BCD time, access points,
/// cell count, MCC, MNC, cells. No serial, no CRC.
pub fn wifi_count(ctx: &mut Ctx<'_, '_, '_>) {
    let aps = ctx.frame.get(2).map_or(0, |&n| usize::from(n));
    gps::time(ctx, &F::TIME, true);
    gps::wifi(ctx, aps);
    if let Some((_, n)) = ctx.int(&F::CELL_COUNT, 1) {
        gps::mcc_mnc(ctx, CellForm::Compact);
        gps::cells(ctx, CellForm::Compact, usize::try_from(n).unwrap_or(0));
    }
}

/// The kind of a device frame's protocol number.
pub fn kind_of(ty: u8) -> Kind {
    values::type_info(ty).map_or(Kind::Unknown, |t| t.kind)
}
