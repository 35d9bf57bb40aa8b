//! Information frames: 0x94 by sub-type (external voltage, status text, door, ICCID, fuel
//! sensor, RFID), serial-port data 0x9B, and the JC100 alarm 0x95.

use super::ctx::Ctx;
use super::fields as F;
use super::gps;
use super::values;
use crate::protocol::{Span, Value};

/// Information 0x94: sub-type, then its data.
pub fn info(ctx: &mut Ctx<'_, '_, '_>) {
    let Some((s, sub)) = ctx.take(1, &F::INFO_TYPE).map(|s| (s, ctx.uint(s))) else {
        return;
    };
    let name = match sub {
        0x00 => "external voltage",
        0x04 => "status synchronisation",
        0x05 => "door status",
        0x0a => "ICCID",
        0x0d => "fuel sensor",
        0x1b => "RFID",
        _ => "",
    };
    if name.is_empty() {
        ctx.add(&F::INFO_TYPE, s, Value::Int(sub as i64));
    } else {
        ctx.add(&F::INFO_TYPE, s, Value::Enum(name));
        ctx.msg.keyword_meaning = Some(name);
    }
    match sub {
        0x00 => {
            ctx.with(&F::EXT_VOLTAGE, 2, |v| Value::Num(v as f64 / 100.0));
        }
        0x04 => text(ctx),
        0x05 => {
            if ctx.left() >= 7 {
                gps::time(ctx, &F::TIME, false);
            }
            if let Some((s, v)) = ctx.int(&F::INFO_FLAGS, 1) {
                ctx.b.open();
                ctx.add(&F::DOOR, s, Value::Bool(v & 1 != 0));
                ctx.b.close();
            }
        }
        0x0a => {
            for def in [&F::INFO_IMEI, &F::IMSI] {
                bcd(ctx, def, 8);
            }
            bcd(ctx, &F::ICCID, 10);
        }
        0x0d => {
            if ctx.frame.get(ctx.at).is_some_and(|&c| c != b'!') && ctx.left() > 6 {
                gps::time(ctx, &F::TIME, false);
            }
            text(ctx);
        }
        0x1b if ctx.left() >= 8 => {
            // Reader header and tag type, the tag, checksum and footer.
            ctx.int(&F::INFO_DATA, 2);
            ctx.raw(&F::RFID, 4);
            ctx.int(&F::INFO_DATA, 2);
        }
        _ => {}
    }
    if ctx.left() > 0 && !name.is_empty() {
        ctx.rest();
    } else if ctx.left() > 0 {
        let n = ctx.left();
        let s = Span::new(ctx.at, ctx.end);
        ctx.at = ctx.end;
        ctx.add(&F::INFO_DATA, s, Value::Raw);
        let m = format!("information sub-type 0x{sub:02x} is not documented: {n} byte(s) kept raw");
        ctx.warn("gt06.info_unknown", m, s, &F::INFO_TYPE);
    }
}

fn text(ctx: &mut Ctx<'_, '_, '_>) {
    let n = ctx.left();
    ctx.raw(&F::INFO_DATA, n);
}

fn bcd(ctx: &mut Ctx<'_, '_, '_>, def: &'static crate::protocol::FieldDef, n: usize) {
    let Some(s) = ctx.take(n, def) else { return };
    ctx.add(def, s, Value::Raw);
    if values::bcd_digits(ctx.bytes(s)).is_none() {
        let m = format!("{} is not BCD digits", def.label);
        ctx.warn("gt06.bcd", m, s, def);
    }
}

/// Serial-port data 0x9B: external device type, then what it sent.
pub fn serial_data(ctx: &mut Ctx<'_, '_, '_>) {
    ctx.int(&F::DEVICE_TYPE, 1);
    let n = ctx.left();
    ctx.raw(&F::SERIAL_DATA, n);
}

/// JC100 alarm 0x95: time (short form) or a GPS block without satellites and speed, then the
/// alarm code.
pub fn alarm_95(ctx: &mut Ctx<'_, '_, '_>) {
    if ctx.left() > 7 {
        gps::block_lite(ctx);
    } else {
        gps::time(ctx, &F::TIME, false);
    }
    gps::alarm(ctx, values::alarm_95);
}
