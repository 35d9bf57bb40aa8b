//! H02 (Sinotrack and the many units sharing its protocol): text sentences
//! `*HQ,<id>,V1,<hhmmss>,A,<ddmm.mmmm>,N,<dddmm.mmmm>,E,<knots>,<course>,<ddmmyy>,<status>,...#`
//! and a binary record starting with byte `24` (`$`): the id, time, date and position in BCD.
//!
//! From the H02 protocol notes as circulated with Sinotrack units: the id is the second field
//! (10 digits, or the 15-digit IMEI), the command the third (`V1` position, `HTBT` / `V0`
//! heartbeat, `NBR` / `V3` cell towers, `LINK` status, `V4` a command's answer); the server
//! sends commands such as `S20` or `D1` in the same `*HQ,...#` form. Other makers put their own
//! two letters after `*` (`*TH,`).

mod binary;
mod fields;
mod text;

use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until, whitespace};
use crate::protocol::{Builder, Direction, Message, ProbeResult, Verdict};

crate::protocol::kit::register! {
    /// Registration of H02.
    name: "h02", title: "H02 (Sinotrack)", ports: [5013], aliases: ["h02", "sinotrack"],
    framer: SizedFramer::new(measure), fields: fields::ALL,
}

/// Longest text sentence (settings texts in `SMS` answers run to a few hundred bytes).
const MAX_TEXT: usize = 1024;
/// The shortest binary record, and the longest any unit is known to send.
const BIN_MIN: usize = 32;
const BIN_MAX: usize = 64;

/// True when `b` (a start of a frame) can still be a text sentence: `*`, two letters, `,`,
/// digits, `,`, a command.
fn text_prefix(b: &[u8]) -> Option<TextHead> {
    let rest = b.strip_prefix(b"*")?;
    let maker = rest.get(..2).unwrap_or(rest);
    if !maker.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let Some(r) = rest.get(2..) else {
        return Some(TextHead::Partial);
    };
    let Some(r) = r.strip_prefix(b",") else {
        return r.is_empty().then_some(TextHead::Partial);
    };
    let id = r.iter().take_while(|c| c.is_ascii_digit()).count();
    let Some(r) = r.get(id..).filter(|r| !r.is_empty()) else {
        return (id <= 16).then_some(TextHead::Partial);
    };
    if id > 16 {
        return None;
    }
    let Some(r) = r.strip_prefix(b",") else {
        // `*HQ,4109198974,#` (an empty command) is seen too.
        return (r.first() == Some(&b'#')).then_some(TextHead::Whole { id, cmd: 0 });
    };
    let cmd = r.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    match r.get(cmd) {
        None => (cmd < 6).then_some(TextHead::Partial),
        Some(b',' | b'#') if cmd > 0 => Some(TextHead::Whole { id, cmd }),
        Some(b'#') => Some(TextHead::Whole { id, cmd: 0 }),
        Some(_) => None,
    }
}

/// What the start of a text sentence showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextHead {
    /// Could still be a sentence.
    Partial,
    /// Maker, id of `id` digits and a command of `cmd` characters.
    Whole { id: usize, cmd: usize },
}

/// How far `b` is consistent with a binary record: `$`, a BCD id of 5 bytes (8 in the long
/// form), then BCD time and date. `Some(true)` when the time and date are there and valid,
/// `Some(false)` when valid so far.
fn binary_prefix(b: &[u8]) -> Option<bool> {
    if b.first() != Some(&b'$') {
        return None;
    }
    let layout = |id: usize| {
        let bcd = |x: u8| x >> 4 < 10 && x & 0x0f < 10;
        let val = |x: u8| (x >> 4) * 10 + (x & 0x0f);
        let ok = b.iter().enumerate().take(id + 7).skip(1).all(|(i, &x)| {
            let v = val(x);
            bcd(x)
                && match i.checked_sub(id + 1) {
                    Some(0) => v < 24,
                    Some(1 | 2) => v < 60,
                    Some(3) => (1..=31).contains(&v),
                    Some(4) => (1..=12).contains(&v),
                    _ => true,
                }
        });
        ok.then_some(b.len() >= id + 7)
    };
    match (layout(5), layout(8)) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (None, None) => None,
        _ => Some(false),
    }
}

/// Where the frame at `b[0]` ends.
fn measure(b: &[u8], end: bool) -> Cut {
    match b.first() {
        Some(c) if c.is_ascii_whitespace() => Cut::Skip(whitespace(b)),
        Some(b'*') if text_prefix(b).is_some() => {
            let w = b.get(..MAX_TEXT).unwrap_or(b);
            match w.iter().position(|&c| c == b'#') {
                Some(i) => Cut::Frame(i + 1),
                None if b.len() >= MAX_TEXT => Cut::Junk(MAX_TEXT),
                None => Cut::Need(b.len() + 1),
            }
        }
        Some(b'$') if binary_prefix(b).is_some() => binary_len(b, end),
        _ => junk_until(b, end, MAX_TEXT, |r| {
            text_prefix(r).is_some() || binary_prefix(r).is_some()
        }),
    }
}

/// The length of a binary record: records are 32 bytes or longer (extended units add fields),
/// and the next record of the same unit (same id) or a text sentence marks the end.
fn binary_len(b: &[u8], end: bool) -> Cut {
    let id = b.get(1..6).unwrap_or(&[]);
    let next = (BIN_MIN..=BIN_MAX.min(b.len().saturating_sub(1))).find(|&l| {
        let r = b.get(l..).unwrap_or(&[]);
        (r.first() == Some(&b'$') && r.get(1..6).is_some_and(|x| x == id))
            || r.get(..4).is_some_and(|m| m.eq_ignore_ascii_case(b"*HQ,"))
    });
    match next {
        Some(l) => Cut::Frame(l),
        None if b.len() < BIN_MIN => Cut::Need(BIN_MIN),
        None if end => Cut::Frame(b.len().min(BIN_MAX)),
        None if b.len() > BIN_MAX + 6 => Cut::Frame(BIN_MIN),
        None => Cut::Need(BIN_MAX + 7),
    }
}

/// Looks at the first bytes of a flow direction.
pub fn probe(b: &[u8]) -> ProbeResult {
    match b.first() {
        None => return ProbeResult::NeedMore,
        Some(b'*') => {}
        Some(b'$') => {
            return match binary_prefix(b) {
                Some(true) => ProbeResult::Match(Verdict {
                    confidence: 85,
                    reason: "starts with '$' and a BCD device id, time and date: H02 (Sinotrack) binary record",
                    direction: Direction::ToServer,
                }),
                Some(false) => ProbeResult::NeedMore,
                None => ProbeResult::No,
            };
        }
        Some(_) => return ProbeResult::No,
    }
    match text_prefix(b) {
        None => ProbeResult::No,
        Some(TextHead::Partial) => ProbeResult::NeedMore,
        Some(TextHead::Whole { id, cmd }) => {
            let hq = b.get(1..3).is_some_and(|m| m.eq_ignore_ascii_case(b"HQ"));
            let c = b.get(5 + id..5 + id + cmd).unwrap_or(&[]);
            let direction = match c.first() {
                Some(b'S' | b'D' | b'R') if c != b"SMS" => Direction::ToDevice,
                Some(_) => Direction::ToServer,
                None => Direction::Unknown,
            };
            let (confidence, reason) = match (hq, id) {
                (true, 10 | 15) => (
                    95,
                    "starts with '*HQ,' and a 10- or 15-digit id: H02 (Sinotrack)",
                ),
                (true, _) => (
                    85,
                    "starts with '*HQ,', an id and a command: H02 (Sinotrack)",
                ),
                (false, _) => (
                    72,
                    "starts with '*' + two letters + ',' + a numeric id + a command: H02 sentence of another maker",
                ),
            };
            ProbeResult::Match(Verdict {
                confidence,
                reason,
                direction,
            })
        }
    }
}

/// Decodes one frame, text or binary.
pub fn decode(frame: &[u8], dir: Direction, b: &mut Builder<'_>) -> Message {
    match frame.first() {
        Some(b'$') => binary::decode(frame, b),
        _ => text::decode(frame, dir, b),
    }
}

#[cfg(test)]
mod tests;
