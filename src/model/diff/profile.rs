//! One side of a firmware diff, gathered frame by frame in bounded memory: per protocol and
//! message kind a small profile of each field (presence, a few shapes with an example frame
//! each, firmware tags, the range of numbers), the field layouts and separator counts, keywords,
//! diagnostics, and the device's behaviour (see [`super::behaviour`]).

use std::collections::BTreeMap;

use super::behaviour::Behaviour;
use super::shape::shape;
use super::{Frame, Tally, is_text};
use crate::model::diagnose::{Diagnoser, Finding};
use crate::pipeline::{Decoded, FlowSummary};
use crate::protocol::{Direction, FieldDef, Kind, Severity, Tags, Tree, Value};

/// Shapes kept per field; further ones are only counted.
const MAX_SHAPES: usize = 8;
/// Layouts kept per message kind.
const MAX_LAYOUTS: usize = 8;
/// Distinct separator counts kept per message kind.
const MAX_COUNTS: usize = 16;
/// Distinct keywords kept per side.
const MAX_KEYWORDS: usize = 512;
/// Bytes of an example frame kept.
const MAX_FRAME: usize = 2048;
/// Devices counted one by one.
const MAX_DEVICES: usize = 100_000;

/// What one field looked like in one message kind.
#[derive(Debug, Clone)]
pub struct FieldProfile {
    /// The field.
    pub def: &'static FieldDef,
    /// Frames of the kind that carry it.
    pub present: Tally,
    /// Occurrences read from the bytes (not derived from other fields).
    pub read: u64,
    /// Shapes of its raw text (see [`super::shape`]), most first after [`Profile::finish`].
    pub shapes: Vec<(String, Tally)>,
    /// Occurrences whose shape was not kept.
    pub other_shapes: u64,
    /// Firmware tags its nodes carried: (tag bit, frames).
    pub tags: Vec<(Tags, Tally)>,
    /// Smallest and largest plain number (integers and decimals; not positions or times).
    pub range: Option<(f64, f64)>,
    /// Numbers seen.
    pub numbers: u64,
}

impl FieldProfile {
    fn new(def: &'static FieldDef) -> Self {
        Self {
            def,
            present: Tally::default(),
            read: 0,
            shapes: Vec::new(),
            other_shapes: 0,
            tags: Vec::new(),
            range: None,
            numbers: 0,
        }
    }
}

/// What one message kind of one protocol looked like.
#[derive(Debug, Clone, Default)]
pub struct KindProfile {
    /// Frames of the kind.
    pub frames: Tally,
    /// Fields by filter name.
    pub fields: BTreeMap<&'static str, FieldProfile>,
    /// Orders of the top-level fields (names joined by `,`), most first after finishing.
    pub layouts: Vec<(String, Tally)>,
    /// Comma-separated fields of text frames: (count, frames), most first after finishing.
    pub separators: Vec<(u32, Tally)>,
}

impl KindProfile {
    /// The frame that stands for the kind: the first one of its most common layout.
    pub fn representative(&self) -> Option<u64> {
        self.layouts
            .first()
            .and_then(|(_, t)| t.example())
            .or_else(|| self.frames.example())
    }
}

/// A diagnostic code's frames.
#[derive(Debug, Clone)]
pub struct DiagProfile {
    /// Its severity.
    pub severity: Severity,
    /// The first message seen with it.
    pub message: String,
    /// Frames carrying it.
    pub frames: Tally,
}

/// One side of a diff: everything compared, from the frames it was fed.
pub struct Profile {
    /// Name used in sentences (`A`, `B`, or a firmware generation).
    pub label: String,
    /// Frames sent by devices.
    pub frames: u64,
    /// Frames sent by servers.
    pub server_frames: u64,
    /// First and last capture time, ns.
    pub span: Option<(i64, i64)>,
    /// Devices seen (at most [`MAX_DEVICES`] kept).
    pub devices: std::collections::BTreeSet<crate::protocol::Imei>,
    /// Device frames by firmware generation guess.
    pub generations: BTreeMap<&'static str, u64>,
    /// Device frames by protocol: (frames).
    pub protocol_frames: BTreeMap<&'static str, Tally>,
    /// Flows by the protocol of their device side (after [`Profile::finish`]).
    pub protocol_flows: BTreeMap<&'static str, u64>,
    /// Message kinds by protocol.
    pub kinds: BTreeMap<(&'static str, Kind), KindProfile>,
    /// Keywords by protocol and kind (`""` for an empty one).
    pub keywords: BTreeMap<(&'static str, Kind, String), Tally>,
    /// Keywords not kept.
    pub keywords_over: u64,
    /// Diagnostics of device frames by code.
    pub diagnostics: BTreeMap<&'static str, DiagProfile>,
    /// Timing, handshake and answers to commands.
    pub behaviour: Behaviour,
    /// Session findings (after [`Profile::finish`]).
    pub findings: Vec<Finding>,
    diagnoser: Diagnoser,
    examples: BTreeMap<u64, Frame>,
}

impl Profile {
    /// An empty side named `label`.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            frames: 0,
            server_frames: 0,
            span: None,
            devices: Default::default(),
            generations: BTreeMap::new(),
            protocol_frames: BTreeMap::new(),
            protocol_flows: BTreeMap::new(),
            kinds: BTreeMap::new(),
            keywords: BTreeMap::new(),
            keywords_over: 0,
            diagnostics: BTreeMap::new(),
            behaviour: Behaviour::default(),
            findings: Vec::new(),
            diagnoser: Diagnoser::new(),
            examples: BTreeMap::new(),
        }
    }

    /// Takes one decoded frame (with its tree, for the fields).
    pub fn add(&mut self, d: &Decoded<'_>) {
        self.diagnoser.add(d);
        if let Some(t) = d.ts {
            self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        let mut example = self.behaviour.add(d);
        if d.direction == Direction::ToDevice {
            self.server_frames += 1;
            if example {
                self.keep(d);
            }
            return;
        }
        let m = &d.message;
        self.frames += 1;
        if let Some(i) = d.device
            && self.devices.len() < MAX_DEVICES
        {
            self.devices.insert(i);
        }
        *self.generations.entry(m.firmware_name()).or_default() += 1;
        let proto = d.protocol.name;
        example |= self.protocol_frames.entry(proto).or_default().add(d.index);
        if let Some(kw) = m.keyword_text(d.bytes) {
            let key = (proto, m.kind, kw.to_string());
            if self.keywords.len() < MAX_KEYWORDS || self.keywords.contains_key(&key) {
                example |= self.keywords.entry(key).or_default().add(d.index);
            } else {
                self.keywords_over += 1;
            }
        }
        // A frame cut off by the capture (its end, a lost segment) tells nothing of the firmware.
        let f = d.flags;
        if f.truncated || f.gap_before > 0 || f.gap_after > 0 {
            if example {
                self.keep(d);
            }
            return;
        }
        for x in &m.diagnostics {
            let p = self
                .diagnostics
                .entry(x.code)
                .or_insert_with(|| DiagProfile {
                    severity: x.severity,
                    message: x.message.to_string(),
                    frames: Tally::default(),
                });
            example |= p.frames.add(d.index);
        }
        let kind = self.kinds.entry((proto, m.kind)).or_default();
        example |= kind.frames.add(d.index);
        if let Some(tree) = d.tree {
            example |= fields(kind, d, tree);
        }
        if example {
            self.keep(d);
        }
    }

    fn keep(&mut self, d: &Decoded<'_>) {
        let bytes = d.bytes.get(..MAX_FRAME).unwrap_or(d.bytes).to_vec();
        self.examples.insert(
            d.index,
            Frame {
                index: d.index,
                ts: d.ts,
                direction: d.direction,
                protocol: d.protocol,
                device: d.device,
                bytes,
            },
        );
    }

    /// Ends the side: session findings against the flows it saw, flows by protocol, shapes and
    /// layouts sorted most first.
    pub fn finish(&mut self, flows: &[FlowSummary]) {
        let own: Vec<FlowSummary> = flows
            .iter()
            .filter(|f| self.behaviour.saw_flow(f.meta.id))
            .cloned()
            .collect();
        self.findings = self.diagnoser.finish(&own);
        self.behaviour.finish();
        self.protocol_flows = self.behaviour.flows_by_protocol();
        for k in self.kinds.values_mut() {
            k.layouts.sort_by_key(|x| std::cmp::Reverse(x.1.count));
            k.separators.sort_by_key(|x| std::cmp::Reverse(x.1.count));
            for f in k.fields.values_mut() {
                f.shapes.sort_by_key(|x| std::cmp::Reverse(x.1.count));
            }
        }
    }

    /// An example frame kept by this side.
    pub fn frame(&self, index: u64) -> Option<&Frame> {
        self.examples.get(&index)
    }

    /// Every example frame kept, by frame number.
    pub fn frames_kept(&self) -> &BTreeMap<u64, Frame> {
        &self.examples
    }

    /// Capture hours the side covers (none without capture times or under a minute).
    pub fn hours(&self) -> Option<f64> {
        let (a, b) = self.span?;
        let h = b.saturating_sub(a) as f64 / 3.6e12;
        (h >= 1.0 / 60.0).then_some(h)
    }
}

/// Adds a frame's fields to its kind's profile; true when the frame became an example.
fn fields(kind: &mut KindProfile, d: &Decoded<'_>, tree: &Tree) -> bool {
    let text = is_text(d.bytes);
    let keyword = d.message.keyword;
    let mut example = false;
    let mut seen: Vec<&'static str> = Vec::new();
    let mut layout: Vec<&'static str> = Vec::new();
    for n in &tree.nodes {
        let name = n.def.name;
        let f = kind
            .fields
            .entry(name)
            .or_insert_with(|| FieldProfile::new(n.def));
        if !seen.contains(&name) {
            seen.push(name);
            example |= f.present.add(d.index);
        }
        // The keyword is compared as a keyword (an empty one with it); groups have no text of
        // their own.
        let is_keyword = keyword == Some(n.span) && !n.generated;
        let tags = if is_keyword { 0 } else { n.tags };
        for bit in (0..Tags::BITS).map(|i| 1 << i).filter(|b| tags & b != 0) {
            example |= add_keyed(&mut f.tags, bit, d.index, Tags::BITS as usize).unwrap_or(false);
        }
        if let Value::Int(_) | Value::Num(_) = n.value {
            let v = match n.value {
                Value::Int(i) => i as f64,
                Value::Num(x) => x,
                _ => 0.0,
            };
            f.numbers += 1;
            f.range = Some(f.range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
        }
        if n.generated {
            continue;
        }
        f.read += 1;
        if n.depth == 0 && layout.last() != Some(&name) {
            layout.push(name);
        }
        if is_keyword || (n.value == Value::None && !n.span.is_empty()) {
            continue;
        }
        let s = shape(n.span.slice(d.bytes), &n.value, text);
        match add_keyed(&mut f.shapes, s, d.index, MAX_SHAPES) {
            Some(first) => example |= first,
            None => f.other_shapes += 1,
        }
    }
    let layout = layout.join(",");
    example |= add_keyed(&mut kind.layouts, layout, d.index, MAX_LAYOUTS).unwrap_or(false);
    if text {
        let commas = d.bytes.iter().filter(|b| **b == b',').count();
        if commas > 0 {
            let n = u32::try_from(commas + 1).unwrap_or(u32::MAX);
            example |= add_keyed(&mut kind.separators, n, d.index, MAX_COUNTS).unwrap_or(false);
        }
    }
    example
}

/// Adds `frame` to the tally of `key` in a short list (a new key only while there is room):
/// whether the frame became an example, `None` when the key found no room.
fn add_keyed<K: PartialEq>(
    list: &mut Vec<(K, Tally)>,
    key: K,
    frame: u64,
    max: usize,
) -> Option<bool> {
    if let Some((_, t)) = list.iter_mut().find(|(k, _)| *k == key) {
        return Some(t.add(frame));
    }
    if list.len() >= max {
        return None;
    }
    let mut t = Tally::default();
    let first = t.add(frame);
    list.push((key, t));
    Some(first)
}
