//! OsmAnd / HTTP position protocol (OsmAnd's online tracking, the Traccar Client app, many
//! phone apps and some units): an HTTP request `GET /?id=<device>&lat=..&lon=..&timestamp=..
//! &speed=..` (or the same parameters in a `POST` body, or the Traccar Client's JSON
//! `{"location":{...},"device_id":...}`), answered with an HTTP status.
//!
//! From the OsmAnd protocol as Traccar documents it (traccar.org "OsmAnd protocol"): the
//! device is named by `id` (or `deviceid`); `lat`, `lon` in decimal degrees (or `location=lat,
//! lon`); `timestamp` as Unix seconds, milliseconds, or an ISO date; `speed` in knots;
//! `bearing` / `heading`, `altitude`, `accuracy`, `batt`. The server answers `200 OK`.

mod decode;

use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until, whitespace};
use crate::protocol::{Direction, Kind, Message, ProbeResult, ReplyOptions};

pub use decode::decode;

crate::protocol::kit::register! {
    /// Registration of OsmAnd.
    name: "osmand", title: "OsmAnd / HTTP positions",
    ports: [5055], aliases: ["osmand", "traccar client"],
    framer: SizedFramer::new(measure), fields: decode::ALL, reply: reply,
}

/// Longest head (request line and headers), and longest body.
const MAX_HEAD: usize = 8192;
const MAX_BODY: usize = 60 * 1024;

/// How an HTTP message starts.
const STARTS: [&[u8]; 5] = [b"GET ", b"POST ", b"PUT ", b"HEAD ", b"HTTP/1."];

fn starts_http(b: &[u8]) -> bool {
    STARTS.iter().any(|s| b.starts_with(s))
}

/// The end of the head (after the blank line) in `b`.
fn head_end(b: &[u8]) -> Option<usize> {
    let w = b.get(..MAX_HEAD).unwrap_or(b);
    let crlf = w.windows(4).position(|x| x == b"\r\n\r\n").map(|i| i + 4);
    let lf = w.windows(2).position(|x| x == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The `Content-Length` of a head (0 when absent or unreadable).
pub fn content_length(head: &[u8]) -> usize {
    head.split(|&c| c == b'\n')
        .find_map(|line| {
            let (name, value) = line.split_at(line.iter().position(|&c| c == b':')?);
            name.eq_ignore_ascii_case(b"content-length").then(|| {
                let v = value.get(1..).unwrap_or(&[]);
                std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok()
            })?
        })
        .unwrap_or(0)
        .min(MAX_BODY)
}

fn measure(b: &[u8], end: bool) -> Cut {
    match b.first() {
        Some(c) if c.is_ascii_whitespace() => return Cut::Skip(whitespace(b)),
        _ if starts_http(b) => {}
        _ if !end && STARTS.iter().any(|s| s.starts_with(b)) => return Cut::Need(b.len() + 1),
        _ => return junk_until(b, end, MAX_HEAD, starts_http),
    }
    match head_end(b) {
        Some(h) => {
            let total = h + content_length(b.get(..h).unwrap_or(b));
            if b.len() >= total {
                Cut::Frame(total)
            } else {
                Cut::Need(total)
            }
        }
        None if b.len() >= MAX_HEAD => Cut::Junk(MAX_HEAD),
        None => Cut::Need(b.len() + 1),
    }
}

/// Parameters that OsmAnd requests carry.
const PARAMS: [&[u8]; 7] = [
    b"id=",
    b"deviceid=",
    b"lat=",
    b"lon=",
    b"timestamp=",
    b"location=",
    b"speed=",
];

/// Looks at the first bytes of a flow direction: `GET /?` or `POST /?` and an OsmAnd
/// parameter, `POST /` (JSON), or an HTTP response (the server side).
pub fn probe(b: &[u8]) -> ProbeResult {
    let m = crate::protocol::kit::matched;
    for method in [&b"GET /?"[..], b"POST /?"] {
        if let Some(q) = b.strip_prefix(method) {
            return match PARAMS.iter().find(|p| q.starts_with(p)) {
                Some(p) if p.starts_with(b"id") || p.starts_with(b"deviceid") => m(
                    92,
                    "starts with 'GET /?id=': an OsmAnd position request over HTTP",
                    Direction::ToServer,
                ),
                Some(_) => m(
                    85,
                    "starts with 'GET /?' and OsmAnd parameters (lat, lon, timestamp): an OsmAnd position request over HTTP",
                    Direction::ToServer,
                ),
                None if PARAMS.iter().any(|p| p.starts_with(q)) => ProbeResult::NeedMore,
                None => ProbeResult::No,
            };
        }
        if method.starts_with(b) {
            return ProbeResult::NeedMore;
        }
    }
    if b.starts_with(b"POST / ") {
        return m(
            60,
            "starts with 'POST / ': OsmAnd positions in the request body (Traccar Client JSON)",
            Direction::ToServer,
        );
    }
    if b.starts_with(b"HTTP/1.") {
        return m(
            50,
            "starts with 'HTTP/1.': an HTTP response, the server side of an OsmAnd conversation",
            Direction::ToDevice,
        );
    }
    if b"POST / ".starts_with(b) || b"HTTP/1.".starts_with(b) {
        return ProbeResult::NeedMore;
    }
    ProbeResult::No
}

/// What a platform answers to a request: `HTTP/1.1 200 OK` with an empty body.
fn reply(m: &Message, _frame: &[u8], _opts: &ReplyOptions) -> Option<Vec<u8>> {
    matches!(m.kind, Kind::Report | Kind::Info)
        .then(|| b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec())
}

#[cfg(test)]
mod tests;
