//! One conversation (a TCP connection, a UDP peer pair, a raw stream): per side, detect the
//! protocol from the first bytes, then frame. Decoding is left to the caller, who decides
//! whether a field tree is wanted.
//!
//! Side 0 carries what the device sent, side 1 what the server sent, as the network layer
//! guessed. A confident probe that says otherwise (a side opening with `LOAD` is the server)
//! wins over the guess when the guess was weak (no SYN seen).
//!
//! Detection is re-checked when a frame does not fit the side's protocol (its probe says `No`
//! to the frame): a unit re-flashed mid-capture, or garbage before the first real message.
//! The frame is searched for the first offset where another protocol's probe is sure; the
//! bytes before it stay a frame of the old protocol, and from there on the side is re-framed
//! by the new one (the rest of the frame, and whatever the old framer still held, are fed to
//! the new framer). Nothing is lost and nothing is framed twice.

use super::{
    Diagnostic, Direction, FrameFlags, Framer, ProbeResult, Protocol, RawFrame, Verdict, detect,
    unknown,
};

/// Bytes held per side while no probe can decide.
const PROBE_WINDOW: usize = 64;

/// How far into a misfit frame a new protocol's start is searched for.
const RESYNC_SCAN: usize = 1024;

/// Confidence a probe needs to switch a side that already has a protocol. Above the 80 of
/// short answers such as Teltonika's `01 00 00 00 NN`: binary junk after a length that overran
/// holds such bytes by chance, and switching there handed a Meitrack flow to Teltonika for the
/// rest of the stream (seen on real Meitrack messages: a photo packet that declared 1,093 bytes
/// and held 1,024).
const SWITCH_CONFIDENCE: u8 = 85;

/// A frame cut from one side, with the protocol that cut it.
pub struct Framed<'a> {
    /// 0: the side believed to be the device, 1: the server.
    pub side: usize,
    /// Which way the frame travelled.
    pub direction: Direction,
    /// The protocol of this side.
    pub protocol: &'static Protocol,
    /// The frame.
    pub raw: RawFrame<'a>,
    /// Findings from lower layers (e.g. retransmissions that disagree) to attach to it.
    pub notes: Vec<Diagnostic>,
}

#[derive(Default)]
struct SideState {
    protocol: Option<&'static Protocol>,
    verdict: Option<Verdict>,
    framer: Option<Box<dyn Framer>>,
    held: Vec<u8>,
    held_gap: u64,
    notes: Vec<Diagnostic>,
    bytes: u64,
    /// Stream offset where the current framer started (its offsets are relative to it).
    base: u64,
    /// Whitespace skipped by framers replaced after a re-detection.
    skipped_before: u64,
    /// Times the side switched protocol after a misfit frame.
    switches: u32,
}

/// Detection and framing state of one conversation.
pub struct Conversation {
    sides: [SideState; 2],
    /// True when the side assignment is certain (SYN seen, a server log, a raw file).
    certain: bool,
    /// The direction of each side as finally decided.
    dirs: [Direction; 2],
    /// A raw stream: frames of either direction may follow each other (a file of frames),
    /// so no probe fixes the side's direction; each frame's kind tells.
    raw: bool,
}

impl Conversation {
    /// A conversation; `certain` when the device side is known for sure.
    pub fn new(certain: bool, raw: bool) -> Self {
        let dirs = if raw {
            [Direction::Unknown, Direction::Unknown]
        } else {
            [Direction::ToServer, Direction::ToDevice]
        };
        Self {
            sides: Default::default(),
            certain,
            dirs,
            raw,
        }
    }

    /// The protocol and verdict of a side, once detected.
    pub fn verdict(&self, side: usize) -> Option<(&'static Protocol, Option<Verdict>)> {
        let s = self.sides.get(side)?;
        s.protocol.map(|p| (p, s.verdict))
    }

    /// The direction frames of `side` are given.
    pub fn direction(&self, side: usize) -> Direction {
        self.dirs.get(side).copied().unwrap_or_default()
    }

    /// Bytes received on a side.
    pub fn bytes(&self, side: usize) -> u64 {
        self.sides.get(side).map_or(0, |s| s.bytes)
    }

    /// Whitespace skipped between frames on a side.
    pub fn skipped(&self, side: usize) -> u64 {
        self.sides.get(side).map_or(0, |s| {
            s.skipped_before + s.framer.as_ref().map_or(0, |f| f.skipped())
        })
    }

    /// Times a side's protocol changed after a frame that did not fit it.
    pub fn switches(&self, side: usize) -> u32 {
        self.sides.get(side).map_or(0, |s| s.switches)
    }

    /// Attaches a lower-layer finding to the next frame of `side`.
    pub fn note(&mut self, side: usize, d: Diagnostic) {
        if let Some(s) = self.sides.get_mut(side) {
            s.notes.push(d);
        }
    }

    fn decide(&mut self, side: usize, force: bool) {
        let other_dir = self.dirs.get(1 - side.min(1)).copied();
        let Some(s) = self.sides.get_mut(side) else {
            return;
        };
        if s.protocol.is_some() {
            return;
        }
        let (best, need_more) = detect(&s.held);
        let (proto, verdict) = match best {
            Some((p, v)) => (p, Some(v)),
            None if need_more && !force && s.held.len() < PROBE_WINDOW => return,
            None => (&unknown::PROTOCOL, None),
        };
        // A confident probe overrides a weak side guess.
        if let Some(v) = verdict
            && !self.raw
            && v.direction != Direction::Unknown
            && (!self.certain || self.dirs.get(side) == Some(&Direction::Unknown))
            && v.confidence >= 60
        {
            if let Some(d) = self.dirs.get_mut(side) {
                *d = v.direction;
            }
            if other_dir == Some(v.direction)
                && let Some(o) = self.dirs.get_mut(1 - side.min(1))
            {
                *o = if v.direction == Direction::ToServer {
                    Direction::ToDevice
                } else {
                    Direction::ToServer
                };
            }
        }
        let dir = self.dirs.get(side).copied().unwrap_or_default();
        if let Some(s) = self.sides.get_mut(side) {
            s.protocol = Some(proto);
            s.verdict = verdict;
            s.framer = Some((proto.framer)(dir));
        }
    }

    /// Feeds bytes sent by `side`.
    pub fn data(&mut self, side: usize, bytes: &[u8], out: &mut dyn FnMut(Framed<'_>)) {
        let Some(s) = self.sides.get_mut(side) else {
            return;
        };
        s.bytes += bytes.len() as u64;
        if s.protocol.is_none() {
            s.held.extend_from_slice(bytes);
            self.decide(side, false);
            let Some(s) = self.sides.get_mut(side) else {
                return;
            };
            if s.protocol.is_none() {
                return;
            }
            let held = std::mem::take(&mut s.held);
            let gap = std::mem::take(&mut s.held_gap);
            if gap > 0 {
                self.run(side, out, Op::Gap(gap));
            }
            self.run(side, out, Op::Push(&held));
            return;
        }
        self.run(side, out, Op::Push(bytes));
    }

    /// A datagram or log message of `side` ended.
    pub fn end_unit(&mut self, side: usize, out: &mut dyn FnMut(Framed<'_>)) {
        self.flush_held(side, out);
        self.run(side, out, Op::EndUnit);
    }

    /// `missing` bytes of `side` were lost.
    pub fn gap(&mut self, side: usize, missing: u64, out: &mut dyn FnMut(Framed<'_>)) {
        if let Some(s) = self.sides.get_mut(side)
            && s.protocol.is_none()
            && s.held.is_empty()
        {
            s.held_gap += missing;
            return;
        }
        self.flush_held(side, out);
        self.run(side, out, Op::Gap(missing));
    }

    /// The conversation ended: pending bytes become truncated frames.
    pub fn finish(&mut self, out: &mut dyn FnMut(Framed<'_>)) {
        for side in 0..2 {
            self.flush_held(side, out);
            self.run(side, out, Op::Finish);
        }
    }

    fn flush_held(&mut self, side: usize, out: &mut dyn FnMut(Framed<'_>)) {
        let Some(s) = self.sides.get(side) else {
            return;
        };
        if s.protocol.is_none() && !s.held.is_empty() {
            self.decide(side, true);
            let Some(s) = self.sides.get_mut(side) else {
                return;
            };
            let held = std::mem::take(&mut s.held);
            self.run(side, out, Op::Push(&held));
        }
    }

    fn run(&mut self, side: usize, out: &mut dyn FnMut(Framed<'_>), op: Op<'_>) {
        let switch = self.run_checked(side, out, |f, o| op.apply(f, o), true);
        if let Some((proto, verdict, mut replay, at)) = switch {
            let direction = self.direction(side);
            let Some(s) = self.sides.get_mut(side) else {
                return;
            };
            if let Some(f) = s.framer.as_mut() {
                s.skipped_before += f.skipped();
                replay.extend(f.take_pending());
            }
            s.protocol = Some(proto);
            s.verdict = Some(verdict);
            s.framer = Some((proto.framer)(direction));
            s.base = at;
            s.switches += 1;
            // The replay is framed by the new protocol without a further switch, so two
            // protocols can never hand the same bytes back and forth. An operation that ends
            // something (a datagram, a gap, the stream) applies to the new framer too.
            self.run_checked(
                side,
                out,
                |f, o| {
                    f.push(&replay, o);
                    if !matches!(op, Op::Push(_)) {
                        op.apply(f, o);
                    }
                },
                false,
            );
        }
    }

    /// Runs a framer operation; frames that do not fit the side's protocol are searched for
    /// another protocol's start (when `may_switch`). Returns the switch to make: the protocol,
    /// its verdict, the bytes to re-frame, and their stream offset.
    #[allow(clippy::type_complexity)]
    fn run_checked(
        &mut self,
        side: usize,
        out: &mut dyn FnMut(Framed<'_>),
        op: impl FnOnce(&mut dyn Framer, &mut dyn FnMut(RawFrame<'_>)),
        may_switch: bool,
    ) -> Option<(&'static Protocol, Verdict, Vec<u8>, u64)> {
        let direction = self.direction(side);
        let s = self.sides.get_mut(side)?;
        let (Some(protocol), Some(framer)) = (s.protocol, s.framer.as_mut()) else {
            return None;
        };
        let notes = &mut s.notes;
        let base = s.base;
        let mut switch: Option<(&'static Protocol, Verdict, Vec<u8>, u64)> = None;
        let mut sink = |mut raw: RawFrame<'_>| {
            raw.offset += base;
            if let Some((_, _, replay, _)) = switch.as_mut() {
                replay.extend_from_slice(raw.bytes);
                return;
            }
            if may_switch && let Some((at, p, v)) = misfit(protocol, &raw) {
                let (head, tail) = raw.bytes.split_at(at.min(raw.bytes.len()));
                switch = Some((p, v, tail.to_vec(), raw.offset + at as u64));
                if head.is_empty() {
                    return;
                }
                raw = RawFrame {
                    bytes: head,
                    offset: raw.offset,
                    flags: FrameFlags {
                        gap_after: 0,
                        truncated: false,
                        ..raw.flags
                    },
                };
            }
            out(Framed {
                side,
                direction,
                protocol,
                raw,
                notes: std::mem::take(notes),
            });
        };
        op(framer.as_mut(), &mut sink);
        switch
    }
}

/// True for a byte after which another message may begin: a line end, a terminator of the
/// text protocols, or a binary byte. Not a space or a comma: `imei:` after them is a field of
/// another sentence.
fn ends_message(b: u8) -> bool {
    !(0x20..0x7f).contains(&b) || b";#)*$!]".contains(&b)
}

/// What is done to a side's framer.
#[derive(Clone, Copy)]
enum Op<'b> {
    Push(&'b [u8]),
    EndUnit,
    Gap(u64),
    Finish,
}

impl Op<'_> {
    fn apply(self, f: &mut dyn Framer, o: &mut dyn FnMut(RawFrame<'_>)) {
        match self {
            Op::Push(b) => f.push(b, o),
            Op::EndUnit => f.end_unit(o),
            Op::Gap(n) => f.gap(n, o),
            Op::Finish => f.finish(o),
        }
    }
}

/// When `frame` does not fit `protocol` (its probe says `No`), the first offset within the frame
/// where another protocol's probe is sure of itself, with that protocol and its verdict.
fn misfit(
    protocol: &Protocol,
    frame: &RawFrame<'_>,
) -> Option<(usize, &'static Protocol, Verdict)> {
    if frame.flags.continuation || !matches!((protocol.probe)(frame.bytes), ProbeResult::No) {
        return None;
    }
    let scan = frame.bytes.len().min(RESYNC_SCAN);
    (0..scan).find_map(|at| {
        // A message starts the frame or follows what ends one (a line end, a terminator,
        // binary bytes): `imei:` after a comma is a field of some other sentence, not a start.
        if at > 0 && !frame.bytes.get(at - 1).is_some_and(|&b| ends_message(b)) {
            return None;
        }
        let rest = frame.bytes.get(at..)?;
        match detect(rest).0 {
            Some((p, v)) if !std::ptr::eq(p, protocol) && v.confidence >= SWITCH_CONFIDENCE => {
                Some((at, p, v))
            }
            _ => None,
        }
    })
}
