//! The "watch" protocol of children's and elderly GPS watches (3G / SeTracker and many
//! clones): `[<vendor>*<id>*<length>*<content>]`, the vendor two characters (`3G`, `SG`, `CS`,
//! `ZJ`), the id 10 digits (or the IMEI), the length four hex digits counting the content,
//! the content a command and its fields: `LK` link (heartbeat), `UD` / `UD2` / `UD_LTE`
//! position, `AL` alarm with a position, and the server's commands.
//!
//! From the watch protocol notes as circulated with the units ("3G watch communication
//! protocol"): a position is `ddmmyy,hhmmss,A|V,<lat decimal>,N|S,<lon decimal>,E|W,<speed
//! km/h>,<course>,<altitude>,<satellites>,<GSM>,<battery %>,<steps>,...`; the server answers a
//! link `LK` and an alarm `AL` with the bare command: `[3G*<id>*0002*LK]`. `ZJ` units put a
//! 4-hex message index before the length.

mod decode;

use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until, whitespace};
use crate::protocol::{Direction, Kind, Message, ProbeResult, ReplyOptions, Verdict};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of the watch protocol.
    name: "watch", title: "Watch protocol (3G / SeTracker)",
    ports: [5093], aliases: ["watch", "setracker"],
    framer: SizedFramer::new(measure), fields: decode::ALL, reply: reply,
}

const MAX_FRAME: usize = 64 * 1024;

/// The parts of a frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// End of the id (its start is 4).
    pub id_end: usize,
    /// Start of the 4 hex length digits.
    pub len_at: usize,
    /// The content's length.
    pub len: usize,
}

impl Head {
    /// Offset of the content.
    pub fn content(&self) -> usize {
        self.len_at + 5
    }
}

fn hex4(b: &[u8]) -> Option<usize> {
    let t = std::str::from_utf8(b.get(..4)?).ok()?;
    t.bytes()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| usize::from_str_radix(t, 16).ok())?
}

/// Reads `[VV*<digits>*[<hex4>*]<hex4>*`; `Err(true)` when more bytes could still make one.
pub fn head(b: &[u8]) -> Result<Head, bool> {
    let partial = |ok: bool| Err(ok);
    if b.first() != Some(&b'[') {
        return partial(b.is_empty());
    }
    let vendor = b.get(1..3).unwrap_or(b.get(1..).unwrap_or(&[]));
    if !vendor.iter().all(u8::is_ascii_alphanumeric) {
        return partial(false);
    }
    match b.get(3) {
        None => return partial(true),
        Some(b'*') => {}
        Some(_) => return partial(false),
    }
    let digits = b.iter().skip(4).take_while(|c| c.is_ascii_digit()).count();
    let id_end = 4 + digits;
    match b.get(id_end) {
        None => return partial(digits <= 16),
        Some(b'*') if (6..=16).contains(&digits) => {}
        Some(_) => return partial(false),
    }
    let field = |at: usize| -> Result<Option<usize>, bool> {
        match (b.get(at..at + 4).map(hex4), b.get(at + 4)) {
            (Some(Some(v)), Some(b'*')) => Ok(Some(v)),
            (Some(Some(_)), None) => Err(true),
            (Some(_), _) => Ok(None),
            (None, _) => Err(b.iter().skip(at).all(u8::is_ascii_hexdigit)),
        }
    };
    let first = field(id_end + 1)?.ok_or(false)?;
    // `ZJ` units: an index, then the length.
    let second = match field(id_end + 6) {
        Ok(v) => v,
        Err(more) if b.get(id_end + 6).is_none() || more => return Err(true),
        Err(_) => None,
    };
    Ok(match second {
        Some(len) if b.get(1..3) == Some(b"ZJ") => Head {
            id_end,
            len_at: id_end + 6,
            len,
        },
        _ => Head {
            id_end,
            len_at: id_end + 1,
            len: first,
        },
    })
}

fn measure(b: &[u8], end: bool) -> Cut {
    match (b.first(), head(b)) {
        (Some(c), _) if c.is_ascii_whitespace() => Cut::Skip(whitespace(b)),
        (_, Ok(h)) => {
            let total = h.content() + h.len + 1;
            match b.get(total - 1) {
                Some(b']') => Cut::Frame(total),
                // The length did not land on ']' (escaped binary content counts differently):
                // the next ']' ends the frame.
                Some(_) => match b.iter().take(MAX_FRAME).position(|&c| c == b']') {
                    Some(i) => Cut::Frame(i + 1),
                    None if b.len() >= MAX_FRAME => Cut::Junk(MAX_FRAME),
                    None => Cut::Need(b.len() + 1),
                },
                None if total > MAX_FRAME => Cut::Junk(b.len().min(MAX_FRAME)),
                None => Cut::Need(total),
            }
        }
        (_, Err(true)) if !end => Cut::Need(b.len() + 1),
        _ => junk_until(b, end, 1024, |r| head(r.get(..40).unwrap_or(r)).is_ok()),
    }
}

/// Looks at the first bytes of a flow direction: `[`, a vendor, `*`, an id, `*`, a length, `*`.
pub fn probe(b: &[u8]) -> ProbeResult {
    match head(b) {
        Ok(_) => ProbeResult::Match(Verdict {
            confidence: 94,
            reason: "starts with '[' + vendor + '*' + id + '*' + hex length + '*': the watch protocol (3G / SeTracker)",
            direction: Direction::Unknown,
        }),
        Err(true) => ProbeResult::NeedMore,
        Err(false) => ProbeResult::No,
    }
}

/// What a platform answers: the bare command to a link `LK` and to an alarm `AL`.
fn reply(m: &Message, frame: &[u8], _opts: &ReplyOptions) -> Option<Vec<u8>> {
    let h = head(frame).ok()?;
    let cmd = m.keyword?.slice(frame);
    if !(matches!(m.kind, Kind::Heartbeat) || m.alarm) {
        return None;
    }
    let mut out = frame.get(..=h.id_end)?.to_vec();
    out.extend(format!("{:04X}*", cmd.len()).into_bytes());
    out.extend_from_slice(cmd);
    out.push(b']');
    Some(out)
}

#[cfg(test)]
mod tests;
