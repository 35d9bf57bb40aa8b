//! Flow events owned in batches, so the reassembler can run on one thread and the analyzer on
//! another.
//!
//! A [`FlowEvent`] borrows the reassembler's buffers, which live only for the callback. A batch
//! copies the events' bytes into one buffer of its own (one copy of each payload, which is
//! cheaper than the framer's own copy) and replays them, in the order they were pushed, as
//! borrowed events again. Batches are meant to be reused: [`EventBatch::clear`] keeps their
//! allocations.

use super::{FlowEvent, FlowId, FlowInfo, Side, Timestamp};

/// One event with its bytes held as a range of the batch's buffer.
#[derive(Debug)]
enum Held {
    Open(FlowInfo),
    Data {
        flow: FlowId,
        side: Side,
        ts: Option<Timestamp>,
        start: usize,
        end: usize,
    },
    UnitEnd {
        flow: FlowId,
        side: Side,
    },
    Gap {
        flow: FlowId,
        side: Side,
        ts: Option<Timestamp>,
        missing: u64,
    },
    Note {
        flow: FlowId,
        side: Side,
        ts: Option<Timestamp>,
        code: &'static str,
        message: String,
    },
    Close {
        flow: FlowId,
        packets: [u64; 2],
        end: super::EndReason,
    },
}

/// Events in the order the reassembler reported them, with their bytes.
#[derive(Debug, Default)]
pub struct EventBatch {
    events: Vec<Held>,
    bytes: Vec<u8>,
}

impl EventBatch {
    /// Keeps a copy of `ev`.
    pub fn push(&mut self, ev: FlowEvent<'_>) {
        let held = match ev {
            FlowEvent::Open(info) => Held::Open(info.clone()),
            FlowEvent::Data {
                flow,
                side,
                ts,
                bytes,
            } => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(bytes);
                Held::Data {
                    flow,
                    side,
                    ts,
                    start,
                    end: self.bytes.len(),
                }
            }
            FlowEvent::UnitEnd { flow, side } => Held::UnitEnd { flow, side },
            FlowEvent::Gap {
                flow,
                side,
                ts,
                missing,
            } => Held::Gap {
                flow,
                side,
                ts,
                missing,
            },
            FlowEvent::Note {
                flow,
                side,
                ts,
                code,
                message,
            } => Held::Note {
                flow,
                side,
                ts,
                code,
                message,
            },
            FlowEvent::Close { flow, packets, end } => Held::Close { flow, packets, end },
        };
        self.events.push(held);
    }

    /// Events held.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Payload bytes held.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Forgets the events, keeping the memory for the next batch.
    pub fn clear(&mut self) {
        self.events.clear();
        self.bytes.clear();
    }

    /// Hands every event to `out`, in the order they were pushed.
    pub fn replay(&self, out: &mut dyn FnMut(FlowEvent<'_>)) {
        for held in &self.events {
            let ev = match held {
                Held::Open(info) => FlowEvent::Open(info),
                Held::Data {
                    flow,
                    side,
                    ts,
                    start,
                    end,
                } => FlowEvent::Data {
                    flow: *flow,
                    side: *side,
                    ts: *ts,
                    bytes: self.bytes.get(*start..*end).unwrap_or_default(),
                },
                Held::UnitEnd { flow, side } => FlowEvent::UnitEnd {
                    flow: *flow,
                    side: *side,
                },
                Held::Gap {
                    flow,
                    side,
                    ts,
                    missing,
                } => FlowEvent::Gap {
                    flow: *flow,
                    side: *side,
                    ts: *ts,
                    missing: *missing,
                },
                Held::Note {
                    flow,
                    side,
                    ts,
                    code,
                    message,
                } => FlowEvent::Note {
                    flow: *flow,
                    side: *side,
                    ts: *ts,
                    code,
                    message: message.clone(),
                },
                Held::Close { flow, packets, end } => FlowEvent::Close {
                    flow: *flow,
                    packets: *packets,
                    end: *end,
                },
            };
            out(ev);
        }
    }
}

impl FlowEvent<'_> {
    /// The flow the event is about.
    pub fn flow(&self) -> FlowId {
        match self {
            FlowEvent::Open(info) => info.id,
            FlowEvent::Data { flow, .. }
            | FlowEvent::UnitEnd { flow, .. }
            | FlowEvent::Gap { flow, .. }
            | FlowEvent::Note { flow, .. }
            | FlowEvent::Close { flow, .. } => *flow,
        }
    }
}

impl EventBatch {
    /// Calls `f` with every flow the batch opens.
    pub fn for_each_open(&self, f: &mut dyn FnMut(&FlowInfo)) {
        for held in &self.events {
            if let Held::Open(info) = held {
                f(info);
            }
        }
    }

    /// Calls `f` with every flow the batch closes.
    pub fn for_each_close(&self, f: &mut dyn FnMut(FlowId)) {
        for held in &self.events {
            if let Held::Close { flow, .. } = held {
                f(*flow);
            }
        }
    }
}
