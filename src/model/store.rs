//! The frame store: every frame of a capture kept compactly for the window.
//!
//! One small fixed-size record per frame ([`FrameRecord`], 48 bytes), one byte arena holding the
//! bytes of every frame back to back (a frame ends where the next begins, so no length is
//! kept), the rare diagnostics in a side table found by frame, and keywords interned (a fleet
//! sends a few dozen distinct ones). Ten million frames of a typical capture fit in about a
//! gigabyte. The store is built from [`Decoded`] frames by a [`StoreBuilder`] in the loader
//! thread and handed over in batches
//! ([`FrameStore::append`]); the field tree is not kept: a view re-decodes the one frame it
//! shows from its bytes, which takes about a microsecond.

/// Looked up for every frame: a fast hasher, randomly seeded.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use std::borrow::Cow;
use std::sync::Arc;

use super::arena::Arena;
use crate::pipeline::{Decoded, FlowMeta};
use crate::protocol::{
    self, Diagnostic, Direction, FrameFlags, Generation, Imei, Kind, Message, Protocol, RawFrame,
    Severity, Tags, Tree,
};

/// No keyword (index into [`FrameStore::keywords`]).
const NO_KEYWORD: u32 = u32::MAX;

/// No device (index into [`FrameStore::devices`]).
const NO_DEVICE: u32 = u32::MAX;
/// No capture time.
const NO_TS: i64 = i64::MIN;

/// Bits of [`FrameRecord::flags`].
mod bit {
    pub const FIX: u8 = 1;
    pub const FIX_VALID: u8 = 2;
    pub const ALARM: u8 = 4;
    pub const TRUNCATED: u8 = 8;
    pub const OWN_IMEI: u8 = 16;
    pub const SPEED: u8 = 32;
    /// The direction's code ([`super::dir_code`]) sits in the top two bits.
    pub const DIR_SHIFT: u8 = 6;
}

/// One frame, compactly: what the list, the filters and the side panels need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameRecord {
    /// Capture time in ns since the epoch, `i64::MIN` when unknown.
    ts: i64,
    /// Offset of the frame's bytes in the arena (they end where the next frame's begin).
    start: u64,
    /// Latitude of the fix (f32 keeps about a metre).
    lat: f32,
    /// Longitude of the fix.
    lon: f32,
    /// Speed, km/h.
    speed: f32,
    /// Flow id (as in [`crate::pipeline::FlowMeta::id`]).
    flow: u32,
    /// Device index, [`NO_DEVICE`] when none.
    device: u32,
    /// Firmware tags.
    tags: Tags,
    /// Keyword (or a binary protocol's event name) in [`FrameStore::keywords`], [`NO_KEYWORD`]
    /// when none.
    keyword: u32,
    /// Protocol index in [`FrameStore::protocols`].
    protocol: u8,
    /// Firmware generation code.
    firmware: u8,
    /// Kind (index in [`Kind::ALL`], below 64) and, in the top two bits, the worst severity
    /// (0 none, 1 info, 2 warning, 3 error).
    kind_severity: u8,
    /// [`bit`] flags, the direction in the top two bits.
    flags: u8,
}

/// Every frame of a capture.
#[derive(Debug, Default, Clone)]
pub struct FrameStore {
    records: Vec<FrameRecord>,
    arena: Arena,
    diags: Vec<Diagnostic>,
    /// `(frame, first diagnostic in diags)` of each frame that has any, by frame; a frame's
    /// diagnostics run to the next entry's first.
    diag_index: Vec<(usize, usize)>,
    devices: Vec<Imei>,
    device_index: HashMap<Imei, u32>,
    protocols: Vec<&'static Protocol>,
    /// Shared with the index, so that each distinct keyword is held once.
    keywords: Vec<Arc<str>>,
    keyword_index: HashMap<Arc<str>, u32>,
    /// What each flow is, for the flow list and the conversation view.
    flows: Vec<FlowMeta>,
    flow_index: HashMap<u32, usize>,
}

fn dir_code(d: Direction) -> u8 {
    match d {
        Direction::ToServer => 0,
        Direction::ToDevice => 1,
        Direction::Unknown => 2,
    }
}

fn dir_of(c: u8) -> Direction {
    match c {
        0 => Direction::ToServer,
        1 => Direction::ToDevice,
        _ => Direction::Unknown,
    }
}

fn kind_code(k: Kind) -> u8 {
    Kind::ALL
        .iter()
        .position(|x| *x == k)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(KIND_MASK)
}

/// The kind's bits of [`FrameRecord::kind_severity`].
const KIND_MASK: u8 = 0x3f;

fn sev_code(s: Option<Severity>) -> u8 {
    match s {
        None => 0,
        Some(Severity::Info) => 1,
        Some(Severity::Warning) => 2,
        Some(Severity::Error) => 3,
    }
}

impl FrameStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no frame is stored.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// A store whose frame bytes go to a temporary file once there are more than `threshold`
    /// of them (see [`Arena`]): the window's, for large captures.
    pub fn spilling(threshold: usize) -> Self {
        Self {
            arena: Arena::spilling(threshold),
            ..Self::default()
        }
    }

    /// Bytes of frame data held, and how many of them are in the temporary file.
    pub fn arena_bytes(&self) -> (u64, u64) {
        (self.arena.len(), self.arena.spilled())
    }

    /// Frame `i` (its number in the run).
    pub fn get(&self, i: usize) -> Option<FrameRef<'_>> {
        let rec = self.records.get(i)?;
        Some(FrameRef {
            store: self,
            rec,
            pos: i,
            index: i,
        })
    }

    /// Frame `i` of this store presented as frame number `number` of its run: for evaluating a
    /// filter on frames one at a time, each in a store of its own, without keeping them (as
    /// `export` does). Only the number differs from [`FrameStore::get`]: `frame == N` and a
    /// [`crate::model::filter::Matcher`]'s cached tree go by it.
    pub fn get_numbered(&self, i: usize, number: usize) -> Option<FrameRef<'_>> {
        let rec = self.records.get(i)?;
        Some(FrameRef {
            store: self,
            rec,
            pos: i,
            index: number,
        })
    }

    /// Iterates over every frame in order.
    pub fn iter(&self) -> impl Iterator<Item = FrameRef<'_>> {
        self.records
            .iter()
            .enumerate()
            .map(move |(index, rec)| FrameRef {
                store: self,
                rec,
                pos: index,
                index,
            })
    }

    /// Flows seen, in order of appearance.
    pub fn flows(&self) -> &[FlowMeta] {
        &self.flows
    }

    /// A flow by id.
    pub fn flow(&self, id: u32) -> Option<&FlowMeta> {
        self.flows.get(*self.flow_index.get(&id)?)
    }

    fn add_flow(&mut self, f: FlowMeta) {
        if !self.flow_index.contains_key(&f.id) {
            self.flow_index.insert(f.id, self.flows.len());
            self.flows.push(f);
        }
    }

    fn intern_device(&mut self, imei: Imei) -> u32 {
        if let Some(&i) = self.device_index.get(&imei) {
            return i;
        }
        let i = u32::try_from(self.devices.len()).unwrap_or(NO_DEVICE);
        self.devices.push(imei);
        self.device_index.insert(imei, i);
        i
    }

    fn intern_protocol(&mut self, p: &'static Protocol) -> u8 {
        if let Some(i) = self.protocols.iter().position(|q| std::ptr::eq(*q, p)) {
            return u8::try_from(i).unwrap_or(u8::MAX);
        }
        self.protocols.push(p);
        u8::try_from(self.protocols.len() - 1).unwrap_or(u8::MAX)
    }

    fn intern_keyword(&mut self, k: &str) -> u32 {
        if let Some(&i) = self.keyword_index.get(k) {
            return i;
        }
        let Ok(i) = u32::try_from(self.keywords.len()) else {
            return NO_KEYWORD;
        };
        if i == NO_KEYWORD {
            return NO_KEYWORD;
        }
        let k: Arc<str> = k.into();
        self.keywords.push(k.clone());
        self.keyword_index.insert(k, i);
        i
    }

    /// Moves the frames of `batch` to the end of this store.
    pub fn append(&mut self, batch: FrameStore) {
        let FrameStore {
            records,
            arena,
            diags,
            diag_index,
            devices,
            device_index: _,
            protocols,
            keywords,
            keyword_index: _,
            flows,
            flow_index: _,
        } = batch;
        let (frame_base, diag_base) = (self.records.len(), self.diags.len());
        let dev_map: Vec<u32> = devices.iter().map(|d| self.intern_device(*d)).collect();
        let proto_map: Vec<u8> = protocols.iter().map(|p| self.intern_protocol(p)).collect();
        let keyword_map: Vec<u32> = keywords.iter().map(|k| self.intern_keyword(k)).collect();
        let base = self.arena.append(arena);
        self.diags.extend(diags);
        self.diag_index.extend(
            diag_index
                .into_iter()
                .map(|(f, d)| (f.saturating_add(frame_base), d.saturating_add(diag_base))),
        );
        self.records.reserve(records.len());
        for mut r in records {
            r.start += base;
            if r.device != NO_DEVICE {
                r.device = dev_map.get(r.device as usize).copied().unwrap_or(NO_DEVICE);
            }
            r.protocol = proto_map.get(r.protocol as usize).copied().unwrap_or(0);
            if r.keyword != NO_KEYWORD {
                r.keyword = keyword_map
                    .get(r.keyword as usize)
                    .copied()
                    .unwrap_or(NO_KEYWORD);
            }
            self.records.push(r);
        }
        for f in flows {
            self.add_flow(f);
        }
    }

    fn push(&mut self, d: &Decoded<'_>, imei: Option<Imei>) {
        let m: &Message = &d.message;
        let start = self.arena.push(d.bytes);
        self.arena.settle();
        if !m.diagnostics.is_empty() {
            self.diag_index.push((self.records.len(), self.diags.len()));
            self.diags.extend(m.diagnostics.iter().cloned());
        }
        let device = imei.map_or(NO_DEVICE, |i| self.intern_device(i));
        let protocol = self.intern_protocol(d.protocol);
        let keyword = match (m.keyword, m.event) {
            // The default span is no keyword; text that is not UTF-8 is none either.
            (Some(k), _) if !(k.is_empty() && k.start == 0) => {
                std::str::from_utf8(k.slice(d.bytes))
                    .ok()
                    .map_or(NO_KEYWORD, |k| self.intern_keyword(k))
            }
            (None, Some(e)) => self.intern_keyword(e),
            _ => NO_KEYWORD,
        };
        let mut flags = 0;
        let (mut lat, mut lon, mut speed) = (0.0, 0.0, 0.0);
        if let Some(f) = m.fix {
            flags |= bit::FIX;
            if f.valid {
                flags |= bit::FIX_VALID;
            }
            lat = f.lat as f32;
            lon = f.lon as f32;
            if let Some(s) = f.speed_kmh {
                speed = s;
                flags |= bit::SPEED;
            }
        }
        if m.alarm {
            flags |= bit::ALARM;
        }
        if d.flags.truncated {
            flags |= bit::TRUNCATED;
        }
        if m.imei.is_some() {
            flags |= bit::OWN_IMEI;
        }
        if !self.flow_index.contains_key(&d.flow.id) {
            self.add_flow(d.flow.clone());
        }
        flags |= dir_code(d.direction) << bit::DIR_SHIFT;
        self.records.push(FrameRecord {
            ts: d.ts.unwrap_or(NO_TS),
            start,
            lat,
            lon,
            speed,
            flow: d.flow.id,
            device,
            tags: m.tags,
            keyword,
            protocol,
            firmware: d.protocol.firmware.code(m.firmware),
            kind_severity: kind_code(m.kind) | (sev_code(m.max_severity()) << 6),
            flags,
        });
    }
}

/// Builds batches of the store from decoded frames (in the loader thread).
#[derive(Debug, Default)]
pub struct StoreBuilder {
    batch: FrameStore,
}

impl StoreBuilder {
    /// A builder with an empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frame. A server message without an IMEI belongs to its flow's device.
    pub fn add(&mut self, d: &Decoded<'_>) {
        self.batch.push(d, d.message.imei.or(d.device));
    }

    /// Frames in the current batch.
    pub fn pending(&self) -> usize {
        self.batch.len()
    }

    /// Takes the current batch, leaving an empty one.
    pub fn take(&mut self) -> FrameStore {
        std::mem::take(&mut self.batch)
    }
}

/// One stored frame.
#[derive(Clone, Copy)]
pub struct FrameRef<'s> {
    store: &'s FrameStore,
    rec: &'s FrameRecord,
    /// Position in the store.
    pos: usize,
    index: usize,
}

impl std::fmt::Debug for FrameRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frame({})", self.index)
    }
}

impl<'s> FrameRef<'s> {
    /// Frame number (position in the store).
    pub fn index(&self) -> usize {
        self.index
    }
    /// Capture time, ns.
    pub fn ts(&self) -> Option<i64> {
        (self.rec.ts != NO_TS).then_some(self.rec.ts)
    }
    /// The frame's bytes.
    ///
    /// Borrowed from memory, or read back from the store's temporary file (see [`Arena`]).
    pub fn bytes(&self) -> Cow<'s, [u8]> {
        self.store.arena.get(self.rec.start, self.end())
    }
    /// Number of bytes (without reading them back).
    pub fn byte_len(&self) -> usize {
        usize::try_from(self.end().saturating_sub(self.rec.start)).unwrap_or(usize::MAX)
    }
    /// Where the frame's bytes end in the arena: where the next frame's begin.
    fn end(&self) -> u64 {
        self.store
            .records
            .get(self.pos.saturating_add(1))
            .map_or(self.store.arena.len(), |r| r.start)
    }
    /// Flow id.
    pub fn flow(&self) -> u32 {
        self.rec.flow
    }
    /// Which way it travelled.
    pub fn direction(&self) -> Direction {
        dir_of(self.rec.flags >> bit::DIR_SHIFT)
    }
    /// The protocol that decoded it.
    pub fn protocol(&self) -> &'static Protocol {
        self.store
            .protocols
            .get(self.rec.protocol as usize)
            .copied()
            .unwrap_or(&protocol::unknown::PROTOCOL)
    }
    /// Kind of message.
    pub fn kind(&self) -> Kind {
        Kind::ALL
            .get(usize::from(self.rec.kind_severity & KIND_MASK))
            .copied()
            .unwrap_or(Kind::Unknown)
    }
    /// The device: its own IMEI, or its flow's device for server messages.
    pub fn imei(&self) -> Option<&'s Imei> {
        self.store.devices.get(self.rec.device as usize)
    }
    /// True when the IMEI is written in the frame itself (not attributed from the flow).
    pub fn own_imei(&self) -> bool {
        self.rec.flags & bit::OWN_IMEI != 0
    }
    /// Keyword text (or a binary protocol's event name), when the frame has one.
    pub fn keyword(&self) -> Option<&'s str> {
        self.store
            .keywords
            .get(self.rec.keyword as usize)
            .map(|k| &**k)
    }
    /// `(lat, lon, valid)` of the fix.
    pub fn fix(&self) -> Option<(f64, f64, bool)> {
        (self.rec.flags & bit::FIX != 0).then_some((
            f64::from(self.rec.lat),
            f64::from(self.rec.lon),
            self.rec.flags & bit::FIX_VALID != 0,
        ))
    }
    /// Speed of the fix, km/h.
    pub fn speed_kmh(&self) -> Option<f64> {
        (self.rec.flags & bit::SPEED != 0).then_some(f64::from(self.rec.speed))
    }
    /// True for an alarm.
    pub fn alarm(&self) -> bool {
        self.rec.flags & bit::ALARM != 0
    }
    /// True when the stream ended inside the frame.
    pub fn truncated(&self) -> bool {
        self.rec.flags & bit::TRUNCATED != 0
    }
    /// Firmware tags.
    pub fn tags(&self) -> Tags {
        self.rec.tags
    }
    /// Firmware guess (`None` when nothing told).
    pub fn firmware(&self) -> Option<&'static Generation> {
        self.protocol().firmware.by_code(self.rec.firmware)
    }
    /// Worst diagnostic.
    pub fn severity(&self) -> Option<Severity> {
        match self.rec.kind_severity >> 6 {
            1 => Some(Severity::Info),
            2 => Some(Severity::Warning),
            3 => Some(Severity::Error),
            _ => None,
        }
    }
    /// Diagnostics.
    pub fn diagnostics(&self) -> &'s [Diagnostic] {
        let store = self.store;
        let index = &store.diag_index;
        let Ok(at) = index.binary_search_by_key(&self.pos, |e| e.0) else {
            return &[];
        };
        let start = index.get(at).map_or(0, |e| e.1);
        let end = index
            .get(at.saturating_add(1))
            .map_or(store.diags.len(), |e| e.1);
        store.diags.get(start..end).unwrap_or(&[])
    }

    /// Decodes the frame again without its tree (for the list's summary column).
    pub fn message(&self) -> Message {
        self.message_and_bytes().0
    }

    /// [`FrameRef::message`] and the frame's bytes, read once.
    pub fn message_and_bytes(&self) -> (Message, Cow<'s, [u8]>) {
        let bytes = self.bytes();
        let raw = RawFrame {
            bytes: &bytes,
            offset: 0,
            flags: FrameFlags::default(),
        };
        let want = self.kind();
        let mut m = protocol::decode_frame(self.protocol(), &raw, self.direction(), None);
        if m.kind != want {
            m = protocol::decode_frame(self.protocol(), &raw, Direction::Unknown, None);
        }
        (m, bytes)
    }

    /// Decodes the frame again, with its field tree, into `tree`; returns the message summary.
    ///
    /// The frame's diagnostics are the stored ones (they include what lower layers noted).
    pub fn decode(&self, tree: &mut Tree) -> Message {
        self.decode_and_bytes(tree).0
    }

    /// [`FrameRef::decode`] and the frame's bytes, read once.
    pub fn decode_and_bytes(&self, tree: &mut Tree) -> (Message, Cow<'s, [u8]>) {
        let bytes = self.bytes();
        let raw = RawFrame {
            bytes: &bytes,
            offset: 0,
            flags: FrameFlags {
                truncated: self.truncated(),
                ..FrameFlags::default()
            },
        };
        let want = self.kind();
        tree.nodes.clear();
        let mut m = protocol::decode_frame(self.protocol(), &raw, self.direction(), Some(tree));
        if m.kind != want {
            tree.nodes.clear();
            m = protocol::decode_frame(self.protocol(), &raw, Direction::Unknown, Some(tree));
        }
        m.diagnostics = self.diagnostics().to_vec();
        (m, bytes)
    }
}

/// Size of one record, for the memory budget.
pub const RECORD_SIZE: usize = std::mem::size_of::<FrameRecord>();
