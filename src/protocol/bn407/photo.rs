//! Photos: a `vt<N>` report announces N packets `imei:<IMEI>,vr,<hex>`; each packet's hex is a
//! 2-byte little-endian index, a 2-byte little-endian payload length, the payload, and a
//! 2-byte trailer. [`Assembler`] puts the payloads of one device back together into the JPEG.

use std::collections::BTreeMap;

use super::ctx::{Ctx, Fields};
use super::fields as F;
use crate::protocol::{Imei, Kind, Span, Value};

/// Decodes a photo packet sentence.
pub fn decode(ctx: &mut Ctx<'_, '_, '_>, f: &Fields) {
    ctx.msg.kind = Kind::Photo;
    if let Some(s) = f.get(1) {
        ctx.msg.keyword = Some(s);
        ctx.msg.keyword_meaning = Some("photo data packet");
        ctx.add(&F::KEYWORD, s, Value::Enum("photo data packet"));
    }
    let Some(s) = f.get(2) else {
        ctx.error(
            "photo.missing",
            "photo packet without data",
            Span::default(),
            &F::PHOTO_DATA,
        );
        return;
    };
    let hex = ctx.text(s);
    ctx.add(&F::PHOTO_DATA, s, Value::Blob((hex.len() / 2) as u32));
    if !hex.len().is_multiple_of(2) || !hex.iter().all(u8::is_ascii_hexdigit) {
        ctx.error(
            "photo.hex",
            "photo data must be an even number of hex digits",
            s,
            &F::PHOTO_DATA,
        );
        ctx.extras(f, 3);
        return;
    }
    let Some(p) = parse_header(hex) else {
        ctx.error(
            "photo.short",
            "photo packet shorter than its 6-byte header and trailer",
            s,
            &F::PHOTO_DATA,
        );
        return;
    };
    let at = |from: usize, to: usize| Span::new(s.start as usize + from, s.start as usize + to);
    ctx.b.open();
    ctx.add(&F::PHOTO_INDEX, at(0, 4), Value::Int(i64::from(p.index)));
    ctx.add(
        &F::PHOTO_LENGTH,
        at(4, 8),
        Value::Int(i64::from(p.declared_len)),
    );
    ctx.add(
        &F::PHOTO_PAYLOAD,
        at(8, hex.len() - 4),
        Value::Blob(p.payload_len as u32),
    );
    ctx.add(&F::PHOTO_TRAILER, at(hex.len() - 4, hex.len()), Value::Raw);
    ctx.b.close();
    if usize::from(p.declared_len) != p.payload_len {
        let m = format!(
            "header says {} payload bytes, the packet carries {}",
            p.declared_len, p.payload_len
        );
        ctx.warn("photo.length", m, at(4, 8), &F::PHOTO_LENGTH);
    }
    ctx.extras(f, 3);
}

struct Header {
    index: u16,
    declared_len: u16,
    payload_len: usize,
}

/// Reads the 4 header bytes of a packet's hex without decoding the payload.
fn parse_header(hex: &[u8]) -> Option<Header> {
    if hex.len() < 12 {
        return None;
    }
    let b = unhex(hex.get(..8)?)?;
    Some(Header {
        index: u16::from_le_bytes([*b.first()?, *b.get(1)?]),
        declared_len: u16::from_le_bytes([*b.get(2)?, *b.get(3)?]),
        payload_len: hex.len() / 2 - 6,
    })
}

/// A decoded photo packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Packet index.
    pub index: u16,
    /// Payload length from the header.
    pub declared_len: u16,
    /// The piece of JPEG.
    pub payload: Vec<u8>,
}

fn unhex(h: &[u8]) -> Option<Vec<u8>> {
    let nib = |c: u8| (c as char).to_digit(16).map(|v| v as u8);
    h.chunks_exact(2)
        .map(|p| Some(nib(*p.first()?)? << 4 | nib(*p.get(1)?)?))
        .collect()
}

/// Parses the hex of a packet; `None` when it is not hex or too short.
pub fn parse_packet(hex: &[u8]) -> Option<Packet> {
    let bytes = unhex(hex)?;
    if bytes.len() < 6 {
        return None;
    }
    let index = u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]);
    let declared_len = u16::from_le_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    let payload = bytes.get(4..bytes.len() - 2)?.to_vec();
    Some(Packet {
        index,
        declared_len,
        payload,
    })
}

/// The hex field of a `vr` frame, if the frame is one.
pub fn packet_of(frame: &[u8]) -> Option<Packet> {
    let mut parts = frame.splitn(3, |&c| c == b',');
    let _imei = parts.next()?;
    if parts.next()? != b"vr" {
        return None;
    }
    let hex = parts.next()?;
    let end = hex
        .iter()
        .position(|c| !c.is_ascii_hexdigit())
        .unwrap_or(hex.len());
    parse_packet(hex.get(..end)?)
}

/// A photo put back together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// Device.
    pub imei: Imei,
    /// Packets announced by `vt<N>` (0 when the announcement was not seen).
    pub expected: u32,
    /// Packet indexes received.
    pub received: u32,
    /// Indexes missing below the highest received (or below `expected`).
    pub missing: Vec<u16>,
    /// The JPEG bytes (payloads in index order).
    pub jpeg: Vec<u8>,
    /// True when the data starts with a JPEG start-of-image and ends with end-of-image.
    pub looks_like_jpeg: bool,
}

#[derive(Default)]
struct Pending {
    expected: u32,
    packets: BTreeMap<u16, Vec<u8>>,
    bytes: usize,
}

/// Reassembles photos per device from `vt<N>` announcements and `vr` packets.
#[derive(Default)]
pub struct Assembler {
    pending: BTreeMap<Imei, Pending>,
    /// Payload bytes held by all pending photos.
    held: usize,
    /// Packets not kept because a bound was reached.
    pub dropped: u64,
}

/// Payload bytes held by all unfinished photos together (bounded memory whatever the input).
pub const MAX_HELD: usize = 64 << 20;

/// Largest photo kept, in bytes (bounded memory whatever the input).
pub const MAX_PHOTO: usize = 4 << 20;

impl Assembler {
    /// A `vt<N>` report: a new photo of `n` packets starts. Returns an unfinished previous one.
    pub fn announce(&mut self, imei: Imei, n: u32) -> Option<Photo> {
        let prev = self.take(imei);
        self.pending.insert(
            imei,
            Pending {
                expected: n,
                ..Default::default()
            },
        );
        prev
    }
    /// A `vr` packet. Returns the photo when its last packet arrives.
    pub fn packet(&mut self, imei: Imei, p: Packet) -> Option<Photo> {
        let len = p.payload.len();
        let entry = self.pending.entry(imei).or_default();
        if entry.bytes + len <= MAX_PHOTO && self.held + len <= MAX_HELD {
            entry.bytes += len;
            self.held += len;
            entry.packets.insert(p.index, p.payload);
        } else {
            self.dropped += 1;
        }
        let done = entry.expected > 0 && entry.packets.len() as u32 >= entry.expected;
        if done { self.take(imei) } else { None }
    }
    /// Ends the capture: every unfinished photo, as far as it got.
    pub fn finish(&mut self) -> Vec<Photo> {
        let keys: Vec<Imei> = self.pending.keys().copied().collect();
        keys.into_iter().filter_map(|k| self.take(k)).collect()
    }
    fn take(&mut self, imei: Imei) -> Option<Photo> {
        let p = self.pending.remove(&imei)?;
        self.held = self.held.saturating_sub(p.bytes);
        if p.packets.is_empty() {
            return None;
        }
        let top = p.packets.keys().next_back().copied().unwrap_or(0);
        let upto = (p.expected.saturating_sub(1)).max(u32::from(top));
        let missing = (0..=upto)
            .filter_map(|i| u16::try_from(i).ok())
            .filter(|i| !p.packets.contains_key(i))
            .take(4096)
            .collect();
        let jpeg: Vec<u8> = p.packets.values().flatten().copied().collect();
        let looks_like_jpeg = jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.ends_with(&[0xFF, 0xD9]);
        Some(Photo {
            imei,
            expected: p.expected,
            received: p.packets.len() as u32,
            missing,
            jpeg,
            looks_like_jpeg,
        })
    }
}
