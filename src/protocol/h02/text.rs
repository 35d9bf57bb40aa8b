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
        Some((i, timed)) => position(&mut d, &f, i, timed),
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

/// Where the fix starts: the field index of its time (`hhmmss,A|V,lat,N|S,lon,E|W`), and
/// whether the time is there (`VP1` sentences go straight from the command to the validity).
/// The validity may be any one character or none (some units send `0`, or nothing).
fn position_at(d: &Dec<'_, '_, '_>, f: &[Span]) -> Option<(usize, bool)> {
    let t = |i: usize| f.get(i).map_or(&[][..], |s| d.text(*s));
    let fix_at = |v: usize| {
        t(v).len() <= 1 && matches!(t(v + 2), b"N" | b"S") && matches!(t(v + 4), b"E" | b"W")
    };
    if fix_at(3) && matches!(t(3), b"A" | b"V") {
        return Some((3, false));
    }
    (3..f.len().min(12))
        .find(|&i| fix_at(i + 1))
        .map(|i| (i, true))
}

/// A coordinate as H02 units write it: `ddmm.mmmm` (`dddmm.mmmm`), or `-dd-mm.mmmm` (some
/// units write degrees and minutes with a sign each), or the digits with no decimal point and
/// four implied decimals of minutes (`37573392` for 37 57.3392). The hemisphere letter gives the
/// sign in every form.
fn coord(text: &[u8], hemisphere: u8) -> Option<f64> {
    if let Some(c) = kit::ddmm(text, hemisphere) {
        return Some(c);
    }
    let digits = match text.strip_prefix(b"-") {
        Some(rest) => {
            // -dd-mm.mmmm: degrees, then minutes with their own sign, as ddmm.mmmm.
            let dash = rest.iter().position(|&c| c == b'-')?;
            let (deg, min) = (rest.get(..dash)?, rest.get(dash + 1..)?);
            let whole = min.iter().position(|&c| c == b'.')?;
            if deg.is_empty() || !(1..=2).contains(&whole) {
                return None;
            }
            [deg, b"0".get(..2 - whole)?, min].concat()
        }
        None if text.len() >= 7 && text.iter().all(u8::is_ascii_digit) => {
            let (int, frac) = text.split_at(text.len() - 4);
            [int, b".", frac].concat()
        }
        None => return None,
    };
    kit::ddmm(&digits, hemisphere)
}

/// The fix from field `i`: its time there when `timed`, else (`VP1`) the validity there.
fn position(d: &mut Dec<'_, '_, '_>, f: &[Span], i: usize, timed: bool) {
    // Field k of a V1 layout (k = 0 the time); a VP1 has no time, so its fields sit one lower.
    let g = |k: usize| match (timed, k) {
        (false, 0) => Span::default(),
        (false, _) => f.get(i + k - 1).copied().unwrap_or_default(),
        (true, _) => f.get(i + k).copied().unwrap_or_default(),
    };
    if i > 3 {
        d.raw(&DATA, f.get(3).copied().unwrap_or_default().join(g(0)));
    }
    if timed {
        d.raw(&TIME, g(0));
    }
    let valid = d.validity(&VALIDITY, g(1));
    if !matches!(d.text(g(1)), b"A" | b"V") {
        let m = format!(
            "validity '{}' is neither A nor V: the fix is taken as not valid",
            d.str(g(1))
        );
        d.warn("h02.validity", m, g(1), &VALIDITY);
    }
    let empty = d.text(g(2)).is_empty() && d.text(g(4)).is_empty();
    let (lat, lon) = if empty {
        (None, None)
    } else {
        (
            d.coordinate(&LATITUDE, g(2), g(3), "h02.coordinate", coord),
            d.coordinate(&LONGITUDE, g(4), g(5), "h02.coordinate", coord),
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
