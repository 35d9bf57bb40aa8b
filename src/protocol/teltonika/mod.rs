//! Teltonika (FMB/FMC/FMM... units), TCP and UDP.
//!
//! From Teltonika's "Codec" documentation (wiki.teltonika-gps.com, "Teltonika Data Sending
//! Protocols" and "Codec"): over TCP the unit opens with `00 0F` and its 15-digit IMEI in
//! ASCII; the server answers one byte, `01` (accepted) or `00` (refused). AVL packets follow:
//! four zero bytes, a 4-byte data length, the codec (`08` codec 8, `8E` codec 8 extended,
//! `10` codec 16), the record count, the records, the count again, and a 4-byte CRC-16/IBM of
//! the bytes from the codec to the second count; the server answers the count as 4 bytes.
//! Codec 12 (`0C`) carries commands and their answers in the same packet. Over UDP each
//! datagram is a 2-byte length, a packet id, type `01`, an AVL packet id, the IMEI (length and
//! digits) and the codec data without CRC; the server answers `00 05`, the packet id, `01`, the
//! AVL packet id and the count.

mod avl;
mod fields;

use crate::protocol::kit::Dec;
use crate::protocol::kit::sized::{Cut, SizedFramer, junk_until};
use crate::protocol::{Builder, Direction, Kind, Message, ProbeResult, ReplyOptions, Span, Value};
use fields::*;

crate::protocol::kit::register! {
    /// Registration of Teltonika.
    name: "teltonika", title: "Teltonika (codec 8 / 8E / 16, TCP and UDP)",
    ports: [5027], aliases: ["teltonika"],
    framer: SizedFramer::new(measure), fields: ALL, reply: reply,
}

/// Largest data length accepted (the units send well under this).
const MAX_DATA: usize = 64 * 1024;
/// Codecs a packet may carry.
const CODECS: [u8; 7] = [0x07, 0x08, 0x8E, 0x10, 0x0C, 0x0D, 0x0E];

fn be16(b: &[u8], at: usize) -> Option<usize> {
    let x = b.get(at..at + 2)?;
    Some(usize::from(u16::from_be_bytes([*x.first()?, *x.get(1)?])))
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    let x: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(x)).ok()
}

/// True when `b[at..at + n]` are ASCII digits as far as `b` goes.
fn digits_so_far(b: &[u8], at: usize, n: usize) -> bool {
    b.iter().skip(at).take(n).all(u8::is_ascii_digit)
}

/// The shapes a frame can have, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `00 0F` + 15 digits (17 bytes).
    Login,
    /// Four zero bytes + length: a TCP packet of this many bytes in all.
    Packet(usize),
    /// `00 00 00 NN`: the server's count (4 bytes).
    Count,
    /// A UDP datagram (device packet or acknowledgement) of this many bytes in all.
    Udp(usize),
    /// `01` or `00`: the server's answer to the login (1 byte).
    Answer,
}

/// Recognises the frame at `b[0]`: `Ok(shape)`, `Err(true)` when more bytes could tell,
/// `Err(false)` when it is none.
fn shape(b: &[u8]) -> Result<Shape, bool> {
    let need = |n: usize| Err(b.len() < n);
    match b {
        [] => Err(true),
        [0, 0x0F, ..] if digits_so_far(b, 2, 15) => {
            if b.len() >= 17 {
                Ok(Shape::Login)
            } else {
                need(17)
            }
        }
        [0, 0, 0, 0, ..] => match (be32(b, 4), b.get(8)) {
            (Some(len), Some(codec)) if (3..=MAX_DATA).contains(&len) && CODECS.contains(codec) => {
                Ok(Shape::Packet(12 + len))
            }
            (Some(_), Some(_)) => Err(false),
            _ => need(9),
        },
        [0, 0, 0, n, ..] if *n > 0 => Ok(Shape::Count),
        [0, 0] | [0, 0, 0] => need(4),
        [hi, _, _, _, 1, _, 0, 0x0F, ..] if *hi < 4 && digits_so_far(b, 8, 15) => {
            let len = be16(b, 0).unwrap_or(0) + 2;
            if b.len() >= 23 && len > 23 {
                Ok(Shape::Udp(len))
            } else {
                need(23)
            }
        }
        [0, 5, _, _, 1, _, _, ..] => Ok(Shape::Udp(7)),
        [0] | [0, 5] | [0, 5, _] | [0, 5, _, _] | [0, 5, _, _, 1] | [0, 5, _, _, 1, _] => Err(true),
        [1] | [1, 0] | [1, 0, 0] | [1, 0, 0, 0] => Err(true),
        [hi, ..] if *hi < 4 && b.len() < 8 => Err(true),
        [0 | 1, ..] => Ok(Shape::Answer),
        _ => Err(false),
    }
}

/// Where the frame at `b[0]` ends.
fn measure(b: &[u8], end: bool) -> Cut {
    match shape(b) {
        Ok(Shape::Login) => Cut::Frame(17),
        Ok(Shape::Count) => Cut::Frame(4),
        Ok(Shape::Answer) => Cut::Frame(1),
        Ok(Shape::Packet(n) | Shape::Udp(n)) if b.len() >= n => Cut::Frame(n),
        Ok(Shape::Packet(n) | Shape::Udp(n)) => Cut::Need(n),
        Err(true) if !end => Cut::Need(b.len() + 1),
        Err(true) if matches!(b.first(), Some(0 | 1)) => Cut::Frame(1),
        Err(_) => junk_until(b, end, 1024, |r| shape(r).is_ok()),
    }
}

/// Looks at the first bytes of a flow direction.
pub fn probe(b: &[u8]) -> ProbeResult {
    let m = crate::protocol::kit::matched;
    if b.first() == Some(&1) && shape(b.get(1..).unwrap_or(&[])) == Ok(Shape::Count) {
        return m(
            80,
            "starts with 01 then 00 00 00 NN: a Teltonika server accepting the IMEI and counting records",
            Direction::ToDevice,
        );
    }
    match shape(b) {
        Ok(Shape::Login) => m(
            97,
            "starts with 00 0F and a 15-digit IMEI in ASCII: Teltonika login",
            Direction::ToServer,
        ),
        Ok(Shape::Packet(_)) => {
            let dir = match (b.get(8), b.get(10)) {
                (Some(0x0C | 0x0E), Some(5)) => Direction::ToDevice,
                _ => Direction::ToServer,
            };
            m(
                90,
                "starts with four zero bytes, a data length and a Teltonika codec (08, 8E, 10, 0C): Teltonika AVL packet",
                dir,
            )
        }
        Ok(Shape::Udp(7)) => m(
            60,
            "starts with 00 05, a packet id and 01: Teltonika UDP acknowledgement",
            Direction::ToDevice,
        ),
        Ok(Shape::Udp(_)) => m(
            95,
            "starts with a length, a packet id, 01 and a 15-digit IMEI: Teltonika over UDP",
            Direction::ToServer,
        ),
        Ok(Shape::Count) => m(
            55,
            "starts with 00 00 00 NN: a Teltonika server's record count",
            Direction::ToDevice,
        ),
        Ok(Shape::Answer) if b.len() == 1 => ProbeResult::NeedMore,
        Err(true) => ProbeResult::NeedMore,
        Ok(Shape::Answer) => ProbeResult::No,
        Err(false) => ProbeResult::No,
    }
}

/// Decodes one frame.
pub fn decode(frame: &[u8], _dir: Direction, b: &mut Builder<'_>) -> Message {
    let mut d = Dec::new(frame, b);
    let shape = match frame {
        [0 | 1] => Ok(Shape::Answer),
        _ => shape(frame),
    };
    match shape {
        Ok(Shape::Login) => {
            d.add(&IMEI_LEN, Span::new(0, 2), Value::Int(15));
            d.imei(&IMEI, Span::new(2, 17));
            d.msg.kind = Kind::Login;
            d.msg.event = Some("login");
            if frame.len() > 17 {
                d.raw(&DATA, Span::new(17, frame.len()));
            }
        }
        Ok(Shape::Answer) if frame.len() == 1 => {
            let ok = frame.first() == Some(&1);
            let s = Span::new(0, 1);
            d.add(
                &ANSWER,
                s,
                Value::Enum(if ok { "accepted" } else { "refused" }),
            );
            d.msg.kind = Kind::LoginAck;
            d.msg.event = Some(if ok {
                "login accepted"
            } else {
                "login refused"
            });
            if !ok {
                d.warn(
                    "teltonika.refused",
                    "the server refuses this IMEI (00): the unit is not registered on the platform",
                    s,
                    &ANSWER,
                );
            }
        }
        Ok(Shape::Count) if frame.len() == 4 => {
            let n = be32(frame, 0).unwrap_or(0);
            d.add(&ACK_COUNT, Span::new(0, 4), Value::Int(n as i64));
            d.msg.kind = Kind::Ack;
            d.msg.event = Some("records accepted");
        }
        Ok(Shape::Packet(n)) if n == frame.len() => avl::tcp(&mut d),
        Ok(Shape::Packet(n)) if frame.len() > 12 => {
            let m = format!(
                "the packet says {n} bytes but has {}: it was cut short",
                frame.len()
            );
            d.error("teltonika.length", m, Span::new(4, 8), &LENGTH);
            avl::tcp(&mut d);
        }
        Ok(Shape::Udp(n)) if n == frame.len() => avl::udp(&mut d),
        _ => {
            d.junk(
                &JUNK,
                "teltonika.junk",
                "not a Teltonika packet (or a packet cut short)",
            );
        }
    }
    d.msg
}

/// What a platform answers: `01` to the IMEI, the record count (4 bytes) to a TCP AVL packet,
/// `00 05` + packet id + `01` + AVL packet id + count to a UDP packet.
fn reply(m: &Message, frame: &[u8], _opts: &ReplyOptions) -> Option<Vec<u8>> {
    match (m.kind, shape(frame)) {
        (Kind::Login, Ok(Shape::Login)) => Some(vec![1]),
        (Kind::Report, Ok(Shape::Packet(_))) => {
            let n = u32::from(*frame.get(9)?);
            Some(n.to_be_bytes().to_vec())
        }
        (Kind::Report, Ok(Shape::Udp(_))) => {
            let imei_len = be16(frame, 6)?;
            let count = *frame.get(8 + imei_len + 1)?;
            let mut out = vec![0, 5];
            out.extend_from_slice(frame.get(2..4)?);
            out.push(1);
            out.push(*frame.get(5)?);
            out.push(count);
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
