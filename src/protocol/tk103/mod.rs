//! TK103 (Xexun style) text protocol: `(` + a 12-character device id + a 4-character command
//! (`BP05` login, `BR00` position, `BO01` alarm, `BP00` handshake; the server's `AP05`, `AP01`,
//! `AR00`, ...) + the command's data + `)`. Later firmware writes a 15-digit IMEI and commas:
//! `(864768010869060,DW30,050117,A,5135.82713N,00001.17918E,...)`.
//!
//! From the TK103 GPRS protocol notes (Xexun TK103 "communication protocol" as circulated with
//! the units): device commands start with `B`, server commands with `A`; a login `BP05` is
//! answered `(<id>AP05)`, a handshake `BP00` with `(<id>AP01HSO)`.

mod decode;

use crate::protocol::kit;
use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until, whitespace};
use crate::protocol::{Direction, Kind, Message, ProbeResult, ReplyOptions, Verdict};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of TK103.
    name: "tk103", title: "TK103 (Xexun style)", ports: [5002], aliases: ["tk103"],
    framer: SizedFramer::new(measure), fields: decode::ALL, reply: reply,
}

/// Longest frame (cell lists and settings texts run to a few hundred bytes).
const MAX_FRAME: usize = 2048;

/// A frame runs from `(` to the first `)`, except that a text quoted `,$...$)` (the settings
/// a `ZC03` reports) may hold `)` and line ends; whitespace between frames is skipped.
fn measure(b: &[u8], end: bool) -> Cut {
    match b.first() {
        Some(c) if c.is_ascii_whitespace() => Cut::Skip(whitespace(b)),
        Some(b'(') => {
            let w = b.get(..MAX_FRAME).unwrap_or(b);
            let close = w.iter().position(|&c| c == b')');
            let quote = w.windows(2).position(|p| p == b",$");
            let stop = match (close, quote) {
                (Some(c), Some(q)) if q < c => w
                    .get(q + 2..)
                    .and_then(|r| r.windows(2).position(|p| p == b"$)"))
                    .map(|i| q + 2 + i + 1),
                _ => close,
            };
            match stop {
                Some(i) => Cut::Frame(i + 1),
                None if b.len() >= MAX_FRAME => Cut::Junk(MAX_FRAME),
                None => Cut::Need(b.len() + 1),
            }
        }
        _ => junk_until(b, end, MAX_FRAME, |r| r.first() == Some(&b'(')),
    }
}

/// Where the device id and the command lie in a frame body (after `(`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Length of the id.
    pub id_len: usize,
    /// Offset of the 4-character command in the body.
    pub cmd_at: usize,
    /// True for the comma-separated form (`<IMEI>,DW30,...`).
    pub comma: bool,
    /// True when the id is all digits.
    pub digits: bool,
}

fn is_cmd(c: &[u8]) -> bool {
    matches!(c, [a, b, x, y] if a.is_ascii_uppercase() && b.is_ascii_uppercase()
        && x.is_ascii_alphanumeric() && y.is_ascii_alphanumeric())
}

/// Finds the id and command in `body` (the bytes after `(`); `None` when they are not there
/// (or not yet: see [`probe`]).
pub fn head(body: &[u8]) -> Option<Head> {
    let d = body.iter().take_while(|c| c.is_ascii_digit()).count();
    if (10..=16).contains(&d) {
        if body.get(d) == Some(&b',') {
            let cmd = body.get(d + 1..d + 5)?;
            let after = body.get(d + 5)?;
            return (is_cmd(cmd) && matches!(after, b',' | b')')).then_some(Head {
                id_len: d,
                cmd_at: d + 1,
                comma: true,
                digits: true,
            });
        }
        if is_cmd(body.get(d..d + 4)?) {
            return Some(Head {
                id_len: d,
                cmd_at: d,
                comma: false,
                digits: true,
            });
        }
        return None;
    }
    // An id with letters (some units carry a name): the command follows 10 to 15 alphanumerics.
    (10..=15).find_map(|p| {
        let id = body.get(..p)?;
        (id.iter().all(u8::is_ascii_alphanumeric)
            && id.iter().any(u8::is_ascii_digit)
            && is_cmd(body.get(p..p + 4)?))
        .then_some(Head {
            id_len: p,
            cmd_at: p,
            comma: false,
            digits: false,
        })
    })
}

/// Looks at the first bytes of a flow direction: `(`, an id of 10 to 16 characters and a
/// command of two capitals and two characters.
pub fn probe(b: &[u8]) -> ProbeResult {
    let Some(body) = b.strip_prefix(b"(") else {
        return kit::need_more_if(b.is_empty());
    };
    let Some(h) = head(body) else {
        let plausible = body.len() < 22
            && body.iter().all(|c| c.is_ascii_alphanumeric() || *c == b',')
            && body.iter().filter(|&&c| c == b',').count() <= 1;
        return kit::need_more_if(plausible);
    };
    let cmd = body.get(h.cmd_at..h.cmd_at + 4).unwrap_or(&[]);
    let direction = match cmd.first() {
        _ if h.comma => Direction::ToServer,
        Some(b'A') => Direction::ToDevice,
        Some(b'B') => Direction::ToServer,
        _ => Direction::Unknown,
    };
    let (confidence, reason) = match (h.comma, h.digits, h.id_len, direction) {
        (true, _, _, _) => (
            90,
            "starts with '(' + a numeric id + ',' + a 4-character command such as DW30: TK103 (comma form)",
        ),
        (false, true, 12, Direction::ToServer) => (
            97,
            "starts with '(' + a 12-digit id + a device command such as BP05 or BR00: TK103 (Xexun style)",
        ),
        (false, true, 12, Direction::ToDevice) => (
            93,
            "starts with '(' + a 12-digit id + a server command such as AP05: TK103 (Xexun style), server side",
        ),
        (false, true, _, _) => (
            85,
            "starts with '(' + a numeric id + a 4-character command such as BR00: TK103 (Xexun style)",
        ),
        (false, false, _, _) => (
            70,
            "starts with '(' + an id with letters + a 4-character command such as BR00: TK103 (Xexun style)",
        ),
    };
    ProbeResult::Match(Verdict {
        confidence,
        reason,
        direction,
    })
}

/// What a platform answers: `(<id>AP05)` to a login `BP05`, `(<id>AP01HSO)` to a handshake
/// `BP00`.
fn reply(m: &Message, frame: &[u8], _opts: &ReplyOptions) -> Option<Vec<u8>> {
    let body = frame.strip_prefix(b"(")?;
    let h = head(body)?;
    if h.comma {
        return None;
    }
    let id = body.get(..h.id_len)?;
    let answer: &[u8] = match (m.kind, body.get(h.cmd_at..h.cmd_at + 4)?) {
        (Kind::Login, b"BP05") => b"AP05",
        (Kind::Heartbeat, b"BP00") => b"AP01HSO",
        _ => return None,
    };
    let mut out = Vec::with_capacity(id.len() + answer.len() + 2);
    out.push(b'(');
    out.extend_from_slice(id);
    out.extend_from_slice(answer);
    out.push(b')');
    Some(out)
}

#[cfg(test)]
mod tests;
