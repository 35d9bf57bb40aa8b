//! The OBD sentence: `imei:<IMEI>,OBD,<YYMMDDhhmmss>,<odometer>,<fuel instant>,<fuel average>,
//! <engine hours>,<speed>,<engine load %>,<coolant>,<throttle %>,<rpm>,<battery V>,<DTC>...`.

use super::ctx::{Ctx, Fields};
use super::fields as F;
use super::firmware as fw;
use super::values::{self, LocalTime};
use crate::protocol::{FieldDef, Kind, Value};

const SLOTS: [&FieldDef; 10] = [
    &F::OBD_ODOMETER,
    &F::OBD_FUEL_INSTANT,
    &F::OBD_FUEL_AVERAGE,
    &F::OBD_ENGINE_HOURS,
    &F::OBD_SPEED,
    &F::OBD_LOAD,
    &F::OBD_COOLANT,
    &F::OBD_THROTTLE,
    &F::OBD_RPM,
    &F::OBD_BATTERY,
];

/// Decodes an OBD sentence.
pub fn decode(ctx: &mut Ctx<'_, '_, '_>, f: &Fields) {
    ctx.msg.kind = Kind::Obd;
    if let Some(s) = f.get(1) {
        ctx.msg.keyword = Some(s);
        ctx.msg.keyword_meaning = Some("OBD engine data");
        ctx.tagged(&F::KEYWORD, s, Value::Enum("OBD engine data"), fw::OBD.bit);
    }
    if let Some(s) = f.get(2) {
        let t = ctx.text(s);
        match values::parse_local_time(t) {
            LocalTime::Valid(dt, _) => {
                let ms = values::millis(dt);
                ctx.msg.vitals.local_time = Some(ms);
                ctx.add(&F::OBD_TIME, s, Value::LocalTime(ms));
            }
            LocalTime::Unset => {
                ctx.add(&F::OBD_TIME, s, Value::Raw);
                ctx.warn(
                    "time.unset",
                    "the device clock is not set (zeros)",
                    s,
                    &F::OBD_TIME,
                );
            }
            LocalTime::Missing => {}
            LocalTime::OutOfRange(code, m) => {
                ctx.add(&F::OBD_TIME, s, Value::Raw);
                ctx.error(
                    code,
                    format!("OBD time '{}': {m}", ctx.str(s)),
                    s,
                    &F::OBD_TIME,
                );
            }
            LocalTime::Unknown => {
                ctx.add(&F::OBD_TIME, s, Value::Raw);
                let m = format!("OBD time '{}' is in no known form", ctx.str(s));
                ctx.warn("time.format", m, s, &F::OBD_TIME);
            }
        }
    }
    for (k, def) in SLOTS.iter().enumerate() {
        let Some(s) = f.get(3 + k) else { break };
        let t = ctx.text(s);
        if t == b"+" || t == b"-" {
            // Some firmware sends a bare sign when the sensor has no value.
            ctx.add(def, s, Value::None);
            continue;
        }
        ctx.number(def, s, 0);
    }
    for i in 3 + SLOTS.len()..f.len() {
        let Some(s) = f.get(i) else { continue };
        let t = ctx.text(s);
        if t.is_empty() {
            continue;
        }
        ctx.add(&F::OBD_DTC, s, Value::Raw);
        let ok = t.len() == 5
            && matches!(t.first(), Some(b'P' | b'C' | b'B' | b'U'))
            && t.iter().skip(1).all(u8::is_ascii_hexdigit);
        if !ok {
            let m = format!("trouble code '{}' is not of the form P0123", ctx.str(s));
            ctx.warn("obd.dtc_format", m, s, &F::OBD_DTC);
        }
    }
}
