//! Where the parts of a GT06 frame lie: start, length, protocol number, content, serial, CRC,
//! stop bytes. Shared by the probe, the framer, the decoder, the session check and the replies,
//! so they all read a frame the same way.

/// Largest frame trusted (a length past it is not believed).
pub const MAX_FRAME: usize = 4096;

/// Short-form Wi-Fi reports (0x17, 0x69 on GK310-style firmware) whose third byte counts
/// access points instead of giving a length, and which carry no serial and no CRC.
pub const WIFI_COUNT_TYPES: [u8; 2] = [0x17, 0x69];

/// True when `b` starts with `78 78` or `79 79` at `at`.
pub fn marker_at(b: &[u8], at: usize) -> bool {
    matches!(b.get(at..at + 2), Some([0x78, 0x78]) | Some([0x79, 0x79]))
}

/// Bytes of start and length: 3 for `78 78`, 4 for `79 79` (`None` when not a start).
pub fn header_len(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at..at + 2)? {
        [0x78, 0x78] => Some(3),
        [0x79, 0x79] => Some(4),
        _ => None,
    }
}

/// The length field's value at `at` (the frame's start), when its bytes are there.
pub fn declared_len(b: &[u8], at: usize) -> Option<usize> {
    match header_len(b, at)? {
        3 => b.get(at + 2).map(|&l| usize::from(l)),
        _ => {
            let hi = *b.get(at + 2)?;
            let lo = *b.get(at + 3)?;
            Some(usize::from(u16::from_be_bytes([hi, lo])))
        }
    }
}

/// Structural length of a short Wi-Fi report whose third byte counts access points:
/// start 2, count 1, type 1, time 6, count x 7, cell count 1, MCC 2, MNC 1, cells x 5, stop 2.
/// `Ok(None)`: not that shape; `Err(())`: more bytes are needed to tell.
#[allow(clippy::result_unit_err)]
pub fn wifi_count_len(b: &[u8]) -> Result<Option<usize>, ()> {
    if header_len(b, 0) != Some(3) {
        return Ok(None);
    }
    let Some(&ty) = b.get(3) else { return Err(()) };
    if !WIFI_COUNT_TYPES.contains(&ty) {
        return Ok(None);
    }
    let aps = usize::from(*b.get(2).ok_or(())?);
    let cells_at = 10 + aps * 7;
    let cells = usize::from(*b.get(cells_at).ok_or(())?);
    let total = cells_at + 1 + 3 + cells * 5 + 2;
    match b.get(total - 2..total) {
        Some(b"\r\n") => Ok(Some(total)),
        Some(_) => Ok(None),
        None => Err(()),
    }
}

/// The parts of one frame, as byte offsets into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// True for `79 79` frames (2-byte length).
    pub extended: bool,
    /// Bytes of start and length (3 or 4); the protocol number is at this offset.
    pub header: usize,
    /// The length field's value.
    pub declared: usize,
    /// Protocol number (message type).
    pub ty: u8,
    /// Content: from `header + 1` to here.
    pub content_end: usize,
    /// Serial number, when the frame has room for it: offset and value.
    pub serial: Option<(usize, u16)>,
    /// CRC as sent, when there is room: offset and value.
    pub crc: Option<(usize, u16)>,
    /// Stop bytes: offset and how many of the two are there (whatever their value).
    pub stop: Option<(usize, usize)>,
    /// Bytes after the stop bytes (the frame's length says it ended before them).
    pub trailing: usize,
    /// The length field agrees with where the frame ends.
    pub length_ok: bool,
    /// A short Wi-Fi report whose third byte counts access points (no serial, no CRC).
    pub wifi_count: bool,
}

impl Layout {
    /// Reads the layout of `frame`; `None` when it does not start with `78 78`/`79 79` and a
    /// protocol number.
    pub fn of(frame: &[u8]) -> Option<Layout> {
        let header = header_len(frame, 0)?;
        let declared = declared_len(frame, 0)?;
        let ty = *frame.get(header)?;
        let len = frame.len();
        let ends_crlf = len >= header + 3 && frame.ends_with(b"\r\n");
        let dend = header + declared;
        let stop_at_declared = dend > header
            && dend <= len
            && b"\r\n".starts_with(frame.get(dend..(dend + 2).min(len)).unwrap_or(&[0]));
        // The answer to such a report is `78 78 00 <type> <time> 0D 0A` (12 bytes).
        let wifi_ack = len == 12 && declared == 0 && WIFI_COUNT_TYPES.contains(&ty);
        let wifi = ends_crlf
            && !stop_at_declared
            && header == 3
            && (wifi_ack || wifi_count_len(frame) == Ok(Some(len)));
        let (body_end, stop, length_ok) = if wifi {
            (len - 2, Some((len - 2, 2)), true)
        } else if stop_at_declared || (!ends_crlf && dend > header && dend <= len) {
            (dend, Some((dend, (len - dend).min(2))), true)
        } else if ends_crlf {
            (len - 2, Some((len - 2, 2)), false)
        } else {
            // Cut off before the end its length announces: no serial or CRC to read.
            (len, None, true)
        };
        let trailing = stop.map_or(0, |(at, n)| len - at - n);
        let room = !wifi && stop.is_some() && body_end >= header + 1 + 4;
        let be16 = |at: usize| match frame.get(at..at + 2) {
            Some(&[hi, lo]) => Some(u16::from_be_bytes([hi, lo])),
            _ => None,
        };
        let (content_end, serial, crc) = if room {
            let s = body_end - 4;
            (s, be16(s).map(|v| (s, v)), be16(s + 2).map(|v| (s + 2, v)))
        } else {
            (body_end.max(header + 1), None, None)
        };
        Some(Layout {
            extended: header == 4,
            header,
            declared,
            ty,
            content_end,
            serial,
            crc,
            stop,
            trailing,
            length_ok,
            wifi_count: wifi,
        })
    }

    /// First byte of the content.
    pub fn content_start(&self) -> usize {
        self.header + 1
    }

    /// Content length in bytes.
    pub fn content_len(&self) -> usize {
        self.content_end.saturating_sub(self.content_start())
    }

    /// The CRC computed over the frame (length through serial), when the frame has a CRC.
    pub fn computed_crc(&self, frame: &[u8]) -> Option<u16> {
        let (at, _) = self.crc?;
        frame.get(2..at).map(super::crc::crc16_x25)
    }

    /// True when the frame has a CRC and it is the one computed.
    pub fn crc_ok(&self, frame: &[u8]) -> Option<bool> {
        let (_, sent) = self.crc?;
        Some(self.computed_crc(frame)? == sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_layout() {
        // 0     2  3  4                        12    14    16
        // 78 78 0D 01 08 64 71 70 03 28 35 81 00 09 3F 04 0D 0A
        let f = [
            0x78, 0x78, 0x0d, 0x01, 0x08, 0x64, 0x71, 0x70, 0x03, 0x28, 0x35, 0x81, 0x00, 0x09,
            0x3f, 0x04, 0x0d, 0x0a,
        ];
        let l = Layout::of(&f).unwrap_or_else(|| unreachable!());
        assert_eq!((l.header, l.declared, l.ty), (3, 13, 1));
        assert_eq!((l.content_start(), l.content_end), (4, 12));
        assert_eq!(l.serial, Some((12, 9)));
        assert_eq!(l.crc, Some((14, 0x3f04)));
        assert_eq!(l.stop, Some((16, 2)));
        assert!(l.length_ok && !l.wifi_count && l.trailing == 0);
        assert_eq!(l.crc_ok(&f), Some(true));
    }

    #[test]
    fn cut_short_before_the_stop() {
        // The length says 0x0d, but the stream ended after the CRC's first byte.
        let f = [
            0x78, 0x78, 0x0d, 0x01, 0x08, 0x64, 0x71, 0x70, 0x03, 0x28, 0x35, 0x81, 0x00,
        ];
        let l = Layout::of(&f).unwrap_or_else(|| unreachable!());
        assert_eq!(l.stop, None);
        assert_eq!((l.serial, l.crc), (None, None));
        assert_eq!(l.content_end, f.len());
    }
}
