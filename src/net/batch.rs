//! Flow events owned in batches, so the reassembler can run on one thread and the analyzer on
//! others.
//!
//! A [`FlowEvent`] borrows the reassembler's buffers, which live only for the callback. A batch
//! copies the events' bytes into one buffer of its own and their flows' descriptions into a
//! list (one copy of each payload, which is cheaper than the framer's own copy), keeps the
//! events as [`FlowEventOf`] indices into those, and replays them, in the order they were
//! pushed, as borrowed events again, as often as asked (each decoder thread replays the same
//! batch). [`EventBatch::clear`] keeps the allocations for the next batch.

use std::ops::Range;

use super::{FlowEvent, FlowEventOf, FlowId, FlowInfo};

/// An event held in a batch: its flow description and its bytes as indices into the batch.
type Held = FlowEventOf<usize, Range<usize>>;

impl<I, B> FlowEventOf<I, B> {
    /// The same event with its description and bytes replaced by `info` and `bytes` of them.
    pub fn map<I2, B2>(
        self,
        info: impl FnOnce(I) -> I2,
        bytes: impl FnOnce(B) -> B2,
    ) -> FlowEventOf<I2, B2> {
        match self {
            FlowEventOf::Open(i) => FlowEventOf::Open(info(i)),
            FlowEventOf::Data {
                flow,
                side,
                ts,
                bytes: b,
            } => FlowEventOf::Data {
                flow,
                side,
                ts,
                bytes: bytes(b),
            },
            FlowEventOf::UnitEnd { flow, side } => FlowEventOf::UnitEnd { flow, side },
            FlowEventOf::Gap {
                flow,
                side,
                ts,
                missing,
            } => FlowEventOf::Gap {
                flow,
                side,
                ts,
                missing,
            },
            FlowEventOf::Note {
                flow,
                side,
                ts,
                code,
                message,
            } => FlowEventOf::Note {
                flow,
                side,
                ts,
                code,
                message,
            },
            FlowEventOf::Close { flow, packets, end } => FlowEventOf::Close { flow, packets, end },
        }
    }
}

impl FlowEvent<'_> {
    /// The flow the event is about.
    pub fn flow(&self) -> FlowId {
        match self {
            FlowEventOf::Open(info) => info.id,
            FlowEventOf::Data { flow, .. }
            | FlowEventOf::UnitEnd { flow, .. }
            | FlowEventOf::Gap { flow, .. }
            | FlowEventOf::Note { flow, .. }
            | FlowEventOf::Close { flow, .. } => *flow,
        }
    }
}

/// Events in the order the reassembler reported them, with their bytes.
#[derive(Debug, Default)]
pub struct EventBatch {
    events: Vec<Held>,
    infos: Vec<FlowInfo>,
    bytes: Vec<u8>,
}

impl EventBatch {
    /// Keeps a copy of `ev`.
    pub fn push(&mut self, ev: FlowEvent<'_>) {
        let (infos, bytes) = (&mut self.infos, &mut self.bytes);
        let held = ev.map(
            |info| {
                infos.push(info.clone());
                infos.len() - 1
            },
            |b| {
                let start = bytes.len();
                bytes.extend_from_slice(b);
                start..bytes.len()
            },
        );
        self.events.push(held);
    }

    /// Payload bytes held.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Forgets the events, keeping the memory for the next batch.
    pub fn clear(&mut self) {
        self.events.clear();
        self.infos.clear();
        self.bytes.clear();
    }

    /// Hands every event to `out`, in the order they were pushed.
    pub fn replay(&self, out: &mut dyn FnMut(FlowEvent<'_>)) {
        for held in &self.events {
            out(self.borrowed(held));
        }
    }

    /// Calls `f` with every flow the batch opens.
    pub fn for_each_open(&self, f: &mut dyn FnMut(&FlowInfo)) {
        for info in &self.infos {
            f(info);
        }
    }

    /// Calls `f` with every flow the batch closes.
    pub fn for_each_close(&self, f: &mut dyn FnMut(FlowId)) {
        for held in &self.events {
            if let FlowEventOf::Close { flow, .. } = held {
                f(*flow);
            }
        }
    }

    fn borrowed(&self, held: &Held) -> FlowEvent<'_> {
        // Cloning a held event copies a few numbers (and a note's text, which is rare).
        held.clone().map(
            |i| self.infos.get(i).unwrap_or(&UNKNOWN),
            |r| self.bytes.get(r).unwrap_or_default(),
        )
    }
}

/// Never read: every held opening event indexes a description of its batch.
static UNKNOWN: FlowInfo = FlowInfo {
    id: FlowId(u32::MAX),
    transport: super::Transport::Raw,
    device: None,
    server: None,
    side_by: super::SideBy::Raw,
    first_ts: None,
    source: 0,
    hint: None,
};
