//! Meitrack (MVT, T3xx, T6xx units): `$$<flag><length>,<IMEI>,<command>,<data>*<checksum>\r\n`
//! from the device, the same with `@@` from the server.
//!
//! From Meitrack's "GPRS protocol" documents: the flag is one character chosen by the sender
//! (a reply carries the flag of its command); the length counts from the comma after it up to
//! and including `\r\n`, so binary data (the `CCC` buffered positions, `D00` photo packets) can
//! be framed without a terminator; the checksum is the sum of all bytes up to and including
//! `*`, modulo 256, in two hex digits. `AAA` is a position report: event code, latitude,
//! longitude (decimal degrees), `yymmddhhmmss` UTC, validity, satellites, GSM signal, speed
//! (km/h), course, HDOP, altitude, mileage, run time, base station, I/O, analog inputs.

mod decode;

use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until, whitespace};
use crate::protocol::{Direction, ProbeResult, Verdict};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of Meitrack.
    name: "meitrack", title: "Meitrack", ports: [5020], aliases: ["meitrack"],
    framer: SizedFramer::new(measure), fields: decode::ALL,
}

/// Largest frame (photo packets are about 1 KiB; the length field has up to 5 digits).
const MAX_FRAME: usize = 64 * 1024;

/// What the start of a frame shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// Could still be a frame start.
    Partial,
    /// A header: the total frame length, the offset of the comma after the length, and true
    /// for the server's `@@`.
    Whole {
        /// Bytes of the whole frame.
        total: usize,
        /// Offset of the comma after the length.
        comma: usize,
        /// True for the server's `@@`.
        server: bool,
    },
}

/// Reads `$$<flag><digits>,` or `@@<flag><digits>,`.
pub fn head(b: &[u8]) -> Option<Head> {
    let mark = b.get(..2).unwrap_or(b);
    let server = mark.first() == Some(&b'@');
    if !(b"$$".starts_with(mark) || b"@@".starts_with(mark)) {
        return None;
    }
    let Some(flag) = b.get(2) else {
        return Some(Head::Partial);
    };
    if !flag.is_ascii_graphic() || *flag == b',' {
        return None;
    }
    let digits = b.iter().skip(3).take_while(|c| c.is_ascii_digit()).count();
    match b.get(3 + digits) {
        None if digits <= 5 => Some(Head::Partial),
        Some(b',') if (1..=5).contains(&digits) => {
            let len = b
                .get(3..3 + digits)?
                .iter()
                .fold(0usize, |a, d| a * 10 + usize::from(d - b'0'));
            let comma = 3 + digits;
            (len > 0 && comma + len <= MAX_FRAME).then_some(Head::Whole {
                total: comma + len,
                comma,
                server,
            })
        }
        _ => None,
    }
}

fn measure(b: &[u8], end: bool) -> Cut {
    match (b.first(), head(b)) {
        (Some(c), _) if c.is_ascii_whitespace() => Cut::Skip(whitespace(b)),
        (_, Some(Head::Whole { total, .. })) if b.len() >= total => Cut::Frame(total),
        (_, Some(Head::Whole { total, .. })) => Cut::Need(total),
        (_, Some(Head::Partial)) if !end => Cut::Need(b.len() + 1),
        _ => junk_until(b, end, 1024, |r| {
            matches!(head(r.get(..12).unwrap_or(r)), Some(Head::Whole { .. }))
        }),
    }
}

/// Looks at the first bytes of a flow direction: `$$` (or `@@`), a flag, a length, `,`, the
/// IMEI and `,`.
pub fn probe(b: &[u8]) -> ProbeResult {
    match head(b) {
        None => ProbeResult::No,
        Some(Head::Partial) => ProbeResult::NeedMore,
        Some(Head::Whole { comma, server, .. }) => {
            let rest = b.get(comma + 1..).unwrap_or(&[]);
            let id = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            match rest.get(id) {
                None if id < 20 => ProbeResult::NeedMore,
                Some(b',') if (6..=20).contains(&id) => {
                    let (confidence, reason, direction) = if server {
                        (
                            93,
                            "starts with '@@', a flag, a length and the IMEI: a Meitrack server command",
                            Direction::ToDevice,
                        )
                    } else {
                        (
                            96,
                            "starts with '$$', a flag, a length and the IMEI: Meitrack",
                            Direction::ToServer,
                        )
                    };
                    ProbeResult::Match(Verdict {
                        confidence,
                        reason,
                        direction,
                    })
                }
                _ => ProbeResult::No,
            }
        }
    }
}

#[cfg(test)]
mod tests;
