//! The one pipeline every view runs: flow events in, decoded frames out.
//!
//! [`Analyzer`] owns the conversations (detection and framing per flow side) and decodes each
//! frame, with or without its field tree. The headless commands, the benchmarks and the window
//! all feed it the same way; only what they do with each [`Decoded`] frame differs.

mod run;
mod stages;

/// Flow tables are keyed by addresses from the capture: a fast hasher, randomly seeded.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::net::SocketAddr;

pub use run::{Input, Progress, RunError, RunOptions, RunOutcome, run, run_all};
pub(crate) use run::{apply, side_index};

use crate::capture::ProtocolHint;
use crate::net::EndReason;
use crate::protocol::stream::{Conversation, Framed};
use crate::protocol::{
    self, Diagnostic, Direction, FrameFlags, Imei, Kind, Message, Protocol, Session, Tree,
};

/// What the pipeline knows about a flow.
#[derive(Debug, Clone)]
pub struct FlowMeta {
    /// Flow number, unique in one run.
    pub id: u32,
    /// `tcp`, `udp` or `raw`.
    pub transport: &'static str,
    /// The device's address, when known.
    pub device: Option<SocketAddr>,
    /// The server's address, when known.
    pub server: Option<SocketAddr>,
    /// True when the device side is known for sure (SYN seen, server log, raw file).
    pub certain: bool,
    /// Index of the input it came from.
    pub source: usize,
    /// The protocol a server log named for the connection (`gps103`).
    pub hint: Option<ProtocolHint>,
    /// True for a server-log connection (its times are of an unknown zone).
    pub from_log: bool,
}

/// One decoded frame, handed to the pipeline's consumer.
pub struct Decoded<'a> {
    /// Frame number in the run, from 0.
    pub index: u64,
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts: Option<i64>,
    /// The flow.
    pub flow: &'a FlowMeta,
    /// Which way it travelled.
    pub direction: Direction,
    /// The protocol that framed and decoded it.
    pub protocol: &'static Protocol,
    /// The frame's bytes.
    pub bytes: &'a [u8],
    /// Offset of the frame in its direction's stream.
    pub offset: u64,
    /// What the framer noticed.
    pub flags: FrameFlags,
    /// The summary.
    pub message: Message,
    /// The device this frame belongs to: its own IMEI, or for frames that carry none (the
    /// server's `LOAD` and `ON`), the IMEI last sent by the device side of the flow.
    pub device: Option<Imei>,
    /// The device's number in the run: from 0, in the order devices first appear, so that
    /// consumers keep per-device state in a vector instead of a map keyed by IMEI. None when
    /// [`device`](Self::device) is none or past [`MAX_DEVICE_NUMBERS`] devices.
    pub device_no: Option<u32>,
    /// The field tree, when the analyzer was asked for trees.
    pub tree: Option<&'a Tree>,
}

/// Devices numbered at most in one run (see [`Decoded::device_no`]); frames of devices past it
/// carry their IMEI but no number, and consumers count them as over their own limits.
pub const MAX_DEVICE_NUMBERS: usize = 1 << 20;

impl Decoded<'_> {
    /// Source and destination addresses in the direction of travel.
    pub fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        match self.direction {
            Direction::ToDevice => (self.flow.server, self.flow.device),
            _ => (self.flow.device, self.flow.server),
        }
    }
}

struct FlowState {
    meta: FlowMeta,
    conv: Conversation,
    device: Option<Imei>,
    /// The last device of its frames and that device's number (a cache of
    /// [`Analyzer::numbers`], so a frame costs a comparison, not a hash look-up).
    numbered: Option<(Imei, Option<u32>)>,
    /// The conversation checker of the protocol that has one (created on its first frame).
    session: Option<(&'static Protocol, Box<dyn Session>)>,
}

/// Receives decoded frames.
pub type Sink<'s> = dyn FnMut(Decoded<'_>) + 's;

/// Per-flow detection, framing and decoding.
pub struct Analyzer {
    flows: HashMap<u32, FlowState>,
    closed: std::collections::VecDeque<FlowSummary>,
    /// Closed flows kept at most (live mode bounds them; a file keeps them all).
    max_closed: usize,
    /// Closed flows forgotten past `max_closed`.
    forgotten: u64,
    want_tree: bool,
    tree: Tree,
    next: u64,
    /// Each device's number, in order of first appearance.
    numbers: HashMap<Imei, u32>,
}

/// What a flow amounted to, for statistics and the flow list.
#[derive(Debug, Clone)]
pub struct FlowSummary {
    /// The flow.
    pub meta: FlowMeta,
    /// Protocol of the device side (or the server side when the device side sent nothing).
    pub protocol: &'static str,
    /// Why that protocol was chosen.
    pub reason: Option<&'static str>,
    /// How sure the probe was, 0..=100 (none when no probe matched).
    pub confidence: Option<u8>,
    /// Bytes sent by the device.
    pub bytes_to_server: u64,
    /// Bytes sent by the server.
    pub bytes_to_device: u64,
    /// Whitespace skipped between frames, both directions.
    pub skipped: u64,
    /// Packets (segments including bare acknowledgements, datagrams, log lines) seen from the
    /// device and from the server.
    pub packets: [u64; 2],
    /// How the flow ended (the end of the input when the capture stopped first).
    pub end: EndReason,
    /// Protocol of the server side, when it sent anything.
    pub server_protocol: Option<&'static str>,
    /// Times a side's protocol changed after a frame that did not fit it.
    pub switches: u32,
}

impl FlowSummary {
    /// True when the capture holds packets from the server side of this flow (even bare
    /// acknowledgements): only then can it tell that the server did not answer.
    pub fn server_side_seen(&self) -> bool {
        self.packets.get(1).is_some_and(|&n| n > 0)
    }
}

impl Analyzer {
    /// An analyzer; `tree` asks for a field tree with every frame.
    pub fn new(tree: bool) -> Self {
        Self {
            flows: HashMap::default(),
            closed: std::collections::VecDeque::new(),
            max_closed: usize::MAX,
            forgotten: 0,
            want_tree: tree,
            tree: Tree::default(),
            next: 0,
            numbers: HashMap::default(),
        }
    }

    /// Keeps at most `max` closed flows' summaries, forgetting the oldest past it (a live
    /// session runs for days: its memory must not grow with every connection ever made).
    pub fn bound_closed(&mut self, max: usize) {
        self.max_closed = max;
    }

    /// Closed flows forgotten past the bound of [`Analyzer::bound_closed`].
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// Starts a flow.
    pub fn open_flow(&mut self, meta: FlowMeta) {
        let raw = meta.transport == "raw";
        let conv = Conversation::new(meta.certain, raw);
        self.flows.insert(
            meta.id,
            FlowState {
                meta,
                conv,
                device: None,
                numbered: None,
                session: None,
            },
        );
    }

    /// Bytes sent on `side` (0 device, 1 server) of `flow`.
    pub fn data(
        &mut self,
        flow: u32,
        side: usize,
        ts: Option<i64>,
        bytes: &[u8],
        sink: &mut Sink<'_>,
    ) {
        self.with(flow, ts, sink, |c, out| c.data(side, bytes, out));
    }

    /// A datagram or log message ended.
    pub fn end_unit(&mut self, flow: u32, side: usize, sink: &mut Sink<'_>) {
        self.with(flow, None, sink, |c, out| c.end_unit(side, out));
    }

    /// Bytes were lost.
    pub fn gap(
        &mut self,
        flow: u32,
        side: usize,
        ts: Option<i64>,
        missing: u64,
        sink: &mut Sink<'_>,
    ) {
        self.with(flow, ts, sink, |c, out| c.gap(side, missing, out));
    }

    /// A finding from a lower layer, attached to the next frame of that side.
    pub fn note(&mut self, flow: u32, side: usize, d: Diagnostic) {
        if let Some(f) = self.flows.get_mut(&flow) {
            f.conv.note(side, d);
        }
    }

    /// The flow ended, having seen `packets` from `[device, server]`.
    pub fn close(
        &mut self,
        flow: u32,
        ts: Option<i64>,
        packets: [u64; 2],
        end: EndReason,
        sink: &mut Sink<'_>,
    ) {
        self.with(flow, ts, sink, |c, out| c.finish(out));
        if let Some(f) = self.flows.remove(&flow) {
            self.closed.push_back(summarize(&f, packets, end));
            while self.closed.len() > self.max_closed {
                self.closed.pop_front();
                self.forgotten += 1;
            }
        }
    }

    /// Every flow so far, in flow order: the closed ones as they ended, the open ones as they
    /// stand (ended "by the end of the input" so far). For views of a run still going (live).
    pub fn summaries(&self) -> Vec<FlowSummary> {
        let mut all: Vec<FlowSummary> = self.closed.iter().cloned().collect();
        all.extend(
            self.flows
                .values()
                .map(|f| summarize(f, [0, 0], EndReason::EndOfInput)),
        );
        all.sort_by_key(|f| f.meta.id);
        all
    }

    /// Ends every flow still open; returns all flow summaries in flow order.
    pub fn finish(&mut self, sink: &mut Sink<'_>) -> Vec<FlowSummary> {
        let mut ids: Vec<u32> = self.flows.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            self.close(id, None, [0, 0], EndReason::EndOfInput, sink);
        }
        let mut all: Vec<FlowSummary> = std::mem::take(&mut self.closed).into();
        all.sort_by_key(|f| f.meta.id);
        all
    }

    fn with(
        &mut self,
        flow: u32,
        ts: Option<i64>,
        sink: &mut Sink<'_>,
        op: impl FnOnce(&mut Conversation, &mut dyn FnMut(Framed<'_>)),
    ) {
        let Some(f) = self.flows.get_mut(&flow) else {
            return;
        };
        let meta = &f.meta;
        let flow_device = &mut f.device;
        let numbered = &mut f.numbered;
        let numbers = &mut self.numbers;
        let session = &mut f.session;
        let want_tree = self.want_tree;
        let tree = &mut self.tree;
        let next = &mut self.next;
        let raw = meta.transport == "raw";
        let mut out = |fr: Framed<'_>| {
            tree.nodes.clear();
            let mut message = protocol::decode_frame(
                fr.protocol,
                &fr.raw,
                fr.direction,
                want_tree.then_some(&mut *tree),
            );
            message.diagnostics.extend(fr.notes);
            let direction = if raw || fr.direction == Direction::Unknown {
                match message.kind {
                    Kind::Unknown => fr.direction,
                    k => k.natural_direction(),
                }
            } else {
                fr.direction
            };
            if let Some(make) = fr.protocol.hooks.session {
                match session {
                    Some((p, s)) if std::ptr::eq(*p, fr.protocol) => {
                        s.observe(direction, fr.raw.bytes, &mut message)
                    }
                    _ => {
                        let mut s = make();
                        s.observe(direction, fr.raw.bytes, &mut message);
                        *session = Some((fr.protocol, s));
                    }
                }
            }
            // A frame cut off (by the end of the capture or a gap) carries at best part of an
            // identity: it names no device of its own unless it is the flow's device.
            let cut = fr.raw.flags.truncated || fr.raw.flags.gap_after > 0;
            if cut && message.imei.is_some() && message.imei != *flow_device {
                message.imei = None;
            }
            if message.imei.is_some() && direction != Direction::ToDevice {
                *flow_device = message.imei;
            }
            let device = message.imei.or(*flow_device);
            let device_no = device_number(numbers, numbered, device);
            let d = Decoded {
                index: *next,
                ts,
                flow: meta,
                direction,
                protocol: fr.protocol,
                bytes: fr.raw.bytes,
                offset: fr.raw.offset,
                flags: fr.raw.flags,
                message,
                device,
                device_no,
                tree: want_tree.then_some(&*tree),
            };
            *next += 1;
            sink(d);
        };
        op(&mut f.conv, &mut out);
    }
}

/// The number of `device`, through `numbered`, a flow's cache of its last device and that
/// device's number: a comparison while the flow's device stays the same, else a look-up.
fn device_number(
    numbers: &mut HashMap<Imei, u32>,
    numbered: &mut Option<(Imei, Option<u32>)>,
    device: Option<Imei>,
) -> Option<u32> {
    let imei = device?;
    match *numbered {
        Some((known, no)) if known == imei => no,
        _ => {
            let no = number(numbers, imei);
            *numbered = Some((imei, no));
            no
        }
    }
}

/// The number of `imei`, given it on its first appearance while fewer than
/// [`MAX_DEVICE_NUMBERS`] are numbered.
fn number(numbers: &mut HashMap<Imei, u32>, imei: Imei) -> Option<u32> {
    if let Some(&no) = numbers.get(&imei) {
        return Some(no);
    }
    let no = u32::try_from(numbers.len()).ok()?;
    if numbers.len() >= MAX_DEVICE_NUMBERS {
        return None;
    }
    numbers.insert(imei, no);
    Some(no)
}

fn summarize(f: &FlowState, packets: [u64; 2], end: EndReason) -> FlowSummary {
    let c = &f.conv;
    let dev_side = (0..2)
        .find(|&s| c.direction(s) != Direction::ToDevice)
        .unwrap_or(0);
    let pick = c.verdict(dev_side).or_else(|| c.verdict(1 - dev_side));
    let (mut to_server, mut to_device) = (0, 0);
    for s in 0..2 {
        if c.direction(s) == Direction::ToDevice {
            to_device += c.bytes(s);
        } else {
            to_server += c.bytes(s);
        }
    }
    let server_side = 1 - dev_side;
    FlowSummary {
        meta: f.meta.clone(),
        protocol: pick.map_or("none", |(p, _)| p.name),
        reason: pick.and_then(|(_, v)| v.map(|v| v.reason)),
        confidence: pick.and_then(|(_, v)| v.map(|v| v.confidence)),
        bytes_to_server: to_server,
        bytes_to_device: to_device,
        skipped: c.skipped(0) + c.skipped(1),
        packets,
        end,
        server_protocol: c.verdict(server_side).map(|(p, _)| p.name),
        switches: c.switches(0) + c.switches(1),
    }
}
