//! Queclink @Track text protocol (GV, GL, GB units): `+RESP:GTFRI,<protocol version>,<IMEI>,
//! <device name>,...,<send time>,<count>$` from the device (`+BUFF:` for buffered reports,
//! `+ACK:` for answers and heartbeats), `+SACK:` and `AT+GT...` commands from the server.
//!
//! From Queclink's "@Track Air Interface Protocol" documents: fields are comma-separated, the
//! message ends with `$`, the IMEI is the third field; a position is written as GPS accuracy,
//! speed (km/h), azimuth, altitude, longitude, latitude (decimal degrees) and the GPS UTC time
//! `YYYYMMDDHHMMSS`, at a place that depends on the message and model; the second-last field
//! is the send time and the last the count number (4 hex digits). A heartbeat
//! `+ACK:GTHBD,<protocol version>,...,<count>$` is answered
//! `+SACK:GTHBD,<protocol version>,<count>$`.

mod decode;

use crate::protocol::text::{TextFramer, TextRules};
use crate::protocol::{Direction, Kind, Message, ProbeResult, ReplyOptions, Verdict};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of Queclink.
    name: "queclink", title: "Queclink @Track (text)",
    ports: [5004], aliases: ["gl200", "queclink"],
    framer: TextFramer::new(RULES), fields: decode::ALL, reply: reply,
}

const RULES: TextRules = TextRules::ended_by(b"$", 4096);

/// Message starts, their confidence, reason and direction.
const STARTS: [(&[u8], u8, &str, Direction); 5] = [
    (
        b"+RESP:GT",
        95,
        "starts with '+RESP:GT': a Queclink report",
        Direction::ToServer,
    ),
    (
        b"+BUFF:GT",
        95,
        "starts with '+BUFF:GT': a buffered Queclink report",
        Direction::ToServer,
    ),
    (
        b"+ACK:GT",
        93,
        "starts with '+ACK:GT': a Queclink answer or heartbeat",
        Direction::ToServer,
    ),
    (
        b"+SACK:",
        88,
        "starts with '+SACK:': a Queclink server acknowledgement",
        Direction::ToDevice,
    ),
    (
        b"AT+GT",
        85,
        "starts with 'AT+GT': a Queclink server command",
        Direction::ToDevice,
    ),
];

/// Looks at the first bytes of a flow direction.
pub fn probe(b: &[u8]) -> ProbeResult {
    for (start, confidence, reason, direction) in STARTS {
        if b.starts_with(start) {
            return ProbeResult::Match(Verdict {
                confidence,
                reason,
                direction,
            });
        }
        if start.starts_with(b) {
            return ProbeResult::NeedMore;
        }
    }
    ProbeResult::No
}

/// What a platform answers: `+SACK:GTHBD,<protocol version>,<count>$` to a heartbeat.
fn reply(m: &Message, frame: &[u8], _opts: &ReplyOptions) -> Option<Vec<u8>> {
    if m.kind != Kind::Heartbeat || !frame.starts_with(b"+ACK:GTHBD,") {
        return None;
    }
    let body = frame.strip_suffix(b"$").unwrap_or(frame);
    let mut f = body.split(|&c| c == b',');
    let version = f.nth(1)?;
    let count = body.rsplit(|&c| c == b',').next()?;
    let mut out = b"+SACK:GTHBD,".to_vec();
    out.extend_from_slice(version);
    out.push(b',');
    out.extend_from_slice(count);
    out.push(b'$');
    Some(out)
}

#[cfg(test)]
mod tests;
