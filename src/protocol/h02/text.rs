//! Decoding of an H02 text sentence `*HQ,<id>,<command>,...#`.

use super::fields::*;
use crate::protocol::kit::{self, Dec};
use crate::protocol::{Builder, Direction, Kind, Message, Span, Value};

/// What a command is, and the kind of message it makes in each direction.
fn meaning(cmd: &[u8], dir: Direction) -> (Kind, Option<&'static str>) {
    let to_device = dir == Direction::ToDevice;
    match cmd {
        b"HTBT" | b"V0" if to_device => (Kind::HeartbeatAck, Some("heartbeat answer")),
        b"HTBT" | b"V0" => (Kind::Heartbeat, Some("heartbeat")),
        b"V1" => (Kind::Report, Some("position")),
        b"V4" => (Kind::CommandReply, Some("answer to a command")),
        b"NBR" | b"V3" => (Kind::Report, Some("cell towers")),
        b"LINK" => (Kind::Info, Some("link status")),
        b"SMS" => (Kind::Info, Some("settings text")),
        b"D1" => (Kind::Command, Some("report interval")),
        [b'S' | b'R' | b'D', ..] if to_device => (Kind::Command, None),
        _ if to_device => (Kind::Command, None),
        _ => (Kind::Report, None),
    }
}

/// Decodes one sentence.
pub fn decode(frame: &[u8], dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let hash = usize::from(frame.last() == Some(&b'#'));
    let end = frame.len() - hash;
    let f = kit::split(frame, 1, end, b',');
    let g = |i: usize| f.get(i).copied().unwrap_or_default();
    if frame.first() != Some(&b'*') || f.len() < 2 {
        d.junk(&JUNK, "h02.junk", "not an H02 sentence ('*HQ,<id>,...#')");
        return d.msg;
    }
    d.raw(&MAKER, g(0));
    d.imei(&IMEI, g(1));
    let cmd = g(2);
    let (kind, what) = meaning(d.text(cmd), dir);
    d.command(&COMMAND, cmd, what);
    d.msg.kind = kind;
    match position_at(&d, &f) {
        Some(i) => position(&mut d, &f, i),
        None if f.len() > 3 => d.raw(&DATA, g(3).join(g(f.len() - 1))),
        None => {}
    }
    if hash == 1 {
        d.raw(&TERMINATOR, Span::new(end, frame.len()));
    } else {
        d.unterminated("h02.unterminated", "sentence", "#", end, &TERMINATOR);
    }
    d.msg
}

/// The field index of the fix time: `hhmmss,A|V,lat,N|S,lon,E|W`.
fn position_at(d: &Dec<'_, '_, '_>, f: &[Span]) -> Option<usize> {
    let t = |i: usize| f.get(i).map_or(&[][..], |s| d.text(*s));
    (3..f.len().min(12)).find(|&i| {
        matches!(t(i + 1), b"A" | b"V")
            && matches!(t(i + 3), b"N" | b"S")
            && matches!(t(i + 5), b"E" | b"W")
    })
}

fn position(d: &mut Dec<'_, '_, '_>, f: &[Span], i: usize) {
    let g = |k: usize| f.get(i + k).copied().unwrap_or_default();
    if i > 3 {
        d.raw(&DATA, f.get(3).copied().unwrap_or_default().join(g(0)));
    }
    d.raw(&TIME, g(0));
    let valid = d.validity(&VALIDITY, g(1));
    let empty = d.text(g(2)).is_empty() && d.text(g(4)).is_empty();
    let (lat, lon) = if empty {
        (None, None)
    } else {
        (
            d.ddmm(&LATITUDE, g(2), g(3), "h02.coordinate"),
            d.ddmm(&LONGITUDE, g(4), g(5), "h02.coordinate"),
        )
    };
    let speed = d.num(&SPEED, g(6));
    let course = d.num(&COURSE, g(7));
    d.raw(&DATE, g(8));
    let time = kit::ddmmyy_hhmmss(d.text(g(8)), d.text(g(0)));
    if let Some(ms) = time {
        d.b.derived(&FIX_TIME, g(0).join(g(8)), Value::UtcTime(ms));
    }
    if !d.text(g(9)).is_empty() {
        d.raw(&STATUS, g(9));
    }
    if f.len() > i + 10 {
        d.raw(&DATA, g(10).join(f.last().copied().unwrap_or_default()));
    }
    d.fix(
        lat.zip(lon),
        time,
        valid,
        speed.map(kit::knots_to_kmh),
        course.map(|c| c as f32),
    );
}
