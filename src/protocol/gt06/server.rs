//! What a platform sends: acknowledgements (an empty frame echoing the type and serial),
//! the answer to a time request, and server commands 0x80.

use super::ctx::Ctx;
use super::fields as F;
use super::gps;
use crate::protocol::Kind;

/// The kind of an acknowledgement of `ty`.
pub fn ack_kind(ty: u8) -> Kind {
    match ty {
        0x01 => Kind::LoginAck,
        0x13 | 0x23 => Kind::HeartbeatAck,
        _ => Kind::Ack,
    }
}

/// An empty frame of a device type: the platform acknowledges that type.
pub fn ack(ctx: &mut Ctx<'_, '_, '_>, ty: u8) {
    ctx.msg.kind = ack_kind(ty);
    ctx.msg.event = Some("ack");
    ctx.msg.keyword_meaning = Some(match ty {
        0x01 => "login accepted",
        0x13 | 0x23 => "heartbeat answered",
        _ => "acknowledged",
    });
}

/// The Wi-Fi report's answer: `78 78 00 <type> <time> 0D 0A`, the report's BCD time echoed.
pub fn wifi_ack(ctx: &mut Ctx<'_, '_, '_>) {
    ack(ctx, 0);
    gps::time(ctx, &F::TIME, true);
}

/// The answer to a time request: the UTC time, `YY MM DD hh mm ss`.
pub fn time_reply(ctx: &mut Ctx<'_, '_, '_>) {
    ctx.msg.kind = Kind::TimeReply;
    ctx.msg.event = Some("time");
    ctx.msg.keyword_meaning = Some("the platform's UTC time");
    gps::time(ctx, &F::TIME, false);
}

/// Server command 0x80: length (4 + n), server flag (4), ASCII command, language when there.
pub fn command(ctx: &mut Ctx<'_, '_, '_>) {
    ctx.msg.kind = Kind::Command;
    ctx.msg.keyword_meaning = Some("server command");
    let Some((_, n)) = ctx.int(&F::TEXT_LENGTH, 1) else {
        return;
    };
    ctx.int(&F::SERVER_FLAG, 4);
    let text = usize::try_from(n).unwrap_or(0).saturating_sub(4);
    if text > ctx.left() {
        let s = crate::protocol::Span::new(ctx.at, ctx.end);
        let m = format!(
            "the command length says {text} bytes of text, the content holds {}",
            ctx.left()
        );
        ctx.error("gt06.command_length", m, s, &F::TEXT_LENGTH);
    }
    if let Some(s) = ctx.raw(&F::TEXT, text.min(ctx.left())) {
        ctx.msg.keyword = Some(s);
    }
    if ctx.left() == 2 {
        gps::language(ctx, 2);
    }
}

/// True when a frame of `ty` with `content_len` content bytes comes from a platform: an
/// empty frame of any type but the time request is an acknowledgement.
pub fn is_server(ty: u8, content_len: usize) -> bool {
    ty == 0x80 || (ty == 0x8a && content_len == 6) || (content_len == 0 && ty != 0x8a)
}
