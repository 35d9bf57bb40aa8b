//! One direction of a TCP connection: sequence numbers in, ordered bytes out.
//!
//! Sequence numbers are turned into 64-bit stream offsets relative to the next expected byte,
//! so wraparound needs no special case. In-order data is passed on at once without copying;
//! out-of-order data waits in a map of non-overlapping pieces (first copy wins) until the hole
//! before it fills, or until more than the configured cap waits, when the hole is declared a
//! gap. The last bytes passed on are kept (a bounded window) to check that retransmissions
//! carry the same data as the first copy.
//!
//! That window holds only what the other side has not acknowledged yet (at most [`HISTORY`]
//! bytes): acknowledged bytes are settled, the receiver took the first copy and drops any
//! later one, so a retransmission of them is counted but not compared. In a capture with both
//! directions this keeps a few hundred bytes a stream instead of 16 KiB, which is most of what
//! `stats` holds for a fleet of connected devices; without the acknowledgments (one direction
//! captured) the whole window is kept.

use std::collections::{BTreeMap, VecDeque};

/// How many recently delivered bytes are kept to compare retransmissions with.
const HISTORY: usize = 16 * 1024;
/// An empty window larger than this gives its memory back.
const SMALL_WINDOW: usize = 4 * 1024;
/// An acknowledgment further ahead than this is not believed when sizing a final gap.
const MAX_ACK_AHEAD: u64 = 1 << 30;

/// What a stream tells its owner.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StreamEvent<'a> {
    /// In-order bytes.
    Data(&'a [u8]),
    /// This many bytes will never arrive.
    Gap(u64),
    /// Bytes at this stream offset were sent again with different content (first copy kept).
    Mismatch(u64),
}

/// How one segment related to what was already known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Nothing in the segment was new.
    pub(crate) retransmission: bool,
    /// Part of the segment was already known.
    pub(crate) overlap: bool,
    /// A keep-alive probe (one byte or none just before the next expected byte).
    pub(crate) keepalive: bool,
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    /// Sequence number of stream offset 0 (ISN + 1, or the first sequence number seen).
    base: Option<u32>,
    /// The initial sequence number, when the SYN was seen.
    isn: Option<u32>,
    /// Offset of the next byte to deliver.
    next: u64,
    /// Offset of the FIN, when seen.
    fin: Option<u64>,
    /// Highest offset acknowledged by the other side.
    acked: Option<u64>,
    ooo: BTreeMap<u64, Vec<u8>>,
    ooo_bytes: usize,
    history: VecDeque<u8>,
}

impl Stream {
    /// The ISN, when a SYN was seen.
    pub(crate) fn isn(&self) -> Option<u32> {
        self.isn
    }

    /// Whether anything fixed this stream's sequence numbers yet.
    pub(crate) fn started(&self) -> bool {
        self.base.is_some()
    }

    /// Offset of the next byte to deliver.
    pub(crate) fn next_offset(&self) -> u64 {
        self.next
    }

    /// A SYN with this ISN: data starts at ISN + 1.
    pub(crate) fn syn(&mut self, isn: u32) {
        if self.base.is_none() {
            self.base = Some(isn.wrapping_add(1));
            self.isn = Some(isn);
        }
    }

    /// Fixes offset 0 at `seq` if nothing did before (a capture starting mid-connection, or the
    /// acknowledgment in a SYN-ACK whose SYN was not captured).
    pub(crate) fn start_at(&mut self, seq: u32) {
        if self.base.is_none() {
            self.base = Some(seq);
        }
    }

    /// Stream offset of `seq`, judged relative to the next expected byte (so within 2 GiB
    /// either side of it); `None` before the stream started or before offset 0.
    pub(crate) fn offset(&self, seq: u32) -> Option<u64> {
        let base = self.base?;
        let expected = base.wrapping_add(self.next as u32);
        let delta = i64::from(seq.wrapping_sub(expected) as i32);
        u64::try_from(self.next as i64 + delta).ok()
    }

    /// Records an acknowledgment from the other side; the kept window forgets what it settles.
    pub(crate) fn ack(&mut self, ack: u32) {
        if let Some(off) = self.offset(ack) {
            self.acked = Some(self.acked.map_or(off, |a| a.max(off)));
            self.forget_settled();
        }
    }

    /// Drops the kept bytes the other side acknowledged, and the window's memory once empty.
    fn forget_settled(&mut self) {
        let Some(acked) = self.acked else {
            return;
        };
        let hist_start = self.next - self.history.len() as u64;
        if acked > hist_start {
            let settled = (acked.min(self.next) - hist_start) as usize;
            self.history.drain(..settled);
        }
        if self.history.is_empty() && self.history.capacity() > SMALL_WINDOW {
            self.history = VecDeque::new();
        }
    }

    /// Records a FIN whose sequence number (after the segment's data) is `seq`.
    pub(crate) fn fin(&mut self, seq: u32) {
        if self.fin.is_none() {
            self.fin = self.offset(seq);
        }
    }

    /// Whether the FIN was seen and every byte before it delivered or declared a gap.
    pub(crate) fn finished(&self) -> bool {
        self.fin.is_some_and(|f| self.next >= f)
    }

    /// A segment's data. `cap` bounds the out-of-order bytes kept.
    pub(crate) fn data(
        &mut self,
        seq: u32,
        bytes: &[u8],
        cap: usize,
        emit: &mut dyn FnMut(StreamEvent<'_>),
    ) -> Outcome {
        let mut outcome = Outcome::default();
        self.start_at(seq);
        let Some(start) = self.offset(seq) else {
            outcome.retransmission = true;
            return outcome;
        };
        let end = start + bytes.len() as u64;
        if bytes.len() == 1 && start + 1 == self.next {
            outcome.keepalive = true;
            return outcome;
        }
        if end <= self.next {
            outcome.retransmission = true;
            self.check_history(start, bytes, emit);
            return outcome;
        }
        let mut bytes = bytes;
        let mut start = start;
        let mut old_part = false;
        if start < self.next {
            old_part = true;
            let old = (self.next - start) as usize;
            self.check_history(start, bytes.get(..old).unwrap_or(&[]), emit);
            bytes = bytes.get(old..).unwrap_or(&[]);
            start = self.next;
        }
        let mut fresh = 0;
        if start == self.next {
            let room = self.ooo.keys().next().map_or(u64::MAX, |&k| k - start);
            let direct = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
            let (now, later) = bytes.split_at(direct);
            self.deliver(now, emit);
            fresh += direct;
            bytes = later;
            start += direct as u64;
        }
        let mut overlapped = false;
        if !bytes.is_empty() {
            let (inserted, known) = self.insert(start, bytes, emit);
            fresh += inserted;
            overlapped = known;
        }
        outcome.retransmission = fresh == 0;
        outcome.overlap = fresh > 0 && (old_part || overlapped);
        self.drain(emit);
        while self.ooo_bytes > cap {
            self.declare_first_hole(emit);
        }
        outcome
    }

    /// `n` bytes from `seq` on were sent but not captured (cut by the snapshot length): when
    /// they are next in order, they are declared a gap at once.
    pub(crate) fn lost(&mut self, seq: u32, n: u64, emit: &mut dyn FnMut(StreamEvent<'_>)) {
        if n > 0 && self.offset(seq) == Some(self.next) {
            self.jump(self.next + n, emit);
            self.drain(emit);
        }
    }

    /// Declares every hole a gap (the stream ends): before buffered data, then up to the FIN
    /// or the highest acknowledgment.
    pub(crate) fn flush(&mut self, emit: &mut dyn FnMut(StreamEvent<'_>)) {
        while !self.ooo.is_empty() {
            self.declare_first_hole(emit);
        }
        let end = match (self.fin, self.acked) {
            (Some(fin), _) => Some(fin),
            (None, Some(acked)) if acked > self.next && acked - self.next <= MAX_ACK_AHEAD => {
                Some(acked)
            }
            _ => None,
        };
        if let Some(end) = end.filter(|&end| end > self.next) {
            self.jump(end, emit);
        }
    }

    /// Frees the buffers of a stream that has ended (its offsets are kept to recognise late
    /// retransmissions).
    pub(crate) fn release(&mut self) {
        self.ooo = BTreeMap::new();
        self.ooo_bytes = 0;
        self.history = VecDeque::new();
    }

    /// Declares the hole before the first buffered piece a gap, then delivers what follows.
    fn declare_first_hole(&mut self, emit: &mut dyn FnMut(StreamEvent<'_>)) {
        let Some(&first) = self.ooo.keys().next() else {
            return;
        };
        if first > self.next {
            self.jump(first, emit);
        }
        self.drain(emit);
    }

    /// Declares the bytes up to offset `to` a gap. The kept window no longer ends at the next
    /// byte, so it is emptied.
    fn jump(&mut self, to: u64, emit: &mut dyn FnMut(StreamEvent<'_>)) {
        if to > self.next {
            emit(StreamEvent::Gap(to - self.next));
            self.next = to;
            self.history.clear();
        }
    }

    fn deliver(&mut self, bytes: &[u8], emit: &mut dyn FnMut(StreamEvent<'_>)) {
        if bytes.is_empty() {
            return;
        }
        emit(StreamEvent::Data(bytes));
        self.next += bytes.len() as u64;
        // Room is made before the bytes go in, so the window never grows past HISTORY.
        let kept = bytes
            .get(bytes.len().saturating_sub(HISTORY)..)
            .unwrap_or(&[]);
        let excess = (self.history.len() + kept.len()).saturating_sub(HISTORY);
        self.history.drain(..excess.min(self.history.len()));
        let want = self.history.len() + kept.len();
        if want > self.history.capacity() {
            let grown = (self.history.capacity() * 2).min(HISTORY).max(want);
            self.history.reserve_exact(grown - self.history.len());
        }
        self.history.extend(kept);
        self.forget_settled();
    }

    /// Delivers buffered pieces that are now in order.
    fn drain(&mut self, emit: &mut dyn FnMut(StreamEvent<'_>)) {
        while let Some(entry) = self.ooo.first_entry() {
            let key = *entry.key();
            if key > self.next {
                break;
            }
            let piece = entry.remove();
            self.ooo_bytes -= piece.len();
            let skip = usize::try_from(self.next - key).unwrap_or(usize::MAX);
            if let Some(rest) = piece.get(skip..) {
                self.deliver(rest, emit);
            }
        }
    }

    /// Compares bytes at `start` that were already delivered with the kept window.
    fn check_history(&self, start: u64, bytes: &[u8], emit: &mut dyn FnMut(StreamEvent<'_>)) {
        let hist_start = self.next - self.history.len() as u64;
        let from = start.max(hist_start);
        let to = (start + bytes.len() as u64).min(self.next);
        if from >= to {
            return;
        }
        let mine = bytes.iter().skip((from - start) as usize);
        let kept = self.history.iter().skip((from - hist_start) as usize);
        if mine
            .zip(kept)
            .take((to - from) as usize)
            .any(|(a, b)| a != b)
        {
            emit(StreamEvent::Mismatch(from));
        }
    }

    /// Buffers the parts of `bytes` (at `start`, beyond the next expected byte) that are not
    /// buffered yet, comparing the parts that are. Returns (bytes inserted, overlapped).
    fn insert(
        &mut self,
        start: u64,
        bytes: &[u8],
        emit: &mut dyn FnMut(StreamEvent<'_>),
    ) -> (usize, bool) {
        let end = start + bytes.len() as u64;
        let mut known: Vec<(u64, u64)> = Vec::new();
        if let Some((&k, v)) = self.ooo.range(..start).next_back()
            && k + v.len() as u64 > start
        {
            known.push((k, k + v.len() as u64));
        }
        known.extend(
            self.ooo
                .range(start..end)
                .map(|(&k, v)| (k, k + v.len() as u64)),
        );
        let piece = |from: u64, to: u64| {
            bytes
                .get((from - start) as usize..(to - start) as usize)
                .unwrap_or(&[])
        };
        let mut cursor = start;
        let mut inserted = 0;
        let mut mismatch = None;
        for &(k, kend) in &known {
            if k > cursor {
                let new = piece(cursor, k).to_vec();
                inserted += new.len();
                self.ooo.insert(cursor, new);
            }
            let (from, to) = (cursor.max(k), end.min(kend));
            if from < to && mismatch.is_none() {
                let old = self
                    .ooo
                    .get(&k)
                    .and_then(|v| v.get((from - k) as usize..(to - k) as usize));
                if old.is_some_and(|old| old != piece(from, to)) {
                    mismatch = Some(from);
                }
            }
            cursor = cursor.max(kend);
        }
        if cursor < end {
            let new = piece(cursor, end).to_vec();
            inserted += new.len();
            self.ooo.insert(cursor, new);
        }
        self.ooo_bytes += inserted;
        if let Some(at) = mismatch {
            emit(StreamEvent::Mismatch(at));
        }
        (inserted, !known.is_empty())
    }
}
