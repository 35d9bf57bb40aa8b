//! Suntech (ST300, ST600, SA200, ST4xx and the universal firmware): `;`-separated text
//! reports ending with `\r`, headed by the model and report type (`ST300STT;<id>;...`) or, on
//! universal firmware, by the report type alone (`STT;<10-digit id>;<mask>;...`).
//!
//! From Suntech's protocol documents: `STT` status (periodic position), `ALT` alert, `EMG`
//! emergency, `EVT` event, `ALV` keep-alive, `UEX` external data, `RES` / `CMD` command
//! answers; the id follows the header; a position is the date `yyyymmdd`, the time
//! `hh:mm:ss`, cell data, latitude and longitude in signed decimal degrees, speed (km/h),
//! course, satellites and the fix flag.

mod decode;

use crate::protocol::text::{TextFramer, TextRules};
use crate::protocol::{Direction, ProbeResult};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of Suntech.
    name: "suntech", title: "Suntech (text)", ports: [5011], aliases: ["suntech"],
    framer: TextFramer::new(RULES), fields: decode::ALL,
}

const RULES: TextRules = TextRules::ended_by(b"\r\n", 4096);

/// Report types.
pub const TYPES: [&[u8]; 11] = [
    b"STT", b"ALT", b"EMG", b"EVT", b"ALV", b"UEX", b"RES", b"CMD", b"HTE", b"BLE", b"BSA",
];

/// The header's length (up to and including its `;`), with true for the universal form;
/// `Err(true)` when more bytes could still make one.
pub fn header(b: &[u8]) -> Result<(usize, bool), bool> {
    let model = |m: &[u8]| {
        m.len() == 5
            && (m.starts_with(b"ST") || m.starts_with(b"SA"))
            && m.iter().skip(2).all(u8::is_ascii_digit)
    };
    let is_type = |t: &[u8]| TYPES.contains(&t);
    let semi = b.iter().take(10).position(|&c| c == b';');
    let Some(i) = semi else {
        // Still a start of `STxxxTYP` or `TYP`?
        let ok = b.len() < 9
            && (TYPES.iter().any(|t| t.starts_with(b) || b.starts_with(t))
                || b.get(..2)
                    .is_none_or(|p| b"ST".starts_with(p) || b"SA".starts_with(p)));
        return Err(ok);
    };
    let head = b.get(..i).unwrap_or(&[]);
    match head.len() {
        3 if is_type(head) => Ok((i + 1, true)),
        8 if model(head.get(..5).unwrap_or(&[])) && is_type(head.get(5..).unwrap_or(&[])) => {
            Ok((i + 1, false))
        }
        5 if head == b"ST910" => Ok((i + 1, false)),
        _ => Err(false),
    }
}

/// Looks at the first bytes of a flow direction: a model and report type (`ST300STT;`), or a
/// report type and a 10-digit id (`STT;0560001616;`).
pub fn probe(b: &[u8]) -> ProbeResult {
    let m =
        |confidence, reason| crate::protocol::kit::matched(confidence, reason, Direction::ToServer);
    match header(b) {
        Ok((n, false)) => {
            let id = b
                .iter()
                .skip(n)
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            match b.get(n + id) {
                Some(b';' | b'\r') if id > 0 => m(
                    93,
                    "starts with a Suntech model and report type ('ST300STT;') and an id",
                ),
                None => ProbeResult::NeedMore,
                _ => ProbeResult::No,
            }
        }
        Ok((n, true)) => {
            let id = b.iter().skip(n).take_while(|c| c.is_ascii_digit()).count();
            match b.get(n + id) {
                Some(b';') if (9..=10).contains(&id) => m(
                    85,
                    "starts with a Suntech report type ('STT;') and a 9- or 10-digit id (universal firmware)",
                ),
                None if id <= 10 => ProbeResult::NeedMore,
                _ => ProbeResult::No,
            }
        }
        Err(true) => ProbeResult::NeedMore,
        Err(false) => ProbeResult::No,
    }
}

#[cfg(test)]
mod tests;
