//! The firmware diff: what changed in a device's messages between two sets of captures (or two
//! firmware generations in one capture), ranked by what would break a platform first.
//!
//! Each side is a [`Profile`] fed the decoded frames (with their field trees) of its captures:
//! per protocol and message kind, each field's presence, its shapes (see [`shape`]), firmware
//! tags and number range; field layouts and separator counts; keywords; diagnostics and session
//! findings; report and heartbeat intervals, reconnections, the handshake and the answers to
//! commands (see [`behaviour`]). Everything is a count with a few frame numbers as evidence, so
//! memory does not grow with the capture; example frames (bytes) are kept only for the first
//! frame of each fact.
//!
//! [`compare`] turns two finished profiles into a [`Comparison`]: [`Difference`]s ranked parser
//! first (protocol, message kinds, fields that appear or disappear, field count and order,
//! formats), then behaviour (timing, handshake, keywords, answers to commands, presence, value
//! ranges, diagnostics), cosmetic last (firmware tags alone, keyword shares, informational
//! diagnostics). Jitter within an interval's spread, other positions and other values within a
//! field's format are not differences. The model knows no protocol by name: it works on field
//! names, message kinds, tags and the protocols' descriptors.

pub mod behaviour;
mod compare;
mod fields;
mod profile;
pub mod shape;

use std::collections::BTreeMap;

use serde::Serialize;

pub use behaviour::{IntervalFact, Reconnects, Rhythmic, Step};
pub use compare::compare;
pub use profile::{DiagProfile, FieldProfile, KindProfile, Profile};

use crate::protocol::{Direction, Imei, Kind, Protocol, RawFrame, Tree};

/// True for a frame of printable text (a text protocol's sentence, line ends included).
pub fn is_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t'))
}

/// Frame numbers kept as evidence per fact.
pub const EVIDENCE: usize = 5;

/// How many times something was seen, with the first frames that show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Occurrences.
    pub count: u64,
    /// The first frames (at most [`EVIDENCE`]).
    pub frames: Vec<u64>,
}

impl Tally {
    /// Counts one occurrence in `frame`; true when it is the first (the example).
    pub fn add(&mut self, frame: u64) -> bool {
        self.count += 1;
        let first = self.frames.is_empty();
        if self.frames.len() < EVIDENCE && self.frames.last() != Some(&frame) {
            self.frames.push(frame);
        }
        first
    }
    /// The first frame.
    pub fn example(&self) -> Option<u64> {
        self.frames.first().copied()
    }
}

/// How much a difference matters to a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// It would break a platform's parser: protocol, framing, field count, formats.
    Parser,
    /// The device behaves otherwise: timing, handshake, alarms, answers, warnings.
    Behaviour,
    /// Worth knowing, harmless to parse.
    Cosmetic,
}

impl Rank {
    /// In words, for headings.
    pub fn words(self) -> &'static str {
        match self {
            Rank::Parser => "would break a parser",
            Rank::Behaviour => "behaviour",
            Rank::Cosmetic => "cosmetic",
        }
    }
}

/// What a difference is about (also the order within a rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The protocol of the flows.
    Protocol,
    /// Message kinds sent on one side only.
    Kind,
    /// Fields that appear or disappear.
    Fields,
    /// The number of separated fields.
    FieldCount,
    /// The order of fields.
    FieldOrder,
    /// A field's format.
    Format,
    /// Report and heartbeat intervals, reconnections.
    Timing,
    /// What the device sends after connecting or after the login acknowledgement.
    Handshake,
    /// Keywords (events, alarms) on one side only, or sent far more or less often.
    Keyword,
    /// What the device sends after a command.
    Command,
    /// How often a field is present.
    Presence,
    /// A field's range of values.
    Range,
    /// Frame diagnostics.
    Diagnostic,
    /// Session findings.
    Finding,
    /// Firmware tags not explained by another difference.
    Tag,
}

/// One side's half of a difference: the fact in words and the frames that show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Fact {
    /// The fact (`10 digits`, `every 60 s`, `absent`).
    pub value: String,
    /// Frames that show it, the example first (numbers as in `decode` of that side).
    pub frames: Vec<u64>,
}

impl Fact {
    /// A fact with its evidence.
    pub fn new(value: impl Into<String>, frames: &[u64]) -> Self {
        Self {
            value: value.into(),
            frames: frames.iter().copied().take(EVIDENCE).collect(),
        }
    }
    /// The example frame.
    pub fn example(&self) -> Option<u64> {
        self.frames.first().copied()
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// How much it matters.
    pub rank: Rank,
    /// What it is about.
    pub category: Category,
    /// The protocol of the messages, when it is about messages.
    pub protocol: Option<&'static str>,
    /// The message kind, when it is about one.
    pub kind: Option<Kind>,
    /// Filter names of the fields it is about.
    pub fields: Vec<&'static str>,
    /// The line as people read it (`report: local time now 12 digits (10 in A)`).
    pub line: String,
    /// Side A.
    pub a: Fact,
    /// Side B.
    pub b: Fact,
}

/// A frame kept as an example.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Frame number in its side's run.
    pub index: u64,
    /// Capture time, ns.
    pub ts: Option<i64>,
    /// Which way it travelled.
    pub direction: Direction,
    /// The protocol that decoded it.
    pub protocol: &'static Protocol,
    /// Its device.
    pub device: Option<Imei>,
    /// Its bytes (the first 2 KiB).
    pub bytes: Vec<u8>,
}

impl Frame {
    /// Decodes the frame again, with its tree.
    pub fn tree(&self) -> Tree {
        let mut tree = Tree::default();
        let raw = RawFrame {
            bytes: &self.bytes,
            offset: 0,
            flags: Default::default(),
        };
        crate::protocol::decode_frame(self.protocol, &raw, self.direction, Some(&mut tree));
        tree
    }
}

/// Which side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The first (the baseline).
    A,
    /// The second.
    B,
}

/// The frame standing for one message kind on each side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Representative {
    /// Protocol.
    pub protocol: &'static str,
    /// Message kind.
    pub kind: Kind,
    /// Frame number on side A.
    pub a: Option<u64>,
    /// Frame number on side B.
    pub b: Option<u64>,
}

/// Counts of one message kind (or one keyword of it) on each side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindRow {
    /// Protocol.
    pub protocol: &'static str,
    /// Message kind.
    pub kind: Kind,
    /// The keyword, for a keyword's row (`""` for an empty keyword).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Frames on side A.
    pub a: u64,
    /// Frames on side B.
    pub b: u64,
    /// Frames per hour on side A (when the capture times tell).
    pub a_per_hour: Option<f64>,
    /// Frames per hour on side B.
    pub b_per_hour: Option<f64>,
}

/// What one side amounts to, for the report's heading.
#[derive(Debug, Clone, Serialize)]
pub struct SideSummary {
    /// Its name.
    pub label: String,
    /// Frames the devices sent.
    pub frames: u64,
    /// Frames the servers sent.
    pub server_frames: u64,
    /// Devices.
    pub devices: usize,
    /// Hours of capture.
    pub hours: Option<f64>,
    /// Device frames by firmware generation guess.
    pub firmware: BTreeMap<&'static str, u64>,
    /// Flows by protocol.
    pub protocols: BTreeMap<&'static str, u64>,
    /// Interval between reports (not alarms), seconds.
    pub report_interval: Option<u64>,
    /// Interval between heartbeats, seconds.
    pub heartbeat_interval: Option<u64>,
    /// Reconnections per hour.
    pub reconnects_per_hour: Option<f64>,
}

/// One field of a message kind on both sides, for a side-by-side view.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedField {
    /// Filter name.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// Raw text on side A's representative frame (hex for binary frames).
    pub a: Option<String>,
    /// Raw text on side B's representative frame.
    pub b: Option<String>,
    /// True when a difference names the field, or only one side has it.
    pub differs: bool,
}

/// The outcome of a diff.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Side A.
    pub a: SideSummary,
    /// Side B.
    pub b: SideSummary,
    /// Differences, most important first.
    pub differences: Vec<Difference>,
    /// Message kinds with their counts on each side, then their keywords.
    pub kinds: Vec<KindRow>,
    /// The frame standing for each message kind on each side.
    pub representatives: Vec<Representative>,
    frames: [BTreeMap<u64, Frame>; 2],
}

impl Comparison {
    /// True when nothing differs (a build pipeline's gate).
    pub fn same(&self) -> bool {
        self.differences.is_empty()
    }

    /// An example frame of one side (every frame a difference or representative names).
    pub fn frame(&self, which: Which, index: u64) -> Option<&Frame> {
        let [a, b] = &self.frames;
        match which {
            Which::A => a.get(&index),
            Which::B => b.get(&index),
        }
    }

    /// The representative frames of a message kind.
    pub fn representative(&self, protocol: &str, kind: Kind) -> Option<&Representative> {
        self.representatives
            .iter()
            .find(|r| r.protocol == protocol && r.kind == kind)
    }

    /// The fields of a kind's representative frames side by side, aligned by name (side A's
    /// order, then fields only B has), the differing ones marked.
    pub fn aligned(&self, rep: &Representative) -> Vec<AlignedField> {
        let texts = |which, index: Option<u64>| -> Vec<(&'static str, &'static str, String)> {
            let Some(f) = index.and_then(|i| self.frame(which, i)) else {
                return Vec::new();
            };
            let text = is_text(&f.bytes);
            let mut out: Vec<(&'static str, &'static str, String)> = Vec::new();
            for n in f.tree().nodes.iter().filter(|n| !n.generated) {
                if out.iter().any(|(name, _, _)| *name == n.def.name) {
                    continue;
                }
                let raw = n.span.slice(&f.bytes);
                let shown = if text {
                    String::from_utf8_lossy(raw).into_owned()
                } else {
                    crate::protocol::hex(raw)
                };
                out.push((n.def.name, n.def.label, shown));
            }
            out
        };
        let (a, b) = (texts(Which::A, rep.a), texts(Which::B, rep.b));
        let named = |name: &str| {
            self.differences.iter().any(|d| {
                d.protocol == Some(rep.protocol)
                    && d.kind == Some(rep.kind)
                    && d.fields.contains(&name)
            })
        };
        let mut out: Vec<AlignedField> = a
            .iter()
            .map(|(name, label, text)| {
                let other = b.iter().find(|x| x.0 == *name).map(|x| x.2.clone());
                AlignedField {
                    name,
                    label,
                    differs: other.is_none() || named(name),
                    a: Some(text.clone()),
                    b: other,
                }
            })
            .collect();
        for (name, label, text) in b.iter().filter(|x| !a.iter().any(|y| y.0 == x.0)) {
            out.push(AlignedField {
                name,
                label,
                a: None,
                b: Some(text.clone()),
                differs: true,
            });
        }
        out
    }
}
