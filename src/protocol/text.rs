//! A terminator-based framer for text protocols, configured per protocol and direction.
//!
//! Cuts frames at terminator bytes, recognises fixed words that travel without a terminator
//! (the BN-407 server's `LOAD` and `ON`), skips whitespace between frames, bounds the frame
//! size (cutting an over-long frame and resynchronising at the next terminator), and flags
//! frames touched by gaps or left without a terminator at the end of the stream.

use super::{FrameFlags, FrameSink, Framer, RawFrame};

/// How a text protocol cuts one direction into frames.
#[derive(Debug, Clone, Copy)]
pub struct TextRules {
    /// Bytes that end a frame (included in the frame).
    pub terminators: &'static [u8],
    /// A terminator byte in this list does not end a frame when it is the frame's first byte
    /// (`**,imei:...;` starts with `*`, which otherwise ends an alternative sentence).
    pub not_at_start: &'static [u8],
    /// Words that form a whole frame by themselves, without a terminator (`LOAD`, `ON`).
    pub words: &'static [&'static [u8]],
    /// Largest frame, terminator included.
    pub max_len: usize,
    /// True when a frame reaching `max_len` without a terminator is malformed (`too_long`,
    /// then resynchronise at the next terminator); false when `max_len` only bounds the pieces
    /// of a stream with no framing of its own (unknown protocols).
    pub oversize_is_error: bool,
}

impl TextRules {
    /// Frames ended by any byte of `terminators`, at most `max_len` bytes (a longer one is
    /// malformed); no other rule.
    pub const fn ended_by(terminators: &'static [u8], max_len: usize) -> Self {
        Self {
            terminators,
            not_at_start: b"",
            words: &[],
            max_len,
            oversize_is_error: true,
        }
    }
}

/// The framer state for one direction.
pub struct TextFramer {
    rules: TextRules,
    /// `is_term[b]`: byte `b` is a terminator (a table: the scan is the hot loop).
    is_term: [bool; 256],
    buf: Vec<u8>,
    /// Stream offset of `buf[0]` (or of the next byte when `buf` is empty).
    offset: u64,
    /// Inside an over-long frame: emit continuation pieces until a terminator.
    discarding: bool,
    gap_before: u64,
    skipped: u64,
}

enum Cut {
    /// A frame of this many bytes.
    Frame(usize),
    /// No frame yet: everything is pending.
    Pending,
}

impl TextFramer {
    /// A framer following `rules`.
    pub fn new(rules: TextRules) -> Self {
        let mut is_term = [false; 256];
        for &t in rules.terminators {
            if let Some(slot) = is_term.get_mut(usize::from(t)) {
                *slot = true;
            }
        }
        Self {
            rules,
            is_term,
            buf: Vec::new(),
            offset: 0,
            discarding: false,
            gap_before: 0,
            skipped: 0,
        }
    }

    fn term(&self, b: u8) -> bool {
        self.is_term.get(usize::from(b)).copied().unwrap_or(false)
    }

    /// Where the frame starting at `data[0]` ends. `data` is non-empty and does not start
    /// with whitespace.
    fn cut(&self, data: &[u8]) -> Cut {
        let r = &self.rules;
        if !self.discarding {
            for w in r.words {
                if data.starts_with(w) {
                    return Cut::Frame(w.len());
                }
                if w.starts_with(data) {
                    return Cut::Pending; // could still become the word
                }
            }
        }
        let limit = data.len().min(r.max_len);
        let window = data.get(..limit).unwrap_or(data);
        // A first byte that is a terminator but may not end a frame at the start is skipped.
        let skip = usize::from(data.first().is_some_and(|f| r.not_at_start.contains(f)));
        let end = window
            .iter()
            .skip(skip)
            .position(|&b| self.term(b))
            .map(|i| i + skip);
        match end {
            Some(i) => Cut::Frame(i + 1),
            None if limit >= r.max_len => Cut::Frame(r.max_len),
            None => Cut::Pending,
        }
    }

    fn flags_for(&mut self, len: usize, bytes: &[u8]) -> FrameFlags {
        let mut flags = FrameFlags {
            gap_before: std::mem::take(&mut self.gap_before),
            ..Default::default()
        };
        let terminated =
            bytes.last().is_some_and(|&b| self.term(b)) || self.rules.words.contains(&bytes);
        if self.discarding {
            flags.too_long = true;
            flags.continuation = true;
            if terminated {
                self.discarding = false;
            }
        } else if self.rules.oversize_is_error && len >= self.rules.max_len && !terminated {
            flags.too_long = true;
            self.discarding = true;
        }
        flags
    }

    fn emit(&mut self, bytes: &[u8], mut flags: FrameFlags, out: &mut FrameSink<'_>) {
        let extra = self.flags_for(bytes.len(), bytes);
        flags.gap_before = extra.gap_before;
        flags.too_long |= extra.too_long;
        flags.continuation |= extra.continuation;
        out(RawFrame {
            bytes,
            offset: self.offset,
            flags,
        });
        self.offset += bytes.len() as u64;
    }

    /// Cuts as many frames from the pending buffer as possible.
    fn drain_buf(&mut self, out: &mut FrameSink<'_>) {
        loop {
            let ws = self
                .buf
                .iter()
                .take_while(|b| b.is_ascii_whitespace() && !self.discarding)
                .count();
            if ws > 0 {
                self.buf.drain(..ws);
                self.offset += ws as u64;
                self.skipped += ws as u64;
            }
            if self.buf.is_empty() {
                return;
            }
            match self.cut(&self.buf) {
                Cut::Frame(n) => {
                    let frame: Vec<u8> = self.buf.drain(..n).collect();
                    self.emit(&frame, FrameFlags::default(), out);
                }
                Cut::Pending => return,
            }
        }
    }

    /// Emits whatever is pending as one frame with `flags`.
    fn flush(&mut self, flags: FrameFlags, out: &mut FrameSink<'_>) {
        self.drain_buf(out);
        if !self.buf.is_empty() {
            let frame = std::mem::take(&mut self.buf);
            self.emit(&frame, flags, out);
            self.discarding = false;
        }
    }
}

impl Framer for TextFramer {
    fn push(&mut self, mut data: &[u8], out: &mut FrameSink<'_>) {
        if !self.buf.is_empty() {
            // Complete the pending frame from the new bytes, a bounded piece at a time.
            let need = self.rules.max_len.saturating_sub(self.buf.len()).max(1);
            let take = data
                .iter()
                .take(need)
                .position(|&b| self.term(b))
                .map_or(need.min(data.len()), |i| i + 1);
            let (head, rest) = data.split_at(take.min(data.len()));
            self.buf.extend_from_slice(head);
            data = rest;
            self.drain_buf(out);
            if !self.buf.is_empty() {
                if data.is_empty() {
                    return;
                }
                // Still pending with more data: a word prefix that did not complete, or a frame
                // that needs more bytes; fall back to byte-wise buffering.
                self.buf.extend_from_slice(data);
                self.drain_buf(out);
                return;
            }
        }
        // Fast path: frames wholly inside `data` are handed out without copying.
        loop {
            let ws = if self.discarding {
                0
            } else {
                data.iter().take_while(|b| b.is_ascii_whitespace()).count()
            };
            self.offset += ws as u64;
            self.skipped += ws as u64;
            data = data.get(ws..).unwrap_or(&[]);
            if data.is_empty() {
                return;
            }
            match self.cut(data) {
                Cut::Frame(n) => {
                    let (frame, rest) = data.split_at(n.min(data.len()));
                    self.emit(frame, FrameFlags::default(), out);
                    data = rest;
                }
                Cut::Pending => {
                    self.buf.extend_from_slice(data);
                    return;
                }
            }
        }
    }

    fn end_unit(&mut self, out: &mut FrameSink<'_>) {
        self.flush(FrameFlags::UNIT_END, out);
    }

    fn gap(&mut self, missing: u64, out: &mut FrameSink<'_>) {
        self.flush(FrameFlags::gap_after(missing), out);
        self.offset += missing;
        self.gap_before = self.gap_before.saturating_add(missing);
        // Resume at the next terminator: whatever follows is flagged by `gap_before`.
    }

    fn finish(&mut self, out: &mut FrameSink<'_>) {
        self.flush(FrameFlags::TRUNCATED, out);
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }

    fn take_pending(&mut self) -> Vec<u8> {
        self.discarding = false;
        self.offset += self.buf.len() as u64;
        std::mem::take(&mut self.buf)
    }
}
