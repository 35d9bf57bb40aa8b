//! IP fragment reassembly with bounded memory and capture-time timeouts.
//!
//! Datagrams are kept by (source, destination, identification, protocol). A datagram is given
//! up when it is older than [`TIMEOUT_NS`] of capture time, when more than [`MAX_PENDING`]
//! datagrams or [`MAX_BYTES`] bytes wait (the oldest goes first), or when a fragment would
//! reach past the largest IP datagram. Given-up fragments are counted in the statistics; for
//! TCP the lost datagram then shows as a gap. Overlapping fragments: the first copy wins.

/// Flow tables are keyed by addresses from the capture: a fast hasher, randomly seeded.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::net::IpAddr;

use crate::capture::Timestamp;

/// Capture time after which an incomplete datagram is given up (30 s, as Linux).
const TIMEOUT_NS: i64 = 30_000_000_000;
/// The most datagrams waiting at once.
const MAX_PENDING: usize = 1024;
/// The most fragment bytes waiting at once.
const MAX_BYTES: usize = 8 * 1024 * 1024;
/// The largest reassembled payload (IPv4 total length is 16 bits; IPv6 likewise without jumbo).
const MAX_DATAGRAM: usize = 65_535;

/// Identifies the fragments of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FragKey {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) id: u32,
    pub(crate) proto: u8,
}

#[derive(Debug)]
struct Pending {
    /// Capture time of the first fragment, and an arrival number to evict the oldest.
    first_ts: Option<Timestamp>,
    serial: u64,
    /// Payload length, known once the last fragment arrived.
    total: Option<usize>,
    /// (offset, bytes), in arrival order.
    parts: Vec<(usize, Vec<u8>)>,
    bytes: usize,
    fragments: u64,
}

/// What happened to a fragment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FragResult<'a> {
    /// Kept; the datagram is not complete yet.
    Waiting,
    /// The datagram is complete: its payload.
    Complete(&'a [u8]),
    /// Not usable (reaches past the largest datagram, or conflicts with the known end).
    Bad,
}

/// Reassembles fragmented datagrams.
#[derive(Debug, Default)]
pub(crate) struct Defrag {
    pending: HashMap<FragKey, Pending>,
    bytes: usize,
    serial: u64,
    out: Vec<u8>,
    /// Fragments given up so far (timed out or evicted).
    pub(crate) dropped: u64,
}

impl Defrag {
    /// Adds a fragment at byte `offset` of the datagram's payload; `more` is the
    /// more-fragments flag.
    pub(crate) fn add(
        &mut self,
        key: FragKey,
        ts: Option<Timestamp>,
        offset: usize,
        more: bool,
        data: &[u8],
    ) -> FragResult<'_> {
        let end = offset + data.len();
        if end > MAX_DATAGRAM || (more && data.len() & 7 != 0) {
            return FragResult::Bad;
        }
        self.serial += 1;
        let serial = self.serial;
        let entry = self.pending.entry(key).or_insert_with(|| Pending {
            first_ts: ts,
            serial,
            total: None,
            parts: Vec::new(),
            bytes: 0,
            fragments: 0,
        });
        if !more {
            if entry.total.is_some_and(|t| t != end) {
                return FragResult::Bad;
            }
            entry.total = Some(end);
        }
        entry.parts.push((offset, data.to_vec()));
        entry.bytes += data.len();
        entry.fragments += 1;
        self.bytes += data.len();
        if complete(entry) {
            let Some(done) = self.pending.remove(&key) else {
                return FragResult::Bad;
            };
            self.bytes -= done.bytes;
            let total = done.total.unwrap_or(0);
            self.out.clear();
            self.out.resize(total, 0);
            // Later copies first, so the first copy of overlapping bytes is what remains.
            for (off, part) in done.parts.iter().rev() {
                let keep = part.len().min(total.saturating_sub(*off));
                if let (Some(dst), Some(src)) =
                    (self.out.get_mut(*off..off + keep), part.get(..keep))
                {
                    dst.copy_from_slice(src);
                }
            }
            return FragResult::Complete(&self.out);
        }
        FragResult::Waiting
    }

    /// Gives up datagrams older than the timeout, then the oldest while over the bounds. Called
    /// before each packet, so the bounds are exceeded by at most one fragment.
    pub(crate) fn maintain(&mut self, now: Option<Timestamp>) {
        if self.pending.is_empty() {
            return;
        }
        if let Some(now) = now {
            self.expire(now);
        }
        self.enforce_bounds();
    }

    /// Gives up every waiting datagram; returns the number of fragments given up in all.
    pub(crate) fn clear(&mut self) -> u64 {
        let keys: Vec<FragKey> = self.pending.keys().copied().collect();
        for key in keys {
            self.give_up(&key);
        }
        self.dropped
    }

    /// Gives up datagrams older than the timeout.
    fn expire(&mut self, now: Timestamp) {
        let old: Vec<FragKey> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                p.first_ts
                    .is_some_and(|t| now.0.saturating_sub(t.0) > TIMEOUT_NS)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in old {
            self.give_up(&key);
        }
    }

    /// Gives up the oldest datagrams while over the bounds.
    fn enforce_bounds(&mut self) {
        while self.pending.len() > MAX_PENDING || self.bytes > MAX_BYTES {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.serial)
                .map(|(k, _)| *k);
            let Some(key) = oldest else {
                break;
            };
            self.give_up(&key);
        }
    }

    fn give_up(&mut self, key: &FragKey) {
        if let Some(p) = self.pending.remove(key) {
            self.bytes -= p.bytes;
            self.dropped += p.fragments;
        }
    }
}

/// Whether the fragments cover the whole datagram.
fn complete(p: &Pending) -> bool {
    let Some(total) = p.total else {
        return false;
    };
    let mut ranges: Vec<(usize, usize)> = p.parts.iter().map(|(o, d)| (*o, o + d.len())).collect();
    ranges.sort_unstable();
    let mut covered = 0;
    for (from, to) in ranges {
        if from > covered {
            return false;
        }
        covered = covered.max(to);
    }
    covered >= total
}
