//! A tracking server's log with hex dumps, one message per line (Traccar style):
//!
//! ```text
//! 2024-05-01 10:00:00  INFO: [T1a2b3c4d: gps103 < 203.0.113.5] HEX: 2323...
//! 2024-05-01 10:00:01  INFO: [12345678: 5001 > 1.2.3.4:40000] HEX: 4c4f4144
//! ```
//!
//! `<` is a message received from the device, `>` one sent to it. The layout is read
//! leniently: what is needed is a connection id and an arrow before `HEX:` (inside the last
//! `[...]` when there is one), and hex after it. Inside brackets, the first token is the id and
//! the last one before the arrow the server's port (a number) or protocol name (a word);
//! without brackets, the id is the token just before the arrow (`conn 99 <- 198.51.100.7`).
//! After the arrow comes the device's address (with or without a port).
//! A timestamp `YYYY-MM-DD hh:mm:ss[.fff]` at the start of the line is read as UTC (a log does
//! not say its time zone). Lines that do not match are counted and skipped.

use std::net::{IpAddr, SocketAddr};

use super::{CaptureError, InputFormat, Item, ItemKind, Source, Timestamp};
use crate::capture::input::Input;

/// The longest line accepted; a longer one is skipped as not a log line.
const MAX_LINE: usize = 4 * 1024 * 1024;

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
    /// The hex text after `HEX:`, not yet decoded (checked to be valid).
    pub(crate) hex: &'a str,
}

/// Parses one line; `None` when it is not a log line with a hex dump.
pub(crate) fn parse_line(line: &str) -> Option<LogLine<'_>> {
    let line = line.trim_end_matches(['\r', '\n']);
    let marker = find_ascii_ci(line, "hex:")?;
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
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let peer_text = right.split_whitespace().next().unwrap_or("");
    Some(LogLine {
        ts: parse_timestamp(before.trim_start()),
        conn: conn_id(id),
        to_device,
        peer: parse_peer(peer_text),
        local_port: local.and_then(|p| p.parse().ok()),
        udp: id.len() > 1
            && id.starts_with('U')
            && id.bytes().skip(1).all(|b| b.is_ascii_hexdigit()),
        hex,
    })
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

/// Decodes hex digits (whitespace ignored) into `out`; the text was checked by `valid_hex`.
fn decode_hex(text: &str, out: &mut Vec<u8>) {
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
    // FNV-1a: stable across runs, unlike the std hasher.
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
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
    Some(Timestamp::from_parts(
        days * 86_400 + hour * 3600 + min * 60 + sec,
        nanos,
    ))
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

/// A server log read line by line.
pub(crate) struct LogSource {
    name: String,
    input: Input,
    ignored: u64,
    done: bool,
}

impl LogSource {
    pub(crate) fn new(name: String, input: Input) -> Self {
        LogSource {
            name,
            input,
            ignored: 0,
            done: false,
        }
    }

    /// The length of the next line including its `\n` (or up to the end), and whether that is
    /// the whole line (`false` for the first [`MAX_LINE`] bytes of a longer one); `None` at
    /// the end.
    fn next_line_len(&mut self) -> Result<Option<(usize, bool)>, CaptureError> {
        let mut searched = 0;
        loop {
            let avail = self.input.available();
            let found = avail
                .get(searched..)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'));
            if let Some(pos) = found {
                return Ok(Some((searched + pos + 1, true)));
            }
            searched = avail.len();
            if searched >= MAX_LINE {
                return Ok(Some((searched, false)));
            }
            let at = self.input.offset();
            let want = (searched * 2).clamp(64 * 1024, MAX_LINE);
            let full = self
                .input
                .fill(want)
                .map_err(|e| CaptureError::damaged(&self.name, at, format!("read error: {e}")))?;
            if !full && self.input.available().len() == searched {
                return Ok((searched > 0).then_some((searched, true)));
            }
        }
    }

    /// The next log message, skipping lines that are not one.
    fn read(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        while !self.done {
            let Some((len, whole)) = self.next_line_len()? else {
                self.done = true;
                break;
            };
            if !whole {
                // An over-long line: skip it to its end.
                self.ignored += 1;
                self.input.consume(len);
                while let Some((len, whole)) = self.next_line_len()? {
                    self.input.consume(len);
                    if whole {
                        break;
                    }
                }
                continue;
            }
            let bytes = self.input.available().get(..len).unwrap_or(&[]);
            let parsed = std::str::from_utf8(bytes).ok().and_then(parse_line);
            match parsed {
                Some(line) => {
                    item.ts = line.ts;
                    item.kind = ItemKind::Log {
                        conn: line.conn,
                        to_device: line.to_device,
                        peer: line.peer,
                        local_port: line.local_port,
                        udp: line.udp,
                    };
                    item.data.clear();
                    decode_hex(line.hex, &mut item.data);
                    self.input.consume(len);
                    return Ok(true);
                }
                None => {
                    if !bytes.iter().all(u8::is_ascii_whitespace) {
                        self.ignored += 1;
                    }
                    self.input.consume(len);
                }
            }
        }
        Ok(false)
    }
}

impl Source for LogSource {
    fn format(&self) -> InputFormat {
        InputFormat::ServerLog
    }

    fn next_into(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        let result = self.read(item);
        if result.is_err() {
            self.done = true;
        }
        result
    }

    fn bytes_read(&self) -> u64 {
        self.input.offset()
    }

    fn total_bytes(&self) -> Option<u64> {
        self.input.size()
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn ignored(&self) -> u64 {
        self.ignored
    }
}
