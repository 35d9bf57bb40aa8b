//! The binary framer: cuts `78 78` (1-byte length) and `79 79` (2-byte length) frames from a
//! stream cut at any point.
//!
//! A frame is believed where its length says it ends and `0D 0A` stands there. Where not (a
//! wrong length, a Wi-Fi report whose third byte counts access points), the frame ends at the
//! first `0D 0A`, or just before the next well-formed frame if one starts first. Bytes that do
//! not start with `78 78`/`79 79` are garbage: they become a frame of their own up to the next
//! start, never dropped. Every decision looks at most [`MAX_FRAME`] bytes ahead, so pending
//! bytes are bounded; frames lying inside one push are handed out without copying.

use super::frame::{MAX_FRAME, declared_len, header_len, marker_at};
use crate::protocol::kit::sized::StreamPos;
use crate::protocol::{FrameFlags, FrameSink, Framer};

/// Where the bytes at the front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// A frame (or a garbage run) of this many bytes.
    Frame(usize),
    /// Only because the input ends: the rest, incomplete.
    Forced(usize),
    /// No end within [`MAX_FRAME`]: cut there.
    TooLong(usize),
    /// More bytes are needed to decide.
    Pending,
}

/// Whether a well-formed frame starts at `at`: `None` while its bytes are not all there.
/// Only frames ending within the first [`MAX_FRAME`] bytes count.
fn whole_frame_at(d: &[u8], at: usize) -> Option<bool> {
    let Some(h) = header_len(d, at) else {
        return Some(false);
    };
    if at + h > MAX_FRAME {
        return Some(false);
    }
    let declared = declared_len(d, at)?;
    let end = at + h + declared + 2;
    if declared < 5 || end > MAX_FRAME {
        return Some(false);
    }
    Some(d.get(end - 2..end)? == b"\r\n")
}

/// Decides where the bytes at the front of `d` end; `fin` when no more bytes will come.
fn cut(d: &[u8], fin: bool) -> Cut {
    if d.is_empty() {
        return Cut::Pending;
    }
    let window = d.len().min(MAX_FRAME);
    if !marker_at(d, 0) {
        // Garbage up to the next start.
        for p in 0..window {
            if p > 0 && marker_at(d, p) && p + 1 < MAX_FRAME {
                return Cut::Frame(p);
            }
            let may_start = matches!(d.get(p), Some(0x78 | 0x79));
            if may_start && p + 1 == d.len() && p + 1 < MAX_FRAME && !fin {
                return Cut::Pending;
            }
        }
        return if d.len() >= MAX_FRAME {
            Cut::Frame(MAX_FRAME)
        } else if fin {
            Cut::Frame(d.len())
        } else {
            Cut::Pending
        };
    }
    let Some(h) = header_len(d, 0) else {
        return Cut::Pending;
    };
    let Some(declared) = declared_len(d, 0) else {
        return if fin {
            Cut::Forced(d.len())
        } else {
            Cut::Pending
        };
    };
    let total = h + declared + 2;
    if total <= MAX_FRAME {
        match d.get(total - 2..total) {
            Some(b"\r\n") => return Cut::Frame(total),
            Some(_) => {}
            None if !fin => return Cut::Pending,
            None => {}
        }
    }
    // The length is wrong or untrusted: the first 0D 0A ends the frame, unless a well-formed
    // frame starts before it.
    for p in 2..window {
        if d.get(p) == Some(&0x0d) && p + 1 < MAX_FRAME {
            match d.get(p + 1) {
                Some(0x0a) => return Cut::Frame(p + 2),
                Some(_) => {}
                None if !fin => return Cut::Pending,
                None => {}
            }
        }
        if marker_at(d, p) {
            match whole_frame_at(d, p) {
                Some(true) => return Cut::Frame(p),
                Some(false) => {}
                None if !fin => return Cut::Pending,
                None => {}
            }
        } else if matches!(d.get(p), Some(0x78 | 0x79)) && p + 1 == d.len() && !fin {
            return Cut::Pending;
        }
    }
    if d.len() >= MAX_FRAME {
        Cut::TooLong(MAX_FRAME)
    } else if fin {
        Cut::Forced(d.len())
    } else {
        Cut::Pending
    }
}

/// The GT06 framer state for one direction.
#[derive(Default)]
pub struct Gt06Framer {
    buf: Vec<u8>,
    /// Where `buf[0]` stands in the stream.
    pos: StreamPos,
}

impl Gt06Framer {
    /// A framer at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Emits the frame at the front of the buffer, if it is whole; true when it did.
    fn cut_one(&mut self, out: &mut FrameSink<'_>) -> bool {
        let (n, too_long) = match cut(&self.buf, false) {
            Cut::Frame(n) | Cut::Forced(n) => (n, false),
            Cut::TooLong(n) => (n, true),
            Cut::Pending => return false,
        };
        let n = n.clamp(1, self.buf.len());
        let frame: Vec<u8> = self.buf.drain(..n).collect();
        let flags = FrameFlags {
            too_long,
            ..Default::default()
        };
        self.pos.emit(&frame, flags, out);
        true
    }

    /// Emits every frame the buffer holds; with `last`, the remainder too, flagged `last`.
    fn drain(&mut self, last: Option<FrameFlags>, out: &mut FrameSink<'_>) {
        loop {
            let c = cut(&self.buf, last.is_some());
            let (n, flags) = match c {
                Cut::Frame(n) => (n, FrameFlags::default()),
                Cut::TooLong(n) => (n, FrameFlags::TOO_LONG),
                Cut::Forced(n) => (n, last.unwrap_or_default()),
                Cut::Pending => return,
            };
            let n = n.clamp(1, self.buf.len().max(1));
            if self.buf.is_empty() {
                return;
            }
            let frame: Vec<u8> = self.buf.drain(..n.min(self.buf.len())).collect();
            self.pos.emit(&frame, flags, out);
        }
    }
}

impl Framer for Gt06Framer {
    fn push(&mut self, data: &[u8], out: &mut FrameSink<'_>) {
        // Bytes of `data` appended to the pending buffer so far.
        let mut consumed = 0;
        let mut start = 0;
        if !self.buf.is_empty() {
            loop {
                // Frames that begin in bytes held from earlier pushes come from the buffer.
                while self.buf.len() > consumed && self.cut_one(out) {}
                if self.buf.len() <= consumed {
                    // What is left came from `data`: read it in place from here on.
                    start = consumed - self.buf.len();
                    self.buf.clear();
                    break;
                }
                let Some(rest) = data.get(consumed..).filter(|r| !r.is_empty()) else {
                    return;
                };
                // Never hold more than MAX_FRAME bytes.
                let take = rest
                    .len()
                    .min(MAX_FRAME.saturating_sub(self.buf.len()).max(1));
                self.buf.extend_from_slice(rest.get(..take).unwrap_or(rest));
                consumed += take;
            }
        }
        let mut data = data.get(start..).unwrap_or(&[]);
        // Fast path: frames wholly inside `data` are handed out without copying.
        loop {
            if data.is_empty() {
                return;
            }
            let (n, flags) = match cut(data, false) {
                Cut::Frame(n) | Cut::Forced(n) => (n, FrameFlags::default()),
                Cut::TooLong(n) => (n, FrameFlags::TOO_LONG),
                Cut::Pending => {
                    self.buf.extend_from_slice(data);
                    return;
                }
            };
            let (frame, rest) = data.split_at(n.clamp(1, data.len()));
            self.pos.emit(frame, flags, out);
            data = rest;
        }
    }

    fn end_unit(&mut self, out: &mut FrameSink<'_>) {
        self.drain(Some(FrameFlags::UNIT_END), out);
    }

    fn gap(&mut self, missing: u64, out: &mut FrameSink<'_>) {
        self.drain(Some(FrameFlags::gap_after(missing)), out);
        self.pos.gap(missing);
    }

    fn finish(&mut self, out: &mut FrameSink<'_>) {
        self.drain(Some(FrameFlags::TRUNCATED), out);
    }

    fn skipped(&self) -> u64 {
        0
    }

    fn take_pending(&mut self) -> Vec<u8> {
        self.pos.skip(self.buf.len() as u64);
        std::mem::take(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &[u8] = &[
        0x78, 0x78, 0x0d, 0x01, 0x08, 0x64, 0x71, 0x70, 0x03, 0x28, 0x35, 0x81, 0x00, 0x09, 0x3f,
        0x04, 0x0d, 0x0a,
    ];

    #[test]
    fn decisions() {
        assert_eq!(cut(LOGIN, false), Cut::Frame(18));
        assert_eq!(cut(LOGIN.get(..10).unwrap_or(&[]), false), Cut::Pending);
        assert_eq!(cut(LOGIN.get(..10).unwrap_or(&[]), true), Cut::Forced(10));
        // Garbage, then a start: the garbage is a frame of its own.
        let mut g = b"junk".to_vec();
        g.extend_from_slice(LOGIN);
        assert_eq!(cut(&g, false), Cut::Frame(4));
        // A trailing 78 may begin a start: wait.
        assert_eq!(cut(b"junk\x78", false), Cut::Pending);
        assert_eq!(cut(b"junk\x78", true), Cut::Frame(5));
    }

    #[test]
    fn wrong_length_ends_at_the_first_crlf() {
        // The length byte says 0x20, the frame ends after 8 bytes.
        let f = [0x78, 0x78, 0x20, 0x13, 0x01, 0x02, 0x0d, 0x0a, 0x78, 0x78];
        assert_eq!(cut(&f, false), Cut::Pending);
        let mut long = f.to_vec();
        long.resize(40, 0);
        assert_eq!(cut(&long, false), Cut::Frame(8));
    }
}
