//! Xexun / GT02 text reports (Xexun TK102/TK103 firmware, GT02 and their clones): an NMEA RMC
//! sentence without its `$`, preceded on newer firmware by a serial (`yymmddhhmmss`) and the
//! authorised phone, followed by the signal (`F` full / `L` low), an event text and
//! `imei:<IMEI>`, then satellites, altitude, battery (`F:4.15V`), charging, and cell data:
//!
//! `150324101241,+34600000000,GPRMC,101241.000,A,2234.0297,N,11405.9101,E,0.00,0.00,150324,,,A*6B,F,, imei:359586015829802,05,110.0,F:4.12V,0,140,1234,460,00,27A3,0E2F`
//!
//! (Layout as the Xexun TK102 GPRS notes describe it.) Such lines carry `imei:` in the middle:
//! this family names them, so that the home protocol's `imei:` reports are not looked for in
//! them. The RMC part is read with the raw NMEA reader.

mod decode;

use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until, whitespace};
use crate::protocol::{Direction, ProbeResult, Verdict};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of Xexun.
    name: "xexun", title: "Xexun / GT02 (GPRMC with imei)", ports: [5006], aliases: ["xexun"],
    framer: SizedFramer::new(measure), fields: decode::ALL,
}

const MAX_FRAME: usize = 1024;

/// Where the RMC sentence starts in `b`: after an optional serial and phone. `Err(true)` when
/// more bytes could still show it.
pub fn rmc_at(b: &[u8]) -> Result<usize, bool> {
    const RMC: [&[u8]; 2] = [b"GPRMC,", b"GNRMC,"];
    let at_rmc = |r: &[u8]| -> Result<(), bool> {
        if RMC.iter().any(|m| r.starts_with(m)) {
            Ok(())
        } else {
            Err(RMC.iter().any(|m| m.starts_with(r)))
        }
    };
    if b.first().is_some_and(|c| !c.is_ascii_digit()) {
        return at_rmc(b).map(|()| 0);
    }
    // A serial of 10 to 12 digits, a comma, the phone (or an operator's name), a comma.
    let serial = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let Some(rest) = b.get(serial..).filter(|r| !r.is_empty()) else {
        return Err(serial <= 12);
    };
    if !(10..=12).contains(&serial) || rest.first() != Some(&b',') {
        return Err(false);
    }
    let phone = rest
        .iter()
        .skip(1)
        .take(24)
        .position(|&c| c == b',')
        .ok_or(rest.len() < 26)?;
    let at = serial + 2 + phone;
    at_rmc(b.get(at..).unwrap_or(&[])).map(|()| at)
}

fn measure(b: &[u8], end: bool) -> Cut {
    match b.first() {
        Some(c) if c.is_ascii_whitespace() => return Cut::Skip(whitespace(b)),
        _ => {}
    }
    match rmc_at(b.get(..64).unwrap_or(b)) {
        Ok(_) => {}
        Err(true) if !end => return Cut::Need(b.len() + 1),
        Err(_) => {
            return junk_until(b, end, MAX_FRAME, |r| {
                rmc_at(r.get(..64).unwrap_or(r)).is_ok()
            });
        }
    }
    // The frame ends at the first line end after `imei:` (some units break the line after
    // the RMC checksum too).
    let w = b.get(..MAX_FRAME).unwrap_or(b);
    let from = w.windows(5).position(|x| x == b"imei:").unwrap_or(0);
    match w.iter().skip(from).position(|&c| c == b'\n') {
        Some(i) => Cut::Frame(from + i + 1),
        None if b.len() >= MAX_FRAME => Cut::Junk(MAX_FRAME),
        None => Cut::Need(b.len() + 1),
    }
}

/// Looks at the first bytes of a flow direction: `GPRMC,` (no `$`), or a serial and phone
/// before it.
pub fn probe(b: &[u8]) -> ProbeResult {
    match rmc_at(b) {
        Ok(0) => ProbeResult::Match(Verdict {
            confidence: 88,
            reason: "starts with 'GPRMC,' without '$': a Xexun / GT02 report (GPRMC ... imei:)",
            direction: Direction::ToServer,
        }),
        Ok(_) => ProbeResult::Match(Verdict {
            confidence: 93,
            reason: "starts with a serial, a phone and 'GPRMC,': a Xexun report (GPRMC ... imei:)",
            direction: Direction::ToServer,
        }),
        Err(true) => ProbeResult::NeedMore,
        Err(false) => ProbeResult::No,
    }
}

#[cfg(test)]
mod tests;
