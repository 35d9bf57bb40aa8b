//! NMEA 0183 sentences forwarded raw (`$GPRMC`, `$GNRMC`, `$GPGGA`, ...): units and phone apps
//! that relay their GNSS receiver's output as it is, one sentence per line.
//!
//! A sentence is `$` + talker (`GP`, `GN`, `GL`, `GA`, `GB`, `BD`) + type + `,` fields, then
//! `*` and the XOR of the bytes between `$` and `*` in two hex digits, then `\r\n` (NMEA 0183,
//! as summarised by gpsd's "NMEA 0183 revealed"). The sentences carry no device identifier.

mod decode;

use crate::protocol::kit;
use crate::protocol::kit::prefix_of;
use crate::protocol::text::{TextFramer, TextRules};
use crate::protocol::{Direction, ProbeResult, Verdict};

pub(crate) use decode::rmc_fields;
pub use decode::{Rmc, decode, rmc};

crate::protocol::kit::register! {
    /// Registration of raw NMEA.
    name: "nmea", title: "NMEA 0183 sentences (raw)", ports: [], aliases: ["nmea"],
    framer: TextFramer::new(RULES), fields: decode::ALL,
}

/// Talkers a GNSS receiver uses.
const TALKERS: [&[u8]; 6] = [b"GP", b"GN", b"GL", b"GA", b"GB", b"BD"];

const RULES: TextRules = TextRules::ended_by(b"\n", 512);

/// Looks at the first bytes of a flow direction: `$`, a GNSS talker, three capital letters
/// and a comma.
pub fn probe(b: &[u8]) -> ProbeResult {
    let Some(rest) = b.strip_prefix(b"$") else {
        return kit::need_more_if(b.is_empty());
    };
    let talker = rest.get(..2).unwrap_or(rest);
    if !TALKERS.iter().any(|t| prefix_of(talker, t)) {
        return ProbeResult::No;
    }
    let kind = rest.get(2..5).unwrap_or(rest.get(2..).unwrap_or(&[]));
    if !kind.iter().all(u8::is_ascii_uppercase) {
        return ProbeResult::No;
    }
    match rest.get(5) {
        None => ProbeResult::NeedMore,
        Some(b',') => {
            let (confidence, reason) = if kind == b"RMC" || kind == b"GGA" {
                (
                    92,
                    "starts with an NMEA position sentence ('$GPRMC' / '$GPGGA' and a talker): GNSS output forwarded raw",
                )
            } else {
                (
                    80,
                    "starts with an NMEA sentence ('$' + talker + type + ','): GNSS output forwarded raw",
                )
            };
            ProbeResult::Match(Verdict {
                confidence,
                reason,
                direction: Direction::ToServer,
            })
        }
        Some(_) => ProbeResult::No,
    }
}

#[cfg(test)]
mod tests;
