//! The BN-407 text protocol (Coban "GPS103" family): probe, framing and decoding.
//!
//! Layout follows Suricata's protocol folders: [`PROTOCOL`] registers the module; the probe
//! and framer rules live here; each sentence has its own file ([`report`], [`obd`], [`alt`],
//! [`photo`], [`server`]) of pure functions from frame bytes to fields. Decoding works on the
//! frame slice without copying; nodes go to the tree only when a tree is being built.

mod alt;
mod ctx;
pub mod fields;
pub mod firmware;
mod hooks;
pub mod keywords;
mod obd;
pub mod photo;
mod report;
mod server;
pub mod values;

use ctx::{Ctx, Fields};

use crate::protocol::kit;
use crate::protocol::text::{TextFramer, TextRules};
use crate::protocol::{
    Builder, Direction, Framer, Imei, Kind, Message, ProbeResult, Protocol, Severity, Span, Value,
    Verdict,
};

/// Registration of the BN-407 text protocol.
pub static PROTOCOL: Protocol = Protocol {
    name: "bn407",
    title: "BN-407 text (Coban GPS103)",
    ports: &[8888],
    aliases: &["gps103", "coban"],
    firmware: &firmware::FIRMWARE,
    hooks: hooks::HOOKS,
    ..Protocol::parts(probe, framer, decode, fields::ALL)
};

pub use hooks::interval_text;

/// Frames longer than this are not BN-407 frames (photo packets are about 1 KiB of hex).
pub const MAX_FRAME: usize = 4096;

const DEVICE_RULES: TextRules = TextRules {
    terminators: b";*\n",
    not_at_start: b"*",
    words: &[],
    max_len: MAX_FRAME,
    oversize_is_error: true,
};
const SERVER_RULES: TextRules = TextRules {
    terminators: b";\n",
    not_at_start: b"",
    words: &[b"LOAD", b"ON"],
    max_len: MAX_FRAME,
    oversize_is_error: true,
};

fn framer(dir: Direction) -> Box<dyn Framer> {
    Box::new(TextFramer::new(if dir == Direction::ToDevice {
        SERVER_RULES
    } else {
        DEVICE_RULES
    }))
}

/// True when `b` starts with `prefix`, ignoring ASCII case (`IMEI:` is met too).
fn starts_ci(b: &[u8], prefix: &[u8]) -> bool {
    b.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn digit_run(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Looks at the first bytes of a flow direction.
pub fn probe(b: &[u8]) -> ProbeResult {
    const LOGIN: &[u8] = b"##,imei:";
    const REPORT: &[u8] = b"imei:";
    const CMD: &[u8] = b"**,imei:";
    let m = |confidence, reason, direction| {
        ProbeResult::Match(Verdict {
            confidence,
            reason,
            direction,
        })
    };
    let to_s = Direction::ToServer;
    let to_d = Direction::ToDevice;
    if b.len() < 2 {
        return kit::need_more_if(
            b.is_empty() || b"#iLO*0123456789".contains(b.first().unwrap_or(&0)),
        );
    }
    for (prefix, conf, reason, dir) in [
        (
            LOGIN,
            99,
            "starts with the login '##,imei:', a 15-digit IMEI and ','",
            to_s,
        ),
        (
            CMD,
            95,
            "starts with a server command '**,imei:', a 15-digit IMEI and ','",
            to_d,
        ),
        (
            REPORT,
            95,
            "starts with 'imei:', a 15-digit IMEI and ','",
            to_s,
        ),
    ] {
        if starts_ci(b, prefix) {
            // The sentence form: `imei:`, the IMEI's digits, then a comma. Anything else that
            // merely starts with `imei:` is not this protocol.
            let rest = b.get(prefix.len()..).unwrap_or(&[]);
            let n = digit_run(rest);
            return match rest.get(n) {
                None if n <= Imei::MAX => ProbeResult::NeedMore,
                Some(b',') if n == 15 => m(conf, reason, dir),
                Some(b',') if (1..=Imei::MAX).contains(&n) => m(
                    75,
                    "starts like a BN-407 sentence ('imei:', digits, ','), but the IMEI is not 15 digits",
                    dir,
                ),
                _ => ProbeResult::No,
            };
        }
        if prefix.len() > b.len() && starts_ci(prefix, b) {
            return ProbeResult::NeedMore;
        }
    }
    if b.starts_with(b"LOAD") {
        return m(80, "starts with the server's login answer 'LOAD'", to_d);
    }
    if b.starts_with(b"ON")
        && b.get(2)
            .is_none_or(|c| *c == b'O' || c.is_ascii_whitespace())
    {
        return m(70, "starts with the server's heartbeat answer 'ON'", to_d);
    }
    if b == b"LO" || b == b"LOA" {
        return ProbeResult::NeedMore;
    }
    let n = digit_run(b);
    if n == b.len() && n < 15 {
        return ProbeResult::NeedMore;
    }
    if (15..=17).contains(&n) {
        let rest = b.get(n..).unwrap_or(&[]);
        if rest.first() == Some(&b';') {
            return m(90, "starts with a heartbeat: 15 digits and ';'", to_s);
        }
        if starts_ci(rest, REPORT) {
            return m(
                90,
                "starts with a heartbeat glued to a report ('<IMEI>imei:')",
                to_s,
            );
        }
        if REPORT.starts_with(rest) {
            return ProbeResult::NeedMore;
        }
    }
    ProbeResult::No
}

/// Length of the terminator at the end of a frame (`;`, `*`, `\n`, `\r\n`, `;\r\n`).
fn terminator_len(frame: &[u8]) -> usize {
    let mut n = 0;
    let mut rest = frame;
    if let Some(r) = rest.strip_suffix(b"\n") {
        n += 1;
        rest = r;
        if let Some(r) = rest.strip_suffix(b"\r") {
            n += 1;
            rest = r;
        }
    }
    if rest.ends_with(b";") || rest.ends_with(b"*") {
        n += 1;
    }
    n
}

/// Decodes one frame (either direction; the content tells which message it is).
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let end = frame.len() - terminator_len(frame);
    let mut ctx = Ctx {
        frame,
        msg: Message::default(),
        b,
    };
    let body = frame.get(..end).unwrap_or(&[]);
    let star = frame.get(end) == Some(&b'*');
    if body == b"LOAD" || body == b"ON" || body.starts_with(b"**,") {
        server::decode(&mut ctx, end);
    } else if body.starts_with(b"##,") {
        login(&mut ctx, end);
    } else if starts_ci(body, b"imei:") {
        sentence(&mut ctx, 0, end, star);
    } else if body.first().is_some_and(u8::is_ascii_digit) {
        let n = digit_run(body);
        let id = Span::new(0, n);
        if n == body.len() {
            ctx.msg.kind = Kind::Heartbeat;
            ctx.add(&fields::HEARTBEAT, id, Value::None);
            ctx.b.open();
            imei(&mut ctx, id, id);
            ctx.b.close();
        } else if body.get(n..).is_some_and(|r| starts_ci(r, b"imei:")) {
            ctx.tagged(
                &fields::GLUED,
                id,
                Value::None,
                firmware::GLUED_HEARTBEAT.bit,
            );
            ctx.b.open();
            imei(&mut ctx, id, id);
            ctx.b.close();
            let first = ctx.msg.imei;
            sentence(&mut ctx, n, end, star);
            if first.is_some() && ctx.msg.imei.is_some() && first != ctx.msg.imei {
                ctx.warn(
                    "imei.mismatch",
                    "the glued heartbeat and the report carry different IMEIs",
                    id,
                    &fields::GLUED,
                );
            }
        } else {
            unknown(&mut ctx, end);
        }
    } else {
        unknown(&mut ctx, end);
    }
    if end < frame.len() {
        ctx.add(&fields::TERMINATOR, Span::new(end, frame.len()), Value::Raw);
    }
    non_ascii(&mut ctx);
    let is_report = matches!(ctx.msg.kind, Kind::Report | Kind::Obd);
    ctx.msg.firmware = firmware::guess(ctx.msg.tags, is_report);
    ctx.msg
}

fn non_ascii(ctx: &mut Ctx<'_, '_, '_>) {
    let bad = ctx
        .frame
        .iter()
        .position(|&c| !(c == b'\r' || c == b'\n' || c == b'\t' || (0x20..0x7f).contains(&c)));
    if let Some(i) = bad {
        let count = ctx
            .frame
            .iter()
            .filter(|&&c| !(c == b'\r' || c == b'\n' || c == b'\t' || (0x20..0x7f).contains(&c)))
            .count();
        let m = format!(
            "{count} byte(s) that are not printable ASCII (first at offset {i}): the protocol is plain text"
        );
        ctx.msg.diag(crate::protocol::Diagnostic::new(
            Severity::Error,
            "frame.non_ascii",
            m,
            Span::new(i, i + 1),
        ));
    }
}

fn unknown(ctx: &mut Ctx<'_, '_, '_>, end: usize) {
    ctx.msg.kind = Kind::Unknown;
    let s = Span::new(0, end);
    ctx.add(&fields::UNKNOWN, s, Value::Blob(end as u32));
    ctx.error(
        "frame.unknown",
        "not a BN-407 message: no 'imei:', login, heartbeat or server answer",
        s,
        &fields::UNKNOWN,
    );
}

/// Decodes an IMEI (digits at `id`; `whole` is the node span, e.g. including `imei:`).
fn imei(ctx: &mut Ctx<'_, '_, '_>, whole: Span, id: Span) {
    let t = ctx.text(id);
    ctx.msg.imei = Imei::new(t);
    ctx.add(&fields::IMEI, whole, Value::Raw);
    let f = &fields::IMEI;
    if t.is_empty() {
        ctx.error("imei.missing", "the IMEI is empty", whole, f);
    } else if !values::all_digits(t) {
        let m = format!("the IMEI must be digits only, got '{}'", ctx.str(id));
        ctx.error("imei.digits", m, id, f);
    } else if t.len() != 15 {
        let m = format!("the IMEI must be 15 digits, got {}", t.len());
        ctx.error("imei.length", m, id, f);
    } else if !crate::protocol::luhn_ok(t) {
        let m = "the IMEI's check digit (Luhn) is wrong: a test unit, a clone, or a typo in the device setup";
        ctx.warn("imei.luhn", m, id, f);
    }
}

fn login(ctx: &mut Ctx<'_, '_, '_>, end: usize) {
    ctx.msg.kind = Kind::Login;
    let f = Fields::split(ctx.frame, 0, end);
    ctx.add(&fields::LOGIN, Span::new(0, end), Value::None);
    ctx.b.open();
    if let Some(s) = f.get(0) {
        ctx.add(&fields::LOGIN_PREFIX, s, Value::Raw);
    }
    if let Some(s) = f.get(1) {
        imei_field(ctx, s);
    }
    match f.get(2) {
        Some(s) if ctx.text(s) == b"A" => ctx.add(&fields::LOGIN_FLAG, s, Value::Enum("login")),
        Some(s) => {
            ctx.add(&fields::LOGIN_FLAG, s, Value::Raw);
            ctx.warn(
                "login.flag",
                "the login flag is normally 'A'",
                s,
                &fields::LOGIN_FLAG,
            );
        }
        None => ctx.warn(
            "login.flag",
            "the login has no flag field (normally 'A')",
            Span::new(end, end),
            &fields::LOGIN_FLAG,
        ),
    }
    ctx.extras(&f, 3);
    ctx.b.close();
}

/// Decodes a field `imei:<digits>`.
fn imei_field(ctx: &mut Ctx<'_, '_, '_>, s: Span) {
    let t = ctx.text(s);
    if t.len() >= 5 && t.get(..5).is_some_and(|p| p.eq_ignore_ascii_case(b"imei:")) {
        let at = s.start as usize + 5;
        ctx.add(
            &fields::IMEI_PREFIX,
            Span::new(s.start as usize, at),
            Value::Raw,
        );
        let id = Span::new(at, s.end as usize);
        imei(ctx, id, id);
    } else {
        ctx.add(&fields::IMEI, s, Value::Raw);
        ctx.error(
            "imei.prefix",
            "expected 'imei:' and the IMEI",
            s,
            &fields::IMEI,
        );
    }
}

/// A sentence starting `imei:` at `start`.
fn sentence(ctx: &mut Ctx<'_, '_, '_>, start: usize, end: usize, star: bool) {
    let f = Fields::split(ctx.frame, start, end);
    if let Some(s) = f.get(0) {
        imei_field(ctx, s);
    }
    let kw = f.get(1).map(|s| ctx.text(s)).unwrap_or(&[]);
    let alt_shape = f.len() >= 18
        && f.get(5)
            .is_some_and(|s| s.len() == 6 && values::all_digits(ctx.text(s)))
        && f.get(6)
            .is_some_and(|s| s.len() == 6 && values::all_digits(ctx.text(s)));
    if kw == b"OBD" {
        obd::decode(ctx, &f);
    } else if kw == b"vr" {
        photo::decode(ctx, &f);
    } else if alt_shape || (star && kw == b"L" && f.len() <= 3) {
        alt::decode(ctx, &f);
    } else {
        report::decode(ctx, &f);
    }
}
