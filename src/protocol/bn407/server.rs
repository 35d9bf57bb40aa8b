//! The server's side: `LOAD` (login accepted), `ON` (heartbeat answered), and commands
//! `**,imei:<IMEI>,<code>[,<arg>]`.

use super::ctx::{Ctx, Fields};
use super::fields as F;
use crate::protocol::{Kind, Span, Value};

/// Command codes and what they ask.
pub static CODES: &[(&str, &str)] = &[
    ("B", "report one position now"),
    ("C", "report periodically"),
    ("D", "stop periodic reports"),
    ("E", "acknowledge SOS"),
    ("J", "cut fuel / power (relay)"),
    ("K", "restore fuel / power (relay)"),
    ("L", "arm"),
    ("M", "disarm"),
    ("160", "take a photo"),
];

/// Decodes a server message whose body ends at `end`.
pub fn decode(ctx: &mut Ctx<'_, '_, '_>, end: usize) {
    let body = ctx.frame.get(..end).unwrap_or(&[]);
    let all = Span::new(0, end);
    if body == b"LOAD" {
        ctx.msg.kind = Kind::LoginAck;
        ctx.add(&F::LOAD, all, Value::Enum("login accepted"));
        return;
    }
    if body == b"ON" {
        ctx.msg.kind = Kind::HeartbeatAck;
        ctx.add(&F::ON, all, Value::Enum("heartbeat answered"));
        return;
    }
    ctx.msg.kind = Kind::Command;
    let f = Fields::split(ctx.frame, 0, end);
    ctx.add(&F::COMMAND, all, Value::None);
    ctx.b.open();
    if let Some(s) = f.get(0) {
        ctx.add(&F::COMMAND_PREFIX, s, Value::Raw);
    }
    if let Some(s) = f.get(1) {
        super::imei_field(ctx, s);
    }
    let Some(code) = f.get(2) else {
        ctx.error(
            "command.missing",
            "command without a code",
            Span::new(end, end),
            &F::COMMAND_CODE,
        );
        ctx.b.close();
        return;
    };
    let t = ctx.text(code);
    let meaning = CODES
        .iter()
        .find(|(c, _)| c.as_bytes() == t)
        .map(|(_, m)| *m);
    ctx.msg.keyword = Some(code);
    ctx.msg.keyword_meaning = meaning.or(Some("unknown command"));
    match meaning {
        Some(m) => ctx.add(&F::COMMAND_CODE, code, Value::Enum(m)),
        None => {
            ctx.add(&F::COMMAND_CODE, code, Value::Raw);
            let m = format!("unknown command code '{}'", ctx.str(code));
            ctx.warn("command.unknown", m, code, &F::COMMAND_CODE);
        }
    }
    if let Some(arg) = f.get(3) {
        ctx.add(&F::COMMAND_ARG, arg, Value::Raw);
        if t == b"C" {
            ctx.b.open();
            match interval(ctx.text(arg)) {
                Some(secs) => ctx.b.derived(&F::COMMAND_INTERVAL, arg, Value::Int(secs)),
                None => {
                    let m = format!(
                        "report interval must be like 30s, 05m or 01h, got '{}'",
                        ctx.str(arg)
                    );
                    ctx.error("command.interval", m, arg, &F::COMMAND_ARG);
                }
            }
            ctx.b.close();
        }
    } else if t == b"C" {
        ctx.warn(
            "command.interval",
            "periodic-report command without an interval",
            code,
            &F::COMMAND_CODE,
        );
    }
    ctx.extras(&f, 4);
    ctx.b.close();
}

/// `30s`, `05m`, `01h` in seconds.
pub fn interval(t: &[u8]) -> Option<i64> {
    let (num, unit) = t.split_at_checked(t.len().checked_sub(1)?)?;
    if num.is_empty() || num.len() > 5 || !super::values::all_digits(num) {
        return None;
    }
    let n = i64::from(super::values::digits_value(num));
    match unit {
        b"s" | b"S" => Some(n),
        b"m" | b"M" => Some(n * 60),
        b"h" | b"H" => Some(n * 3600),
        _ => None,
    }
}
