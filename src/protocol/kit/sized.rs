//! A framer for protocols whose frames say their own size (a length prefix, a fixed binary
//! record, an HTTP head with its `Content-Length`), or mix such frames with terminated text.
//!
//! The protocol gives one [`Measure`] function: shown the bytes from a frame's start, it says
//! how long the frame is, that it needs more bytes, or that the bytes are not the start of any
//! frame (junk, handed out as a frame of its own so nothing is dropped). This file does the
//! buffering: frames wholly inside one push are handed out without copying, a frame across
//! pushes is completed a bounded piece at a time, and every byte fed ends up in exactly one
//! frame or is counted as whitespace.

use crate::protocol::{FrameFlags, FrameSink, Framer, RawFrame};

/// What a protocol says about the bytes at a frame's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// A frame of this many bytes (at least 1, at most the bytes shown).
    Frame(usize),
    /// Too few bytes to tell: at least this many are needed in all (more than shown).
    Need(usize),
    /// This many bytes start no frame: handed out as one frame, which the decoder calls junk.
    Junk(usize),
    /// This many whitespace bytes lie between frames (counted, not framed).
    Skip(usize),
}

/// Measures the frame at `bytes[0]`; `end` is true when no more bytes will follow (the unit,
/// the stream, or the run before a gap ended): then `Need` means the frame is cut off.
pub type Measure = fn(bytes: &[u8], end: bool) -> Cut;

/// Most bytes held for one frame; a frame said to be longer is handed out in pieces.
pub const MAX_HELD: usize = 70_000;

/// The framer state for one direction.
pub struct SizedFramer {
    measure: Measure,
    buf: Vec<u8>,
    /// Where `buf[0]` stands in the stream.
    pos: StreamPos,
    skipped: u64,
}

/// Where a framer stands in its stream: the offset of the next byte it hands out (or holds),
/// and the bytes lost just before it (a capture gap), flagged on the next frame.
#[derive(Debug, Default)]
pub struct StreamPos {
    offset: u64,
    gap_before: u64,
}

impl StreamPos {
    /// Hands `bytes` out as the frame at this offset, flagged with the gap before it.
    pub fn emit(&mut self, bytes: &[u8], mut flags: FrameFlags, out: &mut FrameSink<'_>) {
        flags.gap_before = std::mem::take(&mut self.gap_before);
        out(RawFrame {
            bytes,
            offset: self.offset,
            flags,
        });
        self.offset += bytes.len() as u64;
    }
    /// Steps over `n` bytes that are not handed out as a frame.
    pub fn skip(&mut self, n: u64) {
        self.offset += n;
    }
    /// Steps over `missing` bytes lost from the capture; the next frame is flagged with them.
    pub fn gap(&mut self, missing: u64) {
        self.offset += missing;
        self.gap_before = self.gap_before.saturating_add(missing);
    }
}

impl SizedFramer {
    /// A framer cutting with `measure`.
    pub fn new(measure: Measure) -> Self {
        Self {
            measure,
            buf: Vec::new(),
            pos: StreamPos::default(),
            skipped: 0,
        }
    }

    /// Hands out the first `n` held bytes as a frame.
    fn emit_held(&mut self, n: usize, flags: FrameFlags, out: &mut FrameSink<'_>) {
        let n = n.clamp(1, self.buf.len());
        let frame: Vec<u8> = self.buf.drain(..n).collect();
        self.pos.emit(&frame, flags, out);
    }

    fn skip_held(&mut self, n: usize) {
        let n = n.clamp(1, self.buf.len());
        self.buf.drain(..n);
        self.pos.skip(n as u64);
        self.skipped += n as u64;
    }

    /// Cuts what is held, taking bytes from `data` while a frame needs them. Returns the
    /// bytes of `data` not taken.
    fn complete<'d>(&mut self, mut data: &'d [u8], out: &mut FrameSink<'_>) -> &'d [u8] {
        while !self.buf.is_empty() {
            match (self.measure)(&self.buf, false) {
                Cut::Frame(n) | Cut::Junk(n) => self.emit_held(n, FrameFlags::default(), out),
                Cut::Skip(n) => self.skip_held(n),
                Cut::Need(_) if self.buf.len() >= MAX_HELD => {
                    self.emit_held(MAX_HELD, FrameFlags::TOO_LONG, out);
                }
                Cut::Need(k) => {
                    if data.is_empty() {
                        break;
                    }
                    let want = k
                        .saturating_sub(self.buf.len())
                        .clamp(1, MAX_HELD - self.buf.len());
                    let (head, rest) = data.split_at(want.min(data.len()));
                    self.buf.extend_from_slice(head);
                    data = rest;
                }
            }
        }
        data
    }

    /// Hands out everything held: whole frames as they are, the rest as one frame with `flags`.
    fn flush(&mut self, flags: FrameFlags, out: &mut FrameSink<'_>) {
        while !self.buf.is_empty() {
            match (self.measure)(&self.buf, true) {
                Cut::Frame(n) | Cut::Junk(n) => self.emit_held(n, FrameFlags::default(), out),
                Cut::Skip(n) => self.skip_held(n),
                Cut::Need(_) => {
                    let frame = std::mem::take(&mut self.buf);
                    self.pos.emit(&frame, flags, out);
                }
            }
        }
    }
}

impl Framer for SizedFramer {
    fn push(&mut self, data: &[u8], out: &mut FrameSink<'_>) {
        let mut data = self.complete(data, out);
        if !self.buf.is_empty() {
            return;
        }
        // Fast path: frames wholly inside `data` are handed out without copying.
        while !data.is_empty() {
            match (self.measure)(data, false) {
                Cut::Frame(n) | Cut::Junk(n) => {
                    let (frame, rest) = data.split_at(n.clamp(1, data.len()));
                    self.pos.emit(frame, FrameFlags::default(), out);
                    data = rest;
                }
                Cut::Skip(n) => {
                    let n = n.clamp(1, data.len());
                    self.pos.skip(n as u64);
                    self.skipped += n as u64;
                    data = data.get(n..).unwrap_or(&[]);
                }
                Cut::Need(_) => {
                    // Hold a bounded piece; `complete` takes the rest as the frame needs it.
                    let (head, rest) = data.split_at(data.len().min(MAX_HELD));
                    self.buf.extend_from_slice(head);
                    data = self.complete(rest, out);
                    if !self.buf.is_empty() {
                        return;
                    }
                }
            }
        }
    }

    fn end_unit(&mut self, out: &mut FrameSink<'_>) {
        self.flush(FrameFlags::UNIT_END, out);
    }

    fn gap(&mut self, missing: u64, out: &mut FrameSink<'_>) {
        self.flush(FrameFlags::gap_after(missing), out);
        self.pos.gap(missing);
    }

    fn finish(&mut self, out: &mut FrameSink<'_>) {
        self.flush(FrameFlags::TRUNCATED, out);
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }

    fn take_pending(&mut self) -> Vec<u8> {
        self.pos.skip(self.buf.len() as u64);
        std::mem::take(&mut self.buf)
    }
}

/// Length of the run of ASCII whitespace at the start of `b`.
pub fn whitespace(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

/// Junk up to the first position (after the first byte) where `starts` holds, or up to `max`
/// bytes; `Need` when neither is seen yet and the stream goes on.
pub fn junk_until(b: &[u8], end: bool, max: usize, starts: impl Fn(&[u8]) -> bool) -> Cut {
    let limit = b.len().min(max);
    let next = (1..limit).find(|&i| b.get(i..).is_some_and(&starts));
    match next {
        Some(i) => Cut::Junk(i),
        None if end || limit >= max => Cut::Junk(limit.max(1)),
        None => Cut::Need(b.len() + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy protocol: a length byte, then that many bytes; spaces between frames.
    fn toy(b: &[u8], _end: bool) -> Cut {
        match b.first() {
            Some(b' ') => Cut::Skip(whitespace(b)),
            Some(&n) if n > 0 && n < 100 => {
                let len = usize::from(n) + 1;
                if b.len() >= len {
                    Cut::Frame(len)
                } else {
                    Cut::Need(len)
                }
            }
            _ => junk_until(b, _end, 16, |r| {
                r.first().is_some_and(|&c| c > 0 && c < 100)
            }),
        }
    }

    fn frames(pieces: &[&[u8]]) -> Vec<(Vec<u8>, FrameFlags)> {
        crate::protocol::kit::testing::run_framer(Box::new(SizedFramer::new(toy)), pieces)
    }

    #[test]
    fn any_cutting_gives_the_same_frames() {
        let stream: &[u8] = b"\x03abc \x01x\xff\xfe\x02yz\x05ab";
        let whole = frames(&[stream]);
        let texts: Vec<&[u8]> = whole.iter().map(|(b, _)| b.as_slice()).collect();
        assert_eq!(
            texts,
            vec![&b"\x03abc"[..], b"\x01x", b"\xff\xfe", b"\x02yz", b"\x05ab"]
        );
        assert!(whole.last().is_some_and(|(_, f)| f.truncated));
        for cut in 1..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(frames(&[a, b]), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(frames(&bytes), whole);
    }

    #[test]
    fn gap_and_pending() {
        let mut f = SizedFramer::new(toy);
        let mut out = Vec::new();
        {
            let mut sink = |r: RawFrame<'_>| out.push((r.bytes.to_vec(), r.offset, r.flags));
            f.push(b"\x05ab", &mut sink);
            f.gap(3, &mut sink);
            f.push(b"\x01z", &mut sink);
        }
        assert_eq!(f.take_pending(), Vec::<u8>::new());
        assert_eq!(out.len(), 2);
        assert_eq!(out.first().map(|o| o.2.gap_after), Some(3));
        assert_eq!(out.get(1).map(|o| (o.1, o.2.gap_before)), Some((6, 3)));
    }
}
