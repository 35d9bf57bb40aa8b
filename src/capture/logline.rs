//! One line of a tracking server's log, as the most widely deployed open-source tracking server
//! (Traccar) writes it, and the older hex-dump layouts:
//!
//! ```text
//! 2024-05-01 10:00:00  INFO: [T1a2b3c4d] connected
//! 2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] ##,imei:359586015829802,A;
//! 2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 > 203.0.113.5] LOAD
//! 2024-05-01 10:00:01  INFO: [T9c8d7e6f: gt06 < 198.51.100.9] 78780d0108647170032835810009...
//! 2024-05-01 10:00:02  INFO: [U5e6f7a8b: gps103 < 198.51.100.7] 359586015829802;
//! 2024-05-01 10:00:03  INFO: [T1a2b3c4d] disconnected
//! 2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] HEX: 2323...
//! 10:00:02 DEBUG conn 99 <- 198.51.100.7 HEX: 6f6e
//! ```
//!
//! The server writes the data as text when every byte is printable (a carriage return or line
//! feed as the two characters `\r`, `\n`) and as bare hex otherwise, so bare data made only of
//! hex digits (an even number of them) is a hex dump: no message of the text protocols on the
//! port consists of hex digits alone. `HEX:` before the data marks a dump in older layouts.
//! `<` is a message received from the device, `>` one sent to it. Inside the brackets the
//! first token is the connection id (`T` TCP, `U` UDP, then hex) and the token before the arrow
//! the protocol the server took the connection for (a hint) or its port (a number).
//! `connected` and `disconnected` lines give connection lifetimes; other lines (`error`,
//! `timed out`, positions, `logging throttled`, start-up messages) are counted and skipped.
//! A timestamp `YYYY-MM-DD hh:mm:ss[.fff]` at the start of the line is read as UTC (a log does
//! not say its time zone).

use std::net::{IpAddr, SocketAddr};

use super::{ProtocolHint, Timestamp};

/// What a log line carries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Body<'a> {
    /// A hex dump (checked to be valid), not yet decoded.
    Hex(&'a str),
    /// Text as logged, `\r` and `\n` still escaped.
    Text(&'a str),
    /// The connection opened.
    Connected,
    /// The connection closed.
    Disconnected,
}

/// One parsed log line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LogLine<'a> {
    pub(crate) ts: Option<Timestamp>,
    pub(crate) conn: u64,
    pub(crate) to_device: bool,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) local_port: Option<u16>,
    /// True for a UDP connection (Traccar's `U` id prefix): each line is one datagram.
    pub(crate) udp: bool,
    /// The protocol name the server logged (`gps103`), when it logged a name.
    pub(crate) hint: Option<ProtocolHint>,
    pub(crate) body: Body<'a>,
}

/// Parses one line; `None` when it is not a log line about a connection's data or lifetime.
pub(crate) fn parse_line(line: &str) -> Option<LogLine<'_>> {
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(marker) = find_ascii_ci(line, "hex:") {
        return hex_marker_line(line, marker);
    }
    bracket_line(line).or_else(|| event_line(line))
}

/// The older layouts: an id, an arrow, then `HEX:` and the dump.
fn hex_marker_line(line: &str, marker: usize) -> Option<LogLine<'_>> {
    let head = line.get(..marker)?;
    let hex = line.get(marker + 4..)?.trim();
    if hex.is_empty() || !valid_hex(hex) {
        return None;
    }
    // The bracket holding the arrow: the last `[` before the arrow and the last `]` (an IPv6
    // peer brings brackets of its own).
    let arrow_at = head.rfind(['<', '>'])?;
    let open = head.get(..arrow_at)?.rfind('[');
    let close = head.rfind(']').filter(|&c| c > arrow_at);
    let (inner, before, bracketed) = match (open, close) {
        (Some(open), Some(close)) => (head.get(open + 1..close)?, head.get(..open)?, true),
        _ => (head, head, false),
    };
    let arrow = inner.rfind(['<', '>'])?;
    let to_device = inner.get(arrow..)?.starts_with('>');
    let left = inner.get(..arrow)?.trim_end().trim_end_matches('-');
    let right = inner
        .get(arrow + 1..)?
        .trim_start()
        .trim_start_matches('-')
        .trim_start();
    let tokens: Vec<&str> = left
        .split([' ', '\t', ':', ','])
        .filter(|t| !t.is_empty())
        .collect();
    let (id, local) = match (tokens.as_slice(), bracketed) {
        ([], _) => return None,
        ([id], _) => (*id, None),
        ([id, .., local], true) => (*id, Some(*local)),
        ([.., id], false) => (*id, None),
    };
    if !is_id(id) {
        return None;
    }
    let peer_text = right.split_whitespace().next().unwrap_or("");
    Some(connection_line(
        before,
        id,
        local,
        to_device,
        parse_peer(peer_text),
        Body::Hex(hex),
    ))
}

/// `[<id>: <protocol or port> <arrow> <host>] <data>`, the data as text or bare hex.
fn bracket_line(line: &str) -> Option<LogLine<'_>> {
    let mut from = 0;
    while let Some(rel) = line.get(from..).and_then(|r| r.find('[')) {
        let open = from + rel;
        from = open + 1;
        let Some(parsed) = bracket_at(line, open) else {
            continue;
        };
        return Some(parsed);
    }
    None
}

fn bracket_at(line: &str, open: usize) -> Option<LogLine<'_>> {
    let rest = line.get(open + 1..)?;
    let colon = rest.find(": ")?;
    let id = rest.get(..colon)?;
    if !is_id(id) {
        return None;
    }
    let after_id = rest.get(colon + 2..)?;
    let space = after_id.find(' ')?;
    let local = after_id.get(..space)?;
    if !is_id(local) {
        return None;
    }
    let arrow_part = after_id.get(space + 1..)?;
    let to_device = match arrow_part.get(..2)? {
        "< " => false,
        "> " => true,
        _ => return None,
    };
    let host_part = arrow_part.get(2..)?;
    let close = host_part.find("] ").or_else(|| {
        // A line whose data is empty ends with the bracket.
        host_part.ends_with(']').then(|| host_part.len() - 1)
    })?;
    let host = host_part.get(..close)?;
    if host.is_empty() || host.contains(' ') {
        return None;
    }
    let data = host_part.get(close + 2..).unwrap_or("");
    if data.is_empty() {
        return None;
    }
    let body = if valid_bare_hex(data) {
        Body::Hex(data)
    } else {
        Body::Text(data)
    };
    Some(connection_line(
        line.get(..open)?,
        id,
        Some(local),
        to_device,
        parse_peer(host),
        body,
    ))
}

/// `[<id>] connected` and `[<id>] disconnected`.
fn event_line(line: &str) -> Option<LogLine<'_>> {
    let open = line.find('[')?;
    let rest = line.get(open + 1..)?;
    let close = rest.find("] ")?;
    let id = rest.get(..close)?;
    if !is_id(id) {
        return None;
    }
    let body = match rest.get(close + 2..)?.trim() {
        "connected" => Body::Connected,
        "disconnected" => Body::Disconnected,
        _ => return None,
    };
    Some(connection_line(
        line.get(..open)?,
        id,
        None,
        false,
        None,
        body,
    ))
}

fn connection_line<'a>(
    before: &str,
    id: &str,
    local: Option<&str>,
    to_device: bool,
    peer: Option<SocketAddr>,
    body: Body<'a>,
) -> LogLine<'a> {
    let udp =
        id.len() > 1 && id.starts_with('U') && id.bytes().skip(1).all(|b| b.is_ascii_hexdigit());
    let conn = conn_id(id);
    let local_port = local.and_then(|p| p.parse().ok());
    let hint = local
        .filter(|l| local_port.is_none() && l.bytes().any(|b| b.is_ascii_alphabetic()))
        .and_then(ProtocolHint::new);
    LogLine {
        ts: parse_timestamp(before.trim_start()),
        conn,
        to_device,
        peer,
        local_port,
        udp,
        hint,
        body,
    }
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Byte position of `needle` (ASCII, lowercase) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    (0..=hay.len().checked_sub(n)?).find(|&i| {
        hay.as_bytes()
            .get(i..i + n)
            .is_some_and(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    })
}

fn valid_hex(text: &str) -> bool {
    let digits = text.bytes().filter(|b| !b.is_ascii_whitespace());
    let mut count = 0usize;
    for b in digits {
        if !b.is_ascii_hexdigit() {
            return false;
        }
        count += 1;
    }
    count > 0 && count & 1 == 0
}

/// A bare dump: hex digits only, an even number, no spaces.
fn valid_bare_hex(text: &str) -> bool {
    !text.is_empty() && text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Decodes hex digits (whitespace ignored) into `out`; the text was checked to be hex.
pub(crate) fn decode_hex(text: &str, out: &mut Vec<u8>) {
    let mut high: Option<u8> = None;
    for b in text.bytes() {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => continue,
        };
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
}

/// Text as the server logged it: `\r` and `\n` written as two characters each are put back.
pub(crate) fn decode_text(text: &str, out: &mut Vec<u8>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match (c, b.get(i + 1)) {
            (b'\\', Some(b'r')) => {
                out.push(b'\r');
                i += 2;
            }
            (b'\\', Some(b'n')) => {
                out.push(b'\n');
                i += 2;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// FNV-1a: stable across runs, unlike the std hasher.
fn fnv<'a>(bytes: impl IntoIterator<Item = &'a u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A connection id: hexadecimal (after Traccar's `T`/`U` transport prefix) or else hashed.
fn conn_id(id: &str) -> u64 {
    let digits = match id.strip_prefix(['T', 'U']) {
        Some(rest)
            if !rest.is_empty()
                && rest.len() <= 16
                && rest.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            rest
        }
        _ => id,
    };
    if let Some(v) = (digits.len() <= 16)
        .then(|| u64::from_str_radix(digits, 16).ok())
        .flatten()
    {
        return v;
    }
    fnv(id.as_bytes())
}

/// The device's address: `ip`, `ip:port`, `[v6]`, `[v6]:port`, with or without Java's leading
/// `/`; port 0 when none is given.
fn parse_peer(text: &str) -> Option<SocketAddr> {
    let text = text.trim_start_matches('/').trim_end_matches(',');
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 0))
}

/// `YYYY-MM-DD hh:mm:ss[.fraction]` (or with `T`) at the start of `text`, read as UTC.
fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = text.get(from..from + len)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !seps.iter().all(|&(i, c)| b.get(i) == Some(&c)) || !matches!(b.get(10), Some(b' ' | b'T')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut nanos = 0i64;
    if matches!(b.get(19), Some(b'.' | b',')) {
        let frac: String = text
            .get(20..)?
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        let scale = 10i64.pow(9 - frac.len() as u32);
        nanos = frac.parse::<i64>().unwrap_or(0) * scale;
    }
    let days = days_from_civil(year, month, day);
    Timestamp::from_parts(days * 86_400 + hour * 3600 + min * 60 + sec, nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn traccar_text_hex_and_events() {
        let l = parse_line("2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] ##,imei:359586015829802,A;").unwrap();
        assert_eq!(l.body, Body::Text("##,imei:359586015829802,A;"));
        assert_eq!(l.hint.unwrap().as_str(), "gps103");
        assert_eq!((l.conn, l.to_device, l.udp), (0x1a2b3c4d, false, false));
        let l = parse_line("[T9c8d7e6f: gt06 > 198.51.100.9] 78780501000955940d0a").unwrap();
        assert_eq!(l.body, Body::Hex("78780501000955940d0a"));
        assert!(l.to_device);
        let l = parse_line("2024-05-01 10:00:03  INFO: [T1a2b3c4d] disconnected").unwrap();
        assert_eq!(l.body, Body::Disconnected);
        assert_eq!(l.conn, 0x1a2b3c4d);
        assert!(parse_line("2024-05-01 10:00:03  INFO: [T1a2b3c4d] error").is_none());
        let a = parse_line("[U5e6f7a8b: gps103 < 198.51.100.7] 359586015829802;").unwrap();
        assert!(a.udp);
        assert_eq!(a.conn, 0x5e6f7a8b);
        let mut out = Vec::new();
        decode_text("imei:1,tracker;\\r\\n", &mut out);
        assert_eq!(out, b"imei:1,tracker;\r\n");
    }

    #[test]
    fn a_time_past_what_nanoseconds_hold_is_no_time() {
        let ts = |t: &str| parse_timestamp(t).map(|t| t.0);
        assert_eq!(
            ts("2024-05-01 10:00:00.25"),
            Some(1_714_557_600_250_000_000)
        );
        assert_eq!(ts("1970-01-01T00:00:00"), Some(0));
        // The last second nanoseconds in an i64 hold, and the first past it either way.
        assert_eq!(ts("2262-04-11 23:47:16"), Some(9_223_372_036_000_000_000));
        assert_eq!(ts("2262-04-11 23:47:17"), None);
        assert_eq!(ts("1677-09-21 00:12:44"), Some(-9_223_372_036_000_000_000));
        assert_eq!(ts("1677-09-21 00:12:43"), None);
        assert_eq!(ts("2326-01-01 00:00:00"), None);
        assert_eq!(ts("1626-01-01 00:00:00"), None);
        // The line is still read, without a time.
        let l = parse_line("2326-05-01 10:00:00  INFO: [T1a2b3c4d] disconnected").unwrap();
        assert_eq!((l.ts, l.body), (None, Body::Disconnected));
    }
}
