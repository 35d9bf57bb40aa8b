//! GT06 (Concox / Jimi and many 4G trackers): binary frames `78 78`/`79 79` ... `0D 0A`.
//!
//! Layout follows the BN-407 folder: [`PROTOCOL`] registers the module; the probe lives here;
//! [`frame`] says where a frame's parts lie, [`framer`] cuts them from a stream, and the
//! content decoders are split by subject ([`device`], [`info`], [`server`], with [`gps`] for
//! the blocks they share). [`session`] checks acknowledgements against the frames they answer;
//! [`hooks`] answers as a platform would and words commands.

pub mod crc;
mod ctx;
mod device;
pub mod fields;
pub mod frame;
pub mod framer;
mod gps;
mod hooks;
mod info;
mod server;
pub mod session;
pub mod values;

use ctx::Ctx;
use fields as F;
use frame::{Layout, MAX_FRAME, WIFI_COUNT_TYPES, declared_len, header_len};
use gps::CellForm;

use crate::protocol::{
    Builder, Direction, Framer, Kind, Message, ProbeResult, Protocol, Severity, Span, Value,
    Verdict,
};

/// Registration of the GT06 protocol.
pub static PROTOCOL: Protocol = Protocol {
    name: "gt06",
    title: "GT06 binary (Concox / Jimi)",
    ports: &[8888, 5023],
    aliases: &["gt06", "concox", "jimi"],
    hooks: hooks::HOOKS,
    ..Protocol::parts(probe, framer, decode, fields::ALL)
};

fn framer(_dir: Direction) -> Box<dyn Framer> {
    Box::new(framer::Gt06Framer::new())
}

/// Bytes a probe holds before it settles for a frame whose end is not in yet (the stream's
/// probe window).
const PROBE_SETTLE: usize = 64;

/// Looks at the first bytes of a flow direction, or at one frame the framer cut.
pub fn probe(b: &[u8]) -> ProbeResult {
    let m = |confidence, reason, direction| {
        ProbeResult::Match(Verdict {
            confidence,
            reason,
            direction,
        })
    };
    if b.len() < 2 {
        return match b.first() {
            None | Some(0x78 | 0x79) => ProbeResult::NeedMore,
            Some(_) => ProbeResult::No,
        };
    }
    let Some(h) = header_len(b, 0) else {
        return ProbeResult::No;
    };
    let (Some(declared), Some(&ty)) = (declared_len(b, 0), b.get(h)) else {
        return ProbeResult::NeedMore;
    };
    let total = h + declared + 2;
    let content = declared.saturating_sub(5);
    if declared >= 5 && total <= MAX_FRAME {
        match b.get(total - 2..total) {
            Some(b"\r\n") => {
                let server = server::is_server(ty, content);
                let dir = if server {
                    Direction::ToDevice
                } else {
                    Direction::ToServer
                };
                return match (h, ty, server) {
                    (3, 0x01, false) => m(
                        99,
                        "starts 78 78, a login (protocol number 01), the length fits, ends 0d 0a",
                        dir,
                    ),
                    (_, _, true) if content == 0 => m(
                        95,
                        "starts 78 78, an empty acknowledgement (length 05), ends 0d 0a",
                        dir,
                    ),
                    (3, _, _) => m(95, "starts 78 78, the length byte fits, ends 0d 0a", dir),
                    _ => m(
                        95,
                        "starts 79 79 (extended), the 2-byte length fits, ends 0d 0a",
                        dir,
                    ),
                };
            }
            Some(_) => {}
            None if b.len() >= PROBE_SETTLE => {
                return m(
                    75,
                    "starts 78 78 or 79 79 with a length that fits; its end is not in yet",
                    Direction::Unknown,
                );
            }
            None => return ProbeResult::NeedMore,
        }
    }
    if h == 3 && WIFI_COUNT_TYPES.contains(&ty) {
        return match frame::wifi_count_len(b) {
            Ok(Some(_)) => m(
                85,
                "starts 78 78, a Wi-Fi report whose third byte counts access points, ends 0d 0a",
                Direction::ToServer,
            ),
            Err(()) if b.len() < PROBE_SETTLE => ProbeResult::NeedMore,
            _ if declared == 0 && b.len() == 12 && b.ends_with(b"\r\n") => m(
                85,
                "starts 78 78 00, the answer to a Wi-Fi report, ends 0d 0a",
                Direction::ToDevice,
            ),
            _ => ProbeResult::No,
        };
    }
    ProbeResult::No
}

/// Decodes one frame (either direction; the content tells which message it is).
pub fn decode(frame: &[u8], dir: Direction, b: &mut Builder<'_>) -> Message {
    let Some(lay) = Layout::of(frame) else {
        return garbage(frame, b);
    };
    let mut ctx = Ctx::new(frame, b, lay.content_start(), lay.content_end);
    header(&mut ctx, &lay);
    let content = Span::new(lay.content_start(), lay.content_end);
    let ty = lay.ty;
    let info = values::type_info(ty);
    ctx.msg.title = info.map(|t| t.name);
    let wifi_ack = lay.wifi_count && lay.content_len() == 6;
    let complete = lay.length_ok && lay.crc.is_some();
    if wifi_ack || (complete && server::is_server(ty, lay.content_len())) {
        ctx.group(&F::CONTENT, content);
        match ty {
            0x80 => server::command(&mut ctx),
            0x8a => server::time_reply(&mut ctx),
            _ if wifi_ack => server::wifi_ack(&mut ctx),
            _ => server::ack(&mut ctx, ty),
        }
        ctx.rest();
        ctx.close();
    } else {
        ctx.msg.kind = device::kind_of(ty);
        let n = lay.content_len();
        // The layout to read the content with: the type's own when it fits, else another
        // model's that does (with words for it); none when neither fits.
        let read_as = match info {
            Some(t) if t.decoded => {
                if fits(frame, &lay, ty) {
                    Some((ty, None))
                } else {
                    variant(ty)
                        .filter(|&(v, _)| fits(frame, &lay, v))
                        .map(|(v, how)| (v, Some(how)))
                }
            }
            _ => None,
        };
        match info {
            Some(t) if let Some((as_ty, how)) = read_as => {
                ctx.group(&F::CONTENT, content);
                if let Some(how) = how {
                    let m = format!(
                        "the content ({n} bytes) does not fit the {} (0x{ty:02x}) layout; read as {how}",
                        t.name
                    );
                    ctx.diag(
                        crate::protocol::Severity::Info,
                        "gt06.variant",
                        m,
                        content,
                        &F::CONTENT,
                    );
                }
                content_of(&mut ctx, &lay, as_ty);
                ctx.rest();
                ctx.close();
            }
            Some(t) if t.decoded => {
                ctx.add(&F::CONTENT, content, Value::Blob(n as u32));
                let m = format!(
                    "the content ({n} bytes) does not fit the {} (0x{ty:02x}) layout this decoder knows: a model-specific variant, kept raw",
                    t.name
                );
                ctx.warn("gt06.layout", m, content, &F::CONTENT);
            }
            _ => {
                ctx.add(&F::CONTENT, content, Value::Blob(n as u32));
                let m = match info {
                    Some(t) => format!(
                        "{} (0x{ty:02x}): this decoder does not read its content; {n} byte(s) kept raw",
                        t.name
                    ),
                    None => format!(
                        "protocol number 0x{ty:02x} is not documented; {n} byte(s) kept raw"
                    ),
                };
                if info.is_none() {
                    ctx.msg.kind = Kind::Unknown;
                }
                ctx.warn(
                    "gt06.type_unknown",
                    m,
                    Span::new(lay.header, lay.header + 1),
                    &F::TYPE,
                );
            }
        }
    }
    if dir == Direction::ToDevice && ctx.msg.kind.natural_direction() == Direction::ToServer {
        ctx.msg.diag(crate::protocol::Diagnostic::new(
            Severity::Info,
            "gt06.direction",
            "a device's message type, sent by the server side",
            Span::new(lay.header, lay.header + 1),
        ));
    }
    footer(&mut ctx, &lay);
    ctx.msg
}

/// True when the content holds every field the layout of protocol number `ty` defines (a trial
/// decode without a tree); model-specific variants that do not fit are kept raw instead of
/// misread.
fn fits(frame: &[u8], lay: &Layout, ty: u8) -> bool {
    let mut none = Builder::new(None);
    let mut trial = Ctx::new(frame, &mut none, lay.content_start(), lay.content_end);
    content_of(&mut trial, lay, ty);
    let has = |code: &str| trial.msg.diagnostics.iter().any(|d| d.code == code);
    // A position out of range in content longer than the layout: another model's layout.
    !(has("gt06.short") || (has("gt06.gps_range") && trial.left() > 0))
}

/// Another models' layout of a protocol number, read when the documented one does not fit and
/// it does: the protocol number whose layout it is, and words for it. LW4G units send 0xA2 as a
/// GPS position with a 4G cell (the 0xA0 layout), not GK310's cells and Wi-Fi.
fn variant(ty: u8) -> Option<(u8, &'static str)> {
    match ty {
        0xa2 => Some((
            0xa0,
            "GPS + 4G cell (the 0xa0 layout, as LW4G units send it)",
        )),
        _ => None,
    }
}

/// Decodes the content with the layout of protocol number `ty`.
fn content_of(ctx: &mut Ctx<'_, '_, '_>, lay: &Layout, ty: u8) {
    use device::After;
    match ty {
        0x01 => device::login(ctx),
        0x10 => device::position(ctx, After::Nothing),
        0x11 => device::position(ctx, After::Lbs(CellForm::Wide)),
        0x12 | 0x24 => device::position(ctx, After::Lbs(CellForm::Short)),
        0x22 | 0x2d | 0x37 => device::position(ctx, After::LbsAcc(CellForm::Short)),
        0xa0 => device::position(ctx, After::LbsAcc(CellForm::Long)),
        0x1a | 0x2a => device::position(ctx, After::Phone),
        0x1e => device::position(ctx, After::Cells),
        0x13 => device::status(ctx),
        0x23 => device::heartbeat(ctx),
        0x16 | 0x26 | 0x27 => device::alarm(ctx, true),
        0x19 => device::alarm(ctx, false),
        0x15 | 0x81 => device::string(ctx),
        0x21 => device::string_ext(ctx),
        0x17 | 0x69 if lay.wifi_count => device::wifi_count(ctx),
        0x17 | 0x69 => device::position(ctx, After::Lbs(CellForm::Short)),
        0x18 | 0x2c => device::cells(ctx, CellForm::Short, true),
        0x28 | 0x2e => device::cells(ctx, CellForm::Short, false),
        0xa1 => device::cells(ctx, CellForm::Long, false),
        0xa2 => device::cells(ctx, CellForm::Long, true),
        0x8a => {}
        0x94 => info::info(ctx),
        0x95 => info::alarm_95(ctx),
        0x9b => info::serial_data(ctx),
        _ => {}
    }
}

/// Start, length, protocol number.
fn header(ctx: &mut Ctx<'_, '_, '_>, lay: &Layout) {
    let h = lay.header;
    let start = if lay.extended {
        "extended frame (2-byte length)"
    } else {
        "short frame (1-byte length)"
    };
    ctx.add(&F::START, Span::new(0, 2), Value::Enum(start));
    let ls = Span::new(2, h);
    if lay.wifi_count {
        ctx.add(&F::WIFI_COUNT, ls, Value::Int(lay.declared as i64));
    } else {
        ctx.add(&F::LENGTH, ls, Value::Int(lay.declared as i64));
    }
    let ts = Span::new(h, h + 1);
    match values::type_info(lay.ty) {
        Some(t) => ctx.add(&F::TYPE, ts, Value::Enum(t.name)),
        None => ctx.add(&F::TYPE, ts, Value::Int(i64::from(lay.ty))),
    }
    if lay.wifi_count {
        let m = "this firmware's Wi-Fi report has an access-point count where the length goes, and no serial or CRC";
        ctx.diag(Severity::Info, "gt06.wifi_count", m, ls, &F::WIFI_COUNT);
    } else if !lay.length_ok {
        let actual = lay.stop.map_or(ctx.frame.len(), |(at, _)| at) - h;
        let m = format!(
            "the length says {} byte(s) after it up to the CRC, the frame holds {actual}: the length field is wrong",
            lay.declared
        );
        ctx.error("gt06.length", m, ls, &F::LENGTH);
    }
}

/// Serial, CRC, stop bytes and whatever follows them.
fn footer(ctx: &mut Ctx<'_, '_, '_>, lay: &Layout) {
    let frame = ctx.frame;
    if let Some((at, serial)) = lay.serial {
        ctx.add(
            &F::SERIAL,
            Span::new(at, at + 2),
            Value::Int(i64::from(serial)),
        );
    }
    if let (Some((at, sent)), Some(computed)) = (lay.crc, lay.computed_crc(frame)) {
        let s = Span::new(at, at + 2);
        ctx.add(&F::CRC, s, Value::Int(i64::from(sent)));
        ctx.b.open();
        ctx.derived(&F::CRC_OK, s, Value::Bool(sent == computed));
        ctx.b.close();
        if sent != computed {
            let m = format!(
                "CRC {sent:04x} is wrong: computed {computed:04x} over length through serial (devices do send this; decoding went on)"
            );
            ctx.warn("gt06.crc", m, s, &F::CRC);
        }
    } else if !lay.wifi_count {
        let s = Span::new(lay.content_end, lay.stop.map_or(frame.len(), |(at, _)| at));
        ctx.error(
            "gt06.short",
            "the frame ends before its serial number and CRC",
            s,
            &F::CRC,
        );
    }
    match lay.stop {
        Some((at, n)) => {
            let s = Span::new(at, at + n);
            let bytes = s.slice(frame);
            if bytes == b"\r\n" {
                ctx.add(&F::STOP, s, Value::Enum("CR LF"));
            } else {
                ctx.add(&F::STOP, s, Value::Raw);
                let m = format!(
                    "the stop bytes are {} instead of 0d 0a",
                    crate::protocol::hex(bytes)
                );
                ctx.error("gt06.stop", m, s, &F::STOP);
            }
        }
        None => {
            let s = Span::new(frame.len(), frame.len());
            ctx.error(
                "gt06.stop",
                "the frame has no stop bytes 0d 0a",
                s,
                &F::STOP,
            );
        }
    }
    if lay.trailing > 0 {
        let s = Span::new(frame.len() - lay.trailing, frame.len());
        ctx.add(&F::TRAILING, s, Value::Blob(lay.trailing as u32));
        let m = format!("{} byte(s) after the stop bytes", lay.trailing);
        ctx.error("gt06.trailing", m, s, &F::TRAILING);
    }
}

/// Bytes that do not start a frame.
fn garbage(frame: &[u8], b: &mut Builder<'_>) -> Message {
    let mut ctx = Ctx::new(frame, b, 0, frame.len());
    let s = Span::new(0, frame.len());
    ctx.add(&F::GARBAGE, s, Value::Blob(frame.len() as u32));
    let m = format!(
        "{} byte(s) that do not start with 78 78 or 79 79: not a GT06 frame (resynchronised at the next start)",
        frame.len()
    );
    ctx.error("gt06.garbage", m, s, &F::GARBAGE);
    ctx.msg
}
