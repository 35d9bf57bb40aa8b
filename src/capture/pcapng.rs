//! pcapng files: any number of sections (either byte order) and interfaces, a link type and a
//! timestamp resolution per interface; blocks of unknown or unused types are skipped.
//!
//! Each block's framing (type, length, trailer) is checked here with its offset first. Blocks
//! that are not needed (statistics, name resolution, unknown types) are skipped by streaming,
//! never buffered, whatever their length. Packet blocks are decoded by pcap-file's
//! `PcapNgParser`. Section headers and interface descriptions are read here: pcap-file rejects
//! a whole block for one option it finds odd (a non-UTF-8 `shb_os`, an `if_tzone` of the
//! standard 4 bytes), and losing an interface would lose every packet after it. For the same
//! reason a packet block whose options pcap-file rejects is read from its fixed fields.

use std::borrow::Cow;

use pcap_file::Endianness;
use pcap_file::pcapng::blocks::{
    ENHANCED_PACKET_BLOCK, INTERFACE_DESCRIPTION_BLOCK, PACKET_BLOCK, SECTION_HEADER_BLOCK,
    SIMPLE_PACKET_BLOCK,
};
use pcap_file::pcapng::{Block, PcapNgParser};

use super::{
    CaptureError, InputFormat, Item, ItemKind, LinkType, MAX_RECORD, Position, Source, Timestamp,
};
use crate::capture::input::Input;

/// The largest block that is read into memory: a maximal packet plus room for options.
const MAX_BLOCK: u32 = MAX_RECORD + 64 * 1024;

/// What a packet needs from its interface description.
#[derive(Clone, Copy, Debug)]
struct Iface {
    link: LinkType,
    snaplen: u32,
    /// `if_tsresol`: high bit clear = 10^-n s, set = 2^-n s. Default 6 (microseconds).
    tsresol: u8,
    /// `if_tsoffset`, seconds.
    tsoffset: i64,
}

/// A pcapng file.
pub(crate) struct PcapNgSource {
    name: String,
    input: Input,
    /// Decodes packet blocks; rebuilt at each section header with its byte order.
    parser: PcapNgParser,
    endianness: Endianness,
    ifaces: Vec<Iface>,
    ignored: u64,
    done: bool,
}

/// Framing of one block, read from its first 12 bytes.
struct Frame {
    kind: u32,
    len: u32,
    endianness: Endianness,
}

impl PcapNgSource {
    /// Reads and checks the first section header block.
    pub(crate) fn new(name: String, mut input: Input) -> Result<Self, CaptureError> {
        let unreadable = |msg: String| CaptureError::unreadable(&name, Some(0), msg);
        let frame = match read_frame(&mut input, Endianness::Big) {
            Ok(Some(frame)) => frame,
            Ok(None) => return Err(unreadable("the input is empty".to_owned())),
            Err(msg) => return Err(unreadable(format!("bad pcapng header: {msg}"))),
        };
        if frame.len > MAX_BLOCK {
            let msg = format!(
                "bad pcapng header: section header length {} is absurd",
                frame.len
            );
            return Err(unreadable(msg));
        }
        let len = frame.len as usize;
        if !input.fill(len).unwrap_or(false) {
            return Err(unreadable("pcapng section header truncated".to_owned()));
        }
        let block = input.available().get(..len).unwrap_or(&[]);
        let parser = check_section(block, frame.endianness)
            .map_err(|msg| unreadable(format!("bad pcapng header: {msg}")))?;
        input.consume(len);
        Ok(PcapNgSource {
            name,
            input,
            parser,
            endianness: frame.endianness,
            ifaces: Vec::new(),
            ignored: 0,
            done: false,
        })
    }

    /// Reads the next block; `Ok(Some(true))` when it filled `item` with a packet, `Ok(None)`
    /// at the end.
    fn next_block(&mut self, item: &mut Item) -> Result<Option<bool>, (u64, String)> {
        let at = self.input.offset();
        let frame = read_frame(&mut self.input, self.endianness).map_err(|msg| (at, msg))?;
        let Some(frame) = frame else {
            return Ok(None);
        };
        if let Some(size) = self.input.size().filter(|&s| at + u64::from(frame.len) > s) {
            let msg = format!(
                "block length {} runs past the end of the file ({size} bytes)",
                frame.len
            );
            return Err((at, msg));
        }
        let wanted = matches!(
            frame.kind,
            SECTION_HEADER_BLOCK
                | INTERFACE_DESCRIPTION_BLOCK
                | ENHANCED_PACKET_BLOCK
                | SIMPLE_PACKET_BLOCK
                | PACKET_BLOCK
        );
        if !wanted {
            self.ignored += 1;
            return self
                .skip_block(&frame)
                .map(|()| Some(false))
                .map_err(|msg| (at, msg));
        }
        if frame.len > MAX_BLOCK {
            let msg = format!(
                "block length {} exceeds the largest sane block ({MAX_BLOCK} bytes)",
                frame.len
            );
            return Err((at, msg));
        }
        let len = frame.len as usize;
        if !self
            .input
            .fill(len)
            .map_err(|e| (at, format!("read error: {e}")))?
        {
            let have = self.input.available().len();
            return Err((
                at,
                format!("truncated block: {have} of {len} bytes present"),
            ));
        }
        let trailer = u32_at(self.input.available(), len - 4, frame.endianness);
        if trailer != frame.len {
            let msg = format!(
                "block length mismatch: header says {}, trailer says {trailer}",
                frame.len
            );
            return Err((at, msg));
        }
        let result = self.decode(&frame, item);
        self.input.consume(len);
        result.map(Some).map_err(|msg| (at, msg))
    }

    /// Decodes a whole, framed block of a wanted type; `Ok(true)` when `item` holds a packet.
    fn decode(&mut self, frame: &Frame, item: &mut Item) -> Result<bool, String> {
        let len = frame.len as usize;
        let block = self.input.available().get(..len).unwrap_or(&[]);
        let body = block.get(8..len - 4).unwrap_or(&[]);
        let e = frame.endianness;
        let (iface_id, raw_ts, data) = match frame.kind {
            SECTION_HEADER_BLOCK => {
                self.parser = check_section(block, e)?;
                self.endianness = e;
                self.ifaces.clear();
                return Ok(false);
            }
            INTERFACE_DESCRIPTION_BLOCK => {
                let iface = parse_idb(body, e).ok_or("interface description block too short")?;
                self.ifaces.push(iface);
                return Ok(false);
            }
            _ => match self.parser.next_block(block) {
                // pcap-file keeps the raw count of timestamp units in a `Duration` of nanoseconds.
                Ok((_, Block::EnhancedPacket(epb))) => {
                    let raw = u64::try_from(epb.timestamp.as_nanos()).unwrap_or(u64::MAX);
                    (epb.interface_id, Some(raw), epb.data)
                }
                Ok((_, Block::Packet(pb))) => {
                    (u32::from(pb.interface_id), Some(pb.timestamp), pb.data)
                }
                Ok((_, Block::SimplePacket(spb))) => {
                    let snaplen = self.ifaces.first().map_or(0, |i| i.snaplen);
                    let keep = spb.data.len().min(spb.original_len as usize);
                    let keep = if snaplen == 0 {
                        keep
                    } else {
                        keep.min(snaplen as usize)
                    };
                    let data = match spb.data {
                        Cow::Borrowed(d) => Cow::Borrowed(d.get(..keep).unwrap_or(d)),
                        Cow::Owned(v) => Cow::Owned(v),
                    };
                    (0, None, data)
                }
                Ok(_) => return Ok(false),
                Err(err) if frame.kind == ENHANCED_PACKET_BLOCK => {
                    // Options pcap-file does not accept: read the fixed fields.
                    let (id, raw, data) =
                        epb_fixed(body, e).ok_or_else(|| format!("bad packet block: {err}"))?;
                    (id, Some(raw), Cow::Borrowed(data))
                }
                Err(err) => return Err(format!("bad packet block: {err}")),
            },
        };
        let Some(iface) = self.ifaces.get(iface_id as usize).copied() else {
            return Err(format!(
                "packet on interface {iface_id}, but the section describes {} interface(s)",
                self.ifaces.len()
            ));
        };
        item.ts = raw_ts.and_then(|raw| to_nanos(raw, iface.tsresol, iface.tsoffset));
        item.kind = ItemKind::Packet { link: iface.link };
        item.data.clear();
        item.data.extend_from_slice(&data);
        Ok(true)
    }

    /// Skips a block without keeping it, checking its trailer.
    fn skip_block(&mut self, frame: &Frame) -> Result<(), String> {
        let body = u64::from(frame.len) - 4;
        let skipped = self
            .input
            .skip(body)
            .map_err(|e| format!("read error: {e}"))?;
        let ok = self.input.fill(4).map_err(|e| format!("read error: {e}"))?;
        if skipped < body || !ok {
            let have = skipped + self.input.available().len().min(4) as u64;
            return Err(format!(
                "truncated block: {have} of {} bytes present",
                frame.len
            ));
        }
        let trailer = u32_at(self.input.available(), 0, frame.endianness);
        self.input.consume(4);
        if trailer != frame.len {
            return Err(format!(
                "block length mismatch: header says {}, trailer says {trailer}",
                frame.len
            ));
        }
        Ok(())
    }
}

impl Source for PcapNgSource {
    fn format(&self) -> InputFormat {
        InputFormat::PcapNg
    }

    fn next_into(&mut self, item: &mut Item) -> Result<bool, CaptureError> {
        while !self.done {
            match self.next_block(item) {
                Ok(Some(true)) => return Ok(true),
                Ok(Some(false)) => {}
                Ok(None) => self.done = true,
                Err((at, msg)) => {
                    self.done = true;
                    return Err(CaptureError::damaged(&self.name, at, msg));
                }
            }
        }
        Ok(false)
    }

    fn position(&self) -> Position<'_> {
        self.input.position(&self.name)
    }

    fn ignored(&self) -> u64 {
        self.ignored
    }
}

fn u16_at(bytes: &[u8], at: usize, endianness: Endianness) -> Option<u16> {
    let b: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
    Some(match endianness {
        Endianness::Big => u16::from_be_bytes(b),
        Endianness::Little => u16::from_le_bytes(b),
    })
}

fn u32_at(bytes: &[u8], at: usize, endianness: Endianness) -> u32 {
    let b: [u8; 4] = bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; 4]);
    match endianness {
        Endianness::Big => u32::from_be_bytes(b),
        Endianness::Little => u32::from_le_bytes(b),
    }
}

fn u64_at(bytes: &[u8], at: usize, endianness: Endianness) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(match endianness {
        Endianness::Big => u64::from_be_bytes(b),
        Endianness::Little => u64::from_le_bytes(b),
    })
}

/// Checks a section header block (framed, trailer checked) and returns a packet parser for its
/// byte order, built from a minimal section header so that its options cannot get in the way.
fn check_section(block: &[u8], endianness: Endianness) -> Result<PcapNgParser, String> {
    let major = u16_at(block, 12, endianness).ok_or("section header too short")?;
    if major != 1 {
        let minor = u16_at(block, 14, endianness).unwrap_or(0);
        return Err(format!("unsupported pcapng version {major}.{minor}"));
    }
    let mut shb = Vec::with_capacity(28);
    let mut put = |v: u32| match endianness {
        Endianness::Big => shb.extend_from_slice(&v.to_be_bytes()),
        Endianness::Little => shb.extend_from_slice(&v.to_le_bytes()),
    };
    // type, length, byte-order magic, version 1.0, section length -1 (two words), length.
    for word in [
        SECTION_HEADER_BLOCK,
        28,
        0x1a2b_3c4d,
        1,
        u32::MAX,
        u32::MAX,
        28,
    ] {
        put(word);
    }
    PcapNgParser::new(&shb)
        .map(|(_, p)| p)
        .map_err(|e| e.to_string())
}

/// Reads an interface description body: link type, snapshot length, and the two options that
/// matter (`if_tsresol` 9, `if_tsoffset` 14); other options are passed over.
fn parse_idb(body: &[u8], e: Endianness) -> Option<Iface> {
    let link = LinkType::from_linktype(u32::from(u16_at(body, 0, e)?));
    let snaplen = u32_at(body, 4, e);
    body.get(7)?;
    let mut iface = Iface {
        link,
        snaplen,
        tsresol: 6,
        tsoffset: 0,
    };
    let mut at = 8;
    while let (Some(code), Some(olen)) = (u16_at(body, at, e), u16_at(body, at + 2, e)) {
        let olen = usize::from(olen);
        let value = body.get(at + 4..at + 4 + olen);
        match (code, value) {
            (0, _) | (_, None) => break,
            (9, Some(&[r])) => iface.tsresol = r,
            (14, Some(v)) => iface.tsoffset = u64_at(v, 0, e).map_or(0, |o| o as i64),
            _ => {}
        }
        at += 4 + olen.div_ceil(4) * 4;
    }
    Some(iface)
}

/// The fixed fields of an enhanced packet block body: interface, raw timestamp, data.
fn epb_fixed(body: &[u8], e: Endianness) -> Option<(u32, u64, &[u8])> {
    let iface = u32_at(body, 0, e);
    let ts = (u64::from(u32_at(body, 4, e)) << 32) | u64::from(u32_at(body, 8, e));
    let captured = u32_at(body, 12, e) as usize;
    let data = body.get(20..20 + captured)?;
    Some((iface, ts, data))
}

/// Reads a block's type and length (without consuming); `Ok(None)` at a clean end.
fn read_frame(input: &mut Input, section: Endianness) -> Result<Option<Frame>, String> {
    let full = input.fill(12).map_err(|e| format!("read error: {e}"))?;
    let head = input.available();
    if !full {
        if head.is_empty() {
            return Ok(None);
        }
        return Err(format!(
            "truncated block header: {} of 12 bytes",
            head.len()
        ));
    }
    let mut endianness = section;
    let kind = u32_at(head, 0, Endianness::Big);
    let kind = if kind == SECTION_HEADER_BLOCK {
        endianness = match u32_at(head, 8, Endianness::Big) {
            0x1a2b_3c4d => Endianness::Big,
            0x4d3c_2b1a => Endianness::Little,
            other => {
                return Err(format!(
                    "section header with a bad byte-order magic 0x{other:08x}"
                ));
            }
        };
        kind
    } else {
        u32_at(head, 0, endianness)
    };
    let len = u32_at(head, 4, endianness);
    if len < 12 || len & 3 != 0 {
        return Err(format!(
            "block length {len} is invalid (must be a multiple of 4, at least 12)"
        ));
    }
    Ok(Some(Frame {
        kind,
        len,
        endianness,
    }))
}

/// Converts a raw pcapng timestamp in the interface's units to nanoseconds; `None` past what
/// [`Timestamp`] holds (the packet gets no time rather than a clamped one).
fn to_nanos(raw: u64, tsresol: u8, tsoffset: i64) -> Option<Timestamp> {
    let raw = u128::from(raw);
    let exp = u32::from(tsresol & 0x7f);
    let ns: u128 = if tsresol & 0x80 == 0 {
        if exp <= 9 {
            raw * 10u128.pow(9 - exp)
        } else {
            10u128.checked_pow(exp - 9).map_or(0, |d| raw / d)
        }
    } else {
        (raw * 1_000_000_000) >> exp
    };
    let offset = tsoffset.checked_mul(1_000_000_000)?;
    i64::try_from(ns).ok()?.checked_add(offset).map(Timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_convert_in_any_resolution_or_not_at_all() {
        let ns = |raw, res, off| to_nanos(raw, res, off).map(|t| t.0);
        assert_eq!(
            ns(1_714_557_600_250_000, 6, 0),
            Some(1_714_557_600_250_000_000)
        );
        assert_eq!(ns(1_714_557_600_250, 3, 0), Some(1_714_557_600_250_000_000));
        assert_eq!(ns(3 << 20, 0x94, 10), Some(13_000_000_000)); // 2^-20 s units, offset 10 s
        assert_eq!(ns(5, 0, -5), Some(0));
        // Past what a Timestamp holds: no time, never a clamped one.
        assert_eq!(ns(u64::MAX, 9, 0), None);
        assert_eq!(ns(u64::MAX / 1_000_000, 3, 0), None);
        assert_eq!(ns(0, 6, i64::MAX / 2), None);
        assert_eq!(ns(9_223_372_036, 0, 1), None);
        assert_eq!(ns(9_223_372_036, 0, 0), Some(9_223_372_036_000_000_000));
    }
}
