//! A run on several threads, its frames in the order one thread gives.
//!
//! A run has three stages. Reading and reassembly run on one thread (a capture is read in
//! order, and TCP reassembly needs every packet of a connection in turn). Detection, framing
//! and decoding depend only on a flow's own bytes, so they run on `decoders` threads, flows
//! dealt to them by id. The sink runs on the caller's thread: it numbers frames and devices and
//! calls the consumer, which may hold anything (`!Send` views, the window's store).
//!
//! The reader hands every decoder the same batch of flow events ([`EventBatch`], about 256
//! packets); each decodes the events of its own flows and sends back the frames, each tagged
//! with the position of the event that produced it. The sink takes one answer per decoder for
//! each batch and merges them by that position, and when the input ends, by flow id (the order
//! in which an analyzer closes the flows still open). The consumer therefore sees exactly the
//! frames, numbers and order of a run on one thread; `tests/run_parallel.rs` compares the two
//! on every sample. Channels are bounded, so memory stays bounded however far one stage runs
//! ahead of another.
//!
//! Limits, knowingly: after a cancel, the batches already read (a few thousand packets at
//! most) are still decoded and delivered, where a run on one thread stops at the next packet;
//! a batch can hold more than its usual size when the network layer closes many flows at once
//! (evictions, the end of the input), bounded by what the reassembler itself held; and a panic
//! (a bug) while a pipe is quiet surfaces only when the reader's blocked read returns.
//!
//! Why not rayon: the stages are a pipeline over a stream of unknown length, not a data-parallel
//! loop over a slice, and the consumer must stay on the caller's thread; plain threads and
//! bounded channels say that directly. `BN407_DECODERS=N` sets the number of decoder threads
//! (0: everything on the caller's thread, as the benchmarks compare); by default it is one less
//! than the processors available (none on one processor), at most 8.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use super::run::{apply, meta_of, to_run_error};
use super::{Analyzer, Decoded, FlowMeta, FlowSummary, HashMap, Sink, device_number};
use crate::capture::{Item, Merged};
use crate::net::{EventBatch, FlowEvent, NetStats, Reassembler};
use crate::protocol::{Direction, FrameFlags, Imei, Message, Protocol, Tree};

/// Items between two batches (and two progress reports).
const ITEMS_PER_BATCH: u32 = 256;
/// Of a stream: fewer bytes read and not consumed than this end a batch (a pipe's next item
/// probably waits for the writer; a pipe read in 64 KiB chunks still makes batches of hundreds).
const STREAM_WAIT_BELOW: usize = 2048;
/// Payload bytes that end a batch early.
const BYTES_PER_BATCH: usize = 256 * 1024;
/// Batches in flight on each channel.
const IN_FLIGHT: usize = 4;
/// Decoder threads at most by default.
const MAX_DECODERS: usize = 8;

/// Bytes read so far and in all, when known.
pub(super) type ReadSoFar = (u64, Option<u64>);

/// Decoder threads at most, whoever asks.
const MAX_ASKED: usize = 64;

/// The number of decoder threads: `BN407_DECODERS` when set, else one less than the processors
/// (none on one processor: the whole run on the caller's thread).
pub(super) fn decoders() -> usize {
    if let Some(n) = std::env::var("BN407_DECODERS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return n.min(MAX_ASKED);
    }
    std::thread::available_parallelism()
        .map_or(0, |n| n.get().saturating_sub(1))
        .min(MAX_DECODERS)
}

/// The first stage: reading the inputs and reassembling flows.
pub(super) struct Reader {
    pub(super) merged: Merged,
    pub(super) net: Reassembler,
    pub(super) cancel: Option<Arc<AtomicBool>>,
    /// True when an input is a stream (a pipe being written while it is read): its frames
    /// must reach the consumer as they arrive, not 255 packets later, so a batch also ends
    /// whenever what was read from the input is (nearly) consumed and the next read may wait.
    pub(super) stream: bool,
}

impl Reader {
    /// Reads every input, handing the flow events over in batches with the bytes read so far;
    /// `flush` returns false to stop early. Returns why the inputs stopped early, if they did.
    fn read(
        &mut self,
        batch: &mut EventBatch,
        flush: &mut dyn FnMut(&mut EventBatch, ReadSoFar) -> bool,
    ) -> Option<super::RunError> {
        let mut item = Item::new();
        let mut items = 0u32;
        let mut failure = None;
        loop {
            if self
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                break;
            }
            let source = match self.merged.next_into(&mut item) {
                Ok(Some(source)) => source,
                Ok(None) => break,
                Err(e) => {
                    failure = Some(to_run_error(e));
                    break;
                }
            };
            self.net.feed(source, &item, &mut |ev| batch.push(ev));
            items += 1;
            if items >= ITEMS_PER_BATCH
                || batch.byte_len() >= BYTES_PER_BATCH
                || (self.stream && self.merged.buffered() < STREAM_WAIT_BELOW)
            {
                items = 0;
                if !flush(batch, self.read_so_far()) {
                    return failure;
                }
            }
        }
        self.net.finish(&mut |ev| batch.push(ev));
        flush(batch, self.read_so_far());
        failure
    }

    pub(super) fn read_so_far(&self) -> ReadSoFar {
        (self.merged.bytes_read(), self.merged.total_bytes())
    }
}

/// What a run's stages amount to.
pub(super) struct Staged {
    pub(super) failure: Option<super::RunError>,
    pub(super) net: NetStats,
    pub(super) flows: Vec<FlowSummary>,
}

/// Runs `reader` and the analysis with `decoders` decoder threads (0: all on this thread),
/// calling `sink` with every frame and `progress` after every batch.
pub(super) fn run_staged(
    reader: &mut Reader,
    tree: bool,
    decoders: usize,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(ReadSoFar),
) -> Staged {
    let decoders = decoders.min(MAX_ASKED);
    if decoders > 0
        && let Some(done) = parallel(reader, tree, decoders, sink, progress)
    {
        return done;
    }
    let mut an = Analyzer::new(tree);
    let mut batch = EventBatch::default();
    let failure = reader.read(&mut batch, &mut |b, read| {
        b.replay(&mut |ev| apply(&mut an, ev, sink));
        b.clear();
        progress(read);
        true
    });
    let flows = an.finish(sink);
    Staged {
        failure,
        net: reader.net.stats().clone(),
        flows,
    }
}

/// One frame decoded on a decoder thread, its bytes in [`Answer::bytes`].
struct Held {
    /// Where it goes in the merge: the position of its event in the batch, or at the end of
    /// the input its flow's id.
    key: u64,
    flow: u32,
    ts: Option<i64>,
    direction: Direction,
    protocol: &'static Protocol,
    bytes: Range<usize>,
    offset: u64,
    flags: FrameFlags,
    message: Message,
    device: Option<Imei>,
    tree: Option<Tree>,
}

/// A decoder's frames for one batch, or for the end of the input.
#[derive(Default)]
struct Answer {
    frames: Vec<Held>,
    bytes: Vec<u8>,
    /// The batch itself (sent along by decoder 0 only): the sink reads its opens and closes.
    batch: Option<Arc<EventBatch>>,
    read: ReadSoFar,
    /// At the end of the input: the decoder's flows.
    flows: Option<Vec<FlowSummary>>,
}

impl Answer {
    fn hold(&mut self, key: u64, d: Decoded<'_>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(d.bytes);
        self.frames.push(Held {
            key,
            flow: d.flow.id,
            ts: d.ts,
            direction: d.direction,
            protocol: d.protocol,
            bytes: start..self.bytes.len(),
            offset: d.offset,
            flags: d.flags,
            message: d.message,
            device: d.device,
            tree: d.tree.cloned(),
        });
    }
}

fn owner(ev: &FlowEvent<'_>, decoders: usize) -> usize {
    usize::try_from(ev.flow().0).unwrap_or(0) % decoders.max(1)
}

/// The decoder threads' loop: decode the events of flow ids `me` modulo `decoders`.
fn decode(
    me: usize,
    decoders: usize,
    tree: bool,
    input: mpsc::Receiver<(Arc<EventBatch>, ReadSoFar)>,
    output: mpsc::SyncSender<Answer>,
) {
    let mut an = Analyzer::new(tree);
    for (batch, read) in input.iter() {
        let mut answer = Answer {
            read,
            ..Answer::default()
        };
        let mut key = 0u64;
        batch.replay(&mut |ev| {
            if owner(&ev, decoders) == me {
                apply(&mut an, ev, &mut |d| answer.hold(key, d));
            }
            key += 1;
        });
        if me == 0 {
            answer.batch = Some(batch);
        }
        if output.send(answer).is_err() {
            return;
        }
    }
    let mut answer = Answer::default();
    let flows = an.finish(&mut |d| answer.hold(u64::from(d.flow.id), d));
    answer.flows = Some(flows);
    let _ = output.send(answer);
}

/// What the sink keeps of a flow.
struct SinkFlow {
    meta: FlowMeta,
    /// The last device of its frames and that device's number.
    numbered: Option<(Imei, Option<u32>)>,
}

/// The sink's state: flows, device numbers, the next frame number.
#[derive(Default)]
struct Merger {
    flows: HashMap<u32, SinkFlow>,
    numbers: HashMap<Imei, u32>,
    next: u64,
}

impl Merger {
    /// Hands the frames of `answers` to `sink`, merged by key.
    fn merge(&mut self, answers: &mut [Answer], sink: &mut Sink<'_>) {
        let mut at = vec![0usize; answers.len()];
        loop {
            let mut best: Option<(usize, u64)> = None;
            for (i, a) in answers.iter().enumerate() {
                if let Some(h) = at.get(i).and_then(|&n| a.frames.get(n))
                    && best.is_none_or(|(_, k)| h.key < k)
                {
                    best = Some((i, h.key));
                }
            }
            let Some((i, _)) = best else { break };
            let (Some(a), Some(n)) = (answers.get_mut(i), at.get_mut(i)) else {
                break;
            };
            let Some(h) = a.frames.get_mut(*n) else { break };
            *n += 1;
            let Some(flow) = self.flows.get_mut(&h.flow) else {
                continue;
            };
            let device_no = device_number(&mut self.numbers, &mut flow.numbered, h.device);
            let d = Decoded {
                index: self.next,
                ts: h.ts,
                flow: &flow.meta,
                direction: h.direction,
                protocol: h.protocol,
                bytes: a.bytes.get(h.bytes.clone()).unwrap_or_default(),
                offset: h.offset,
                flags: h.flags,
                message: std::mem::take(&mut h.message),
                device: h.device,
                device_no,
                tree: h.tree.as_ref(),
            };
            self.next += 1;
            sink(d);
        }
    }
}

/// The run on decoder threads; None when a thread could not be started (nothing was read).
fn parallel(
    reader: &mut Reader,
    tree: bool,
    decoders: usize,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(ReadSoFar),
) -> Option<Staged> {
    let (failure, mut flows) = std::thread::scope(|scope| {
        let mut inputs = Vec::with_capacity(decoders);
        let mut outputs = Vec::with_capacity(decoders);
        for me in 0..decoders {
            let (in_tx, in_rx) = mpsc::sync_channel(IN_FLIGHT);
            let (out_tx, out_rx) = mpsc::sync_channel(IN_FLIGHT);
            std::thread::Builder::new()
                .name(format!("bn407-decode-{me}"))
                .spawn_scoped(scope, move || decode(me, decoders, tree, in_rx, out_tx))
                .ok()?;
            inputs.push(in_tx);
            outputs.push(out_rx);
        }
        let on_thread = &mut *reader;
        let read = std::thread::Builder::new()
            .name("bn407-reader".into())
            .spawn_scoped(scope, move || {
                let mut batch = EventBatch::default();
                let failure = on_thread.read(&mut batch, &mut |b, read| {
                    let shared = Arc::new(std::mem::take(b));
                    inputs
                        .iter()
                        .all(|tx| tx.send((Arc::clone(&shared), read)).is_ok())
                });
                drop(inputs);
                failure
            })
            .ok()?;
        let mut merger = Merger::default();
        let mut all_flows = Vec::new();
        loop {
            let mut answers: Vec<Answer> = Vec::with_capacity(decoders);
            for rx in &outputs {
                match rx.recv() {
                    Ok(a) => answers.push(a),
                    Err(_) => break,
                }
            }
            if answers.len() < decoders {
                break;
            }
            let batch = answers.first_mut().and_then(|a| a.batch.take());
            if let Some(b) = &batch {
                b.for_each_open(&mut |info| {
                    merger.flows.insert(
                        info.id.0,
                        SinkFlow {
                            meta: meta_of(info),
                            numbered: None,
                        },
                    );
                });
            }
            merger.merge(&mut answers, sink);
            if let Some(b) = &batch {
                b.for_each_close(&mut |id| {
                    merger.flows.remove(&id.0);
                });
                progress(answers.first().map_or((0, None), |a| a.read));
            }
            let ended: Vec<_> = answers.iter_mut().filter_map(|a| a.flows.take()).collect();
            if !ended.is_empty() {
                all_flows.extend(ended.into_iter().flatten());
                break;
            }
        }
        drop(outputs);
        let failure = match read.join() {
            Ok(f) => f,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        Some((failure, all_flows))
    })?;
    flows.sort_by_key(|f| f.meta.id);
    Some(Staged {
        failure,
        net: reader.net.stats().clone(),
        flows,
    })
}
