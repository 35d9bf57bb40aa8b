//! Incremental framing: bytes in, frames out, the same code for files and live sockets.
//!
//! A framer is fed the bytes of one direction of one conversation in order, in pieces of any
//! size. It hands out each complete frame, borrowing from the input when the frame lies inside
//! one piece and from its own buffer when it spans pieces, so the common case copies nothing.
//! Every byte fed ends up in a frame or is whitespace between frames (counted, not shown).

/// Conditions the framer found while cutting a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameFlags {
    /// The stream ended before a terminator.
    pub truncated: bool,
    /// The frame grew past the size bound and was cut there (`frame.too_long`).
    pub too_long: bool,
    /// Continuation of an over-long frame, up to the terminator where framing resynchronised.
    pub continuation: bool,
    /// Bytes were lost in the stream just before this frame (a TCP gap): how many.
    pub gap_before: u64,
    /// Bytes were lost in the stream just after this frame's bytes: how many.
    pub gap_after: u64,
    /// The frame ended at a datagram (or log message) boundary without a terminator.
    pub unit_end: bool,
}

impl FrameFlags {
    /// A frame the end of its stream cut short.
    pub const TRUNCATED: FrameFlags = FrameFlags {
        truncated: true,
        ..FrameFlags::NONE
    };
    /// A frame cut at the size bound.
    pub const TOO_LONG: FrameFlags = FrameFlags {
        too_long: true,
        ..FrameFlags::NONE
    };
    /// A frame ended by its datagram or log message.
    pub const UNIT_END: FrameFlags = FrameFlags {
        unit_end: true,
        ..FrameFlags::NONE
    };
    /// Nothing noticed.
    pub const NONE: FrameFlags = FrameFlags {
        truncated: false,
        too_long: false,
        continuation: false,
        gap_before: 0,
        gap_after: 0,
        unit_end: false,
    };
    /// A frame followed by `missing` lost bytes.
    pub const fn gap_after(missing: u64) -> FrameFlags {
        FrameFlags {
            gap_after: missing,
            ..FrameFlags::NONE
        }
    }
}

/// One frame cut from a stream.
#[derive(Debug, Clone, Copy)]
pub struct RawFrame<'a> {
    /// The frame's bytes, terminator included.
    pub bytes: &'a [u8],
    /// Offset of the first byte in its direction's stream.
    pub offset: u64,
    /// What the framer noticed.
    pub flags: FrameFlags,
}

/// Receives frames from a framer.
pub type FrameSink<'s> = dyn FnMut(RawFrame<'_>) + 's;

/// A protocol's incremental framer for one direction of one conversation.
pub trait Framer: Send {
    /// Feeds the next bytes of the stream.
    fn push(&mut self, data: &[u8], out: &mut FrameSink<'_>);
    /// Marks the end of a unit (UDP datagram, log message): pending bytes become a frame.
    fn end_unit(&mut self, out: &mut FrameSink<'_>);
    /// `missing` bytes of the stream were lost here: pending bytes become a frame flagged
    /// with the gap, and framing resumes at the next terminator.
    fn gap(&mut self, missing: u64, out: &mut FrameSink<'_>);
    /// The stream ended: pending bytes become a truncated frame.
    fn finish(&mut self, out: &mut FrameSink<'_>);
    /// Whitespace bytes skipped between frames so far.
    fn skipped(&self) -> u64;
    /// Hands back the bytes held for a frame not yet complete, and forgets them (the stream is
    /// switching to another protocol's framer, which is fed them next).
    fn take_pending(&mut self) -> Vec<u8>;
}
