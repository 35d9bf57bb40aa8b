//! Decoding of Teltonika packets: the TCP frame (preamble, length, CRC), the UDP header, and
//! the codec data inside both: AVL records of codecs 8, 8E and 16 (time, priority, GPS element,
//! I/O elements), and the commands of codec 12 (and the answers of 13 and 14, kept whole).

use super::fields::*;
use crate::protocol::kit::Dec;
use crate::protocol::{FieldDef, Fix, Kind, Span, Value};

/// CRC-16/IBM (ARC): polynomial 0xA001 reflected, initial value 0.
pub fn crc16_ibm(data: &[u8]) -> u16 {
    data.iter().fold(0u16, |crc, &b| {
        (0..8).fold(crc ^ u16::from(b), |c, _| {
            if c & 1 != 0 {
                (c >> 1) ^ 0xA001
            } else {
                c >> 1
            }
        })
    })
}

/// A big-endian unsigned number of `n` bytes at `at`.
fn uint(frame: &[u8], at: usize, n: usize) -> Option<u64> {
    let x = frame.get(at..at + n)?;
    Some(x.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
}

/// A TCP packet: preamble, length, codec data, CRC.
pub fn tcp(d: &mut Dec<'_, '_, '_>) {
    let len = uint(d.frame, 4, 4).unwrap_or(0) as usize;
    d.add(&PREAMBLE, Span::new(0, 4), Value::Raw);
    d.add(&LENGTH, Span::new(4, 8), Value::Int(len as i64));
    // A packet cut short keeps its last four bytes as the CRC.
    let end = (8 + len).min(d.frame.len().saturating_sub(4)).max(8);
    codec_data(d, 8, end);
    let crc_s = Span::new(end, end + 4);
    let got = uint(d.frame, end, 4).unwrap_or(0);
    let want = u64::from(crc16_ibm(d.frame.get(8..end).unwrap_or(&[])));
    d.add(&CRC, crc_s, Value::Int(got as i64));
    if got != want {
        let m = format!("CRC {got:04X} does not match the data (CRC-16/IBM is {want:04X})");
        d.error("teltonika.crc", m, crc_s, &CRC);
    }
}

/// A big-endian unsigned number of `n` bytes at `at` as a node of `def` (0 when cut short).
fn int_field(d: &mut Dec<'_, '_, '_>, def: &'static FieldDef, at: usize, n: usize) {
    let v = uint(d.frame, at, n).unwrap_or(0) as i64;
    d.add(def, Span::new(at, at + n), Value::Int(v));
}

/// A UDP datagram: the device's packet, or the server's acknowledgement.
pub fn udp(d: &mut Dec<'_, '_, '_>) {
    let f = d.frame;
    int_field(d, &LENGTH, 0, 2);
    int_field(d, &PACKET_ID, 2, 2);
    int_field(d, &PACKET_TYPE, 4, 1);
    int_field(d, &AVL_PACKET_ID, 5, 1);
    if f.len() == 7 {
        int_field(d, &ACK_COUNT, 6, 1);
        d.msg.kind = Kind::Ack;
        d.msg.event = Some("records accepted");
        return;
    }
    let imei_len = uint(f, 6, 2).unwrap_or(0) as usize;
    d.add(&IMEI_LEN, Span::new(6, 8), Value::Int(imei_len as i64));
    d.imei(&IMEI, Span::new(8, 8 + imei_len));
    let imei = d.msg.imei;
    codec_data(d, 8 + imei_len, f.len());
    d.msg.imei = imei;
}

/// The codec data at `at..end`: codec, count, records or command, count.
fn codec_data(d: &mut Dec<'_, '_, '_>, at: usize, end: usize) {
    let f = d.frame;
    let codec = f.get(at).copied().unwrap_or(0);
    let name = match codec {
        0x07 => "codec 7 (GH3000)",
        0x08 => "codec 8",
        0x8E => "codec 8 extended",
        0x10 => "codec 16",
        0x0C => "codec 12 (commands)",
        0x0D => "codec 13 (answers with a time)",
        0x0E => "codec 14 (commands with an IMEI)",
        _ => "unknown codec",
    };
    d.add(&CODEC, Span::new(at, at + 1), Value::Enum(name));
    let n1 = f.get(at + 1).copied().unwrap_or(0);
    d.add(
        &COUNT1,
        Span::new(at + 1, at + 2),
        Value::Int(i64::from(n1)),
    );
    let n2_at = end.saturating_sub(1);
    let body = Span::new(at + 2, n2_at);
    match codec {
        0x08 | 0x8E | 0x10 => records(d, codec, n1, body),
        0x0C..=0x0E => command(d, codec, body),
        0x07 => {
            d.msg.kind = Kind::Report;
            d.msg.event = Some("GH3000 records");
            d.add(&DATA, body, Value::Blob(body.len() as u32));
        }
        _ => {
            d.add(&DATA, body, Value::Blob(body.len() as u32));
            let s = Span::new(at, at + 1);
            d.error(
                "teltonika.codec",
                "a codec the analyzer does not know",
                s,
                &CODEC,
            );
        }
    }
    let n2 = f.get(n2_at).copied().unwrap_or(0);
    d.add(&COUNT2, Span::new(n2_at, end), Value::Int(i64::from(n2)));
    if n1 != n2 {
        let m = format!("the packet says {n1} records at the start and {n2} at the end");
        d.error("teltonika.count", m, Span::new(n2_at, end), &COUNT2);
    }
}

/// Codec 12/13/14: type, size, (time or IMEI), text.
fn command(d: &mut Dec<'_, '_, '_>, codec: u8, body: Span) {
    let at = body.start as usize;
    let ty = d.frame.get(at).copied().unwrap_or(0);
    let (kind, what) = match ty {
        // Codec 13 goes one way, device to server: its type 5 is the device's text (an answer,
        // or what a serial device sent), not a command.
        5 if codec == 0x0D => (Kind::CommandReply, "message from the device (codec 13)"),
        5 => (Kind::Command, "command"),
        6 => (Kind::CommandReply, "response"),
        0x11 => (Kind::CommandReply, "not executed (IMEI mismatch)"),
        _ => (Kind::Unknown, "unknown type"),
    };
    d.add(&COMMAND_TYPE, Span::new(at, at + 1), Value::Enum(what));
    d.msg.kind = kind;
    d.msg.event = Some(what);
    let size = uint(d.frame, at + 1, 4).unwrap_or(0) as usize;
    d.add(&LENGTH, Span::new(at + 1, at + 5), Value::Int(size as i64));
    let skip = match codec {
        0x0D => 4,
        0x0E => 8,
        _ => 0,
    };
    let text = Span::new(at + 5 + skip, (at + 5 + size).min(body.end as usize));
    d.add(&COMMAND, text, Value::Raw);
    if at + 5 + size != body.end as usize {
        d.error(
            "teltonika.length",
            "the command's size does not match the packet",
            body,
            &COMMAND,
        );
    }
}

/// Offsets of one record's parts, for codec 8 / 8E / 16.
struct Layout {
    /// Bytes of the event I/O id, and of each count.
    id: usize,
    count: usize,
    /// Codec 16 has a generation type byte after the event id.
    generation: bool,
    /// Codec 8E has variable-length elements at the end.
    nx: bool,
}

fn layout(codec: u8) -> Layout {
    match codec {
        0x8E => Layout {
            id: 2,
            count: 2,
            generation: false,
            nx: true,
        },
        0x10 => Layout {
            id: 2,
            count: 1,
            generation: true,
            nx: false,
        },
        _ => Layout {
            id: 1,
            count: 1,
            generation: false,
            nx: false,
        },
    }
}

/// The records of an AVL packet; the newest record's position becomes the message's fix.
fn records(d: &mut Dec<'_, '_, '_>, codec: u8, n: u8, body: Span) {
    d.msg.kind = Kind::Report;
    d.msg.event = Some("AVL records");
    let l = layout(codec);
    let mut at = body.start as usize;
    let end = body.end as usize;
    for i in 0..n {
        let Some(next) = record(d, &l, at, end) else {
            let m = format!("record {} of {n} does not fit in the packet", i + 1);
            d.error("teltonika.record", m, Span::new(at, end), &RECORD);
            return;
        };
        at = next;
    }
    if at != end {
        d.add(&DATA, Span::new(at, end), Value::Blob((end - at) as u32));
        d.warn(
            "teltonika.length",
            "bytes after the last record",
            Span::new(at, end),
            &DATA,
        );
    }
}

/// One record at `at`; returns where the next starts.
fn record(d: &mut Dec<'_, '_, '_>, l: &Layout, at: usize, end: usize) -> Option<usize> {
    let f = d.frame;
    // Find the record's end first, so that the node can span it.
    let io_at = at + 24;
    let io_end = io_len(f, l, io_at, end)?;
    d.add(&RECORD, Span::new(at, io_end), Value::None);
    d.b.open();
    let ts = uint(f, at, 8)? as i64;
    d.add(&TIME, Span::new(at, at + 8), Value::UtcTime(ts));
    d.add(
        &PRIORITY,
        Span::new(at + 8, at + 9),
        Value::Int(uint(f, at + 8, 1)? as i64),
    );
    let g = at + 9;
    let lon = f64::from(uint(f, g, 4)? as u32 as i32) / 1e7;
    let lat = f64::from(uint(f, g + 4, 4)? as u32 as i32) / 1e7;
    let alt = uint(f, g + 8, 2)? as u16 as i16;
    let angle = uint(f, g + 10, 2)?;
    let sats = uint(f, g + 12, 1)?;
    let speed = uint(f, g + 13, 2)?;
    d.add(&LONGITUDE, Span::new(g, g + 4), Value::Coord(lon));
    d.add(&LATITUDE, Span::new(g + 4, g + 8), Value::Coord(lat));
    d.add(
        &ALTITUDE,
        Span::new(g + 8, g + 10),
        Value::Int(i64::from(alt)),
    );
    d.add(&ANGLE, Span::new(g + 10, g + 12), Value::Int(angle as i64));
    d.add(
        &SATELLITES,
        Span::new(g + 12, g + 13),
        Value::Int(sats as i64),
    );
    d.add(&SPEED, Span::new(g + 13, g + 15), Value::Int(speed as i64));
    io(d, l, io_at, io_end);
    d.b.close();
    if d.msg.fix.is_none_or(|fx| fx.time.is_some_and(|t| t <= ts)) {
        d.msg.fix = Some(Fix {
            time: Some(ts),
            valid: sats > 0,
            lat,
            lon,
            speed_kmh: Some(speed as f32),
            course: Some(angle as f32),
        });
        d.msg.vitals.altitude = Some(f32::from(alt));
    }
    Some(io_end)
}

/// Where the I/O elements starting at `at` end (`None` when they run past `end`).
fn io_len(f: &[u8], l: &Layout, at: usize, end: usize) -> Option<usize> {
    let mut p = at + l.id + usize::from(l.generation) + l.count;
    for width in [1usize, 2, 4, 8] {
        let n = uint(f, p, l.count)? as usize;
        p += l.count + n * (l.id + width);
    }
    if l.nx {
        let n = uint(f, p, 2)? as usize;
        p += 2;
        for _ in 0..n {
            let len = uint(f, p + 2, 2)? as usize;
            p += 4 + len;
        }
    }
    (p <= end).then_some(p)
}

/// The I/O elements of a record, one node each (id and value).
fn io(d: &mut Dec<'_, '_, '_>, l: &Layout, at: usize, end: usize) {
    let f = d.frame;
    let ev = uint(f, at, l.id).unwrap_or(0);
    d.add(&EVENT_IO, Span::new(at, at + l.id), Value::Int(ev as i64));
    let mut p = at + l.id;
    if l.generation {
        d.add(
            &GENERATION,
            Span::new(p, p + 1),
            Value::Int(uint(f, p, 1).unwrap_or(0) as i64),
        );
        p += 1;
    }
    let total = uint(f, p, l.count).unwrap_or(0);
    d.add(
        &IO_COUNT,
        Span::new(p, p + l.count),
        Value::Int(total as i64),
    );
    p += l.count;
    for width in [1usize, 2, 4, 8] {
        let n = uint(f, p, l.count).unwrap_or(0) as usize;
        p += l.count;
        for _ in 0..n {
            let v = uint(f, p + l.id, width).unwrap_or(0);
            d.add(&IO, Span::new(p, p + l.id + width), Value::Int(v as i64));
            p += l.id + width;
        }
    }
    if l.nx {
        let n = uint(f, p, 2).unwrap_or(0) as usize;
        p += 2;
        for _ in 0..n {
            let len = uint(f, p + 2, 2).unwrap_or(0) as usize;
            d.add(&IO, Span::new(p, p + 4 + len), Value::Blob(len as u32));
            p += 4 + len;
        }
    }
    if p != end {
        d.warn(
            "teltonika.io",
            "the I/O elements do not end where counted",
            Span::new(p.min(end), end),
            &IO,
        );
    }
}
