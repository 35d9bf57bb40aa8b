//! The decode tree: fields declared once in tables, nodes that point at them with a byte span
//! and a typed value.
//!
//! As in Wireshark's dissectors, every field is declared once ([`FieldDef`]: filter name, label,
//! unit, help) and decoding adds nodes `(field, span, value)`. The span is exactly what the
//! bytes pane highlights, and the field name is what the filter language asks for. Unlike
//! Wireshark the tree is a flat pre-order `Vec` with depths: one allocation per frame, no
//! pointers, and cheap to skip entirely (see [`Builder`]) when only the summary is wanted.
//! Values never own heap memory: text values are the raw bytes of the span, meanings are
//! `&'static str`, so building a node is a plain copy.

use serde::Serialize;

use crate::present::time;

/// A byte range `[start, end)` inside one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from two offsets (saturating: never inverted).
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Self { start, end }
    }
    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    /// True when `offset` lies inside the span.
    pub fn contains(&self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset < self.end as usize
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    /// The bytes of `frame` this span covers (empty when out of range).
    pub fn slice(self, frame: &[u8]) -> &[u8] {
        frame
            .get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }
    /// `[start, end]` as a pair, for JSON.
    pub fn pair(self) -> [u32; 2] {
        [self.start, self.end]
    }
}

/// Units of numeric values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A plain number.
    None,
    /// Knots (nautical miles per hour), what the wire carries.
    Knots,
    /// Kilometres per hour.
    KmH,
    /// Degrees of arc (course, coordinates).
    Degrees,
    /// Metres.
    Metres,
    /// Kilometres.
    Km,
    /// Percent.
    Percent,
    /// Degrees Celsius.
    Celsius,
    /// Volts.
    Volts,
    /// Hours.
    Hours,
    /// Seconds.
    Seconds,
    /// Minutes.
    Minutes,
    /// Revolutions per minute.
    Rpm,
    /// Bytes.
    Bytes,
    /// Litres per 100 km.
    LPer100Km,
    /// Litres per hour.
    LPerH,
    /// Decibel-milliwatts or a raw signal level.
    Signal,
}

impl Unit {
    /// The unit's symbol as shown after a number.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::None | Unit::Signal => "",
            Unit::Knots => "kn",
            Unit::KmH => "km/h",
            Unit::Degrees => "°",
            Unit::Metres => "m",
            Unit::Km => "km",
            Unit::Percent => "%",
            Unit::Celsius => "°C",
            Unit::Volts => "V",
            Unit::Hours => "h",
            Unit::Seconds => "s",
            Unit::Minutes => "min",
            Unit::Rpm => "rpm",
            Unit::Bytes => "bytes",
            Unit::LPer100Km => "L/100km",
            Unit::LPerH => "L/h",
        }
    }
}

/// A typed value of a field. Never owns heap memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A structural node (a group of fields) or an empty slot.
    None,
    /// Text: the raw bytes of the node's span.
    Raw,
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Num(f64),
    /// Yes/no.
    Bool(bool),
    /// An instant in UTC, milliseconds since the Unix epoch.
    UtcTime(i64),
    /// A wall-clock time without a zone (device-local), milliseconds since 1970-01-01T00:00.
    LocalTime(i64),
    /// A time of day, milliseconds since midnight.
    TimeOfDay(u32),
    /// A signed offset in seconds (time zone).
    Offset(i32),
    /// Signed decimal degrees.
    Coord(f64),
    /// A code with its meaning, e.g. `A` = "valid fix"; the code is the span's raw text.
    Enum(&'static str),
    /// A byte count of binary content carried in the span (e.g. hex-encoded photo data).
    Blob(u32),
}

/// A field declared once: its filter name, label, unit and help text.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// Filter name, e.g. `report.latitude`.
    pub name: &'static str,
    /// Human label, e.g. `Latitude`.
    pub label: &'static str,
    /// Unit of numeric values.
    pub unit: Unit,
    /// One sentence on what the field is.
    pub help: &'static str,
}

impl FieldDef {
    /// Declares a field.
    pub const fn new(
        name: &'static str,
        label: &'static str,
        unit: Unit,
        help: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            unit,
            help,
        }
    }
}

impl Serialize for &'static FieldDef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// One node of a decode tree.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// The field this node is an instance of.
    pub def: &'static FieldDef,
    /// Bytes of the frame it occupies (for generated nodes: the bytes it is derived from).
    pub span: Span,
    /// Typed value.
    pub value: Value,
    /// Firmware tags (see [`crate::protocol::firmware`]).
    pub tags: crate::protocol::Tags,
    /// Depth in the tree, 0 for top-level fields.
    pub depth: u8,
    /// True for values derived from other fields rather than read from the bytes.
    pub generated: bool,
}

/// A decode tree in pre-order.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Nodes in pre-order; a node's children follow it with a greater depth.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// Index range of the children (all descendants) of node `i`.
    pub fn descendants(&self, i: usize) -> std::ops::Range<usize> {
        let Some(node) = self.nodes.get(i) else {
            return i..i;
        };
        let end = self
            .nodes
            .iter()
            .enumerate()
            .skip(i + 1)
            .find(|(_, n)| n.depth <= node.depth)
            .map_or(self.nodes.len(), |(j, _)| j);
        i + 1..end
    }
    /// The innermost node whose span holds `offset` (what a click on a byte selects).
    pub fn node_at(&self, offset: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            if n.span.contains(offset) {
                match best {
                    Some(b)
                        if self
                            .nodes
                            .get(b)
                            .is_some_and(|bn| bn.depth >= n.depth && !n.generated) => {}
                    _ if n.generated && best.is_some() => {}
                    _ => best = Some(i),
                }
            }
        }
        best
    }
    /// First node of the given field name.
    pub fn find(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.def.name == name)
    }
}

/// Adds nodes to a tree when one is wanted, and does nothing (cheaply) when not.
///
/// Decoders call it unconditionally; the summary path passes no tree and pays only a branch.
pub struct Builder<'t> {
    tree: Option<&'t mut Tree>,
    depth: u8,
}

impl<'t> Builder<'t> {
    /// A builder adding to `tree`, or a no-op one.
    pub fn new(tree: Option<&'t mut Tree>) -> Self {
        Self { tree, depth: 0 }
    }
    /// True when nodes are being kept.
    pub fn active(&self) -> bool {
        self.tree.is_some()
    }
    /// Adds a node at the current depth.
    pub fn add(&mut self, def: &'static FieldDef, span: Span, value: Value) {
        self.push(def, span, value, 0, false);
    }
    /// Adds a node with firmware tags.
    pub fn add_tagged(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value,
        tags: crate::protocol::Tags,
    ) {
        self.push(def, span, value, tags, false);
    }
    /// Adds a generated (derived) node.
    pub fn derived(&mut self, def: &'static FieldDef, span: Span, value: Value) {
        self.push(def, span, value, 0, true);
    }
    fn push(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value,
        tags: crate::protocol::Tags,
        generated: bool,
    ) {
        if let Some(t) = self.tree.as_deref_mut() {
            t.nodes.push(Node {
                def,
                span,
                value,
                tags,
                depth: self.depth,
                generated,
            });
        }
    }
    /// Adds tags to the most recent node.
    pub fn tag_last(&mut self, tags: crate::protocol::Tags) {
        if let Some(n) = self.tree.as_deref_mut().and_then(|t| t.nodes.last_mut()) {
            n.tags |= tags;
        }
    }
    /// Following nodes become children of the most recent node, until [`Builder::close`].
    pub fn open(&mut self) {
        self.depth = self.depth.saturating_add(1);
    }
    /// Ends the children opened by [`Builder::open`].
    pub fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// Formats a value for people, given the node's raw text and unit.
pub fn display(value: Value, raw: &str, unit: Unit) -> String {
    let u = unit.symbol();
    let with_unit = |s: String| {
        if u.is_empty() {
            s
        } else if u == "°" || u == "%" {
            format!("{s}{u}")
        } else {
            format!("{s} {u}")
        }
    };
    match value {
        Value::None => String::new(),
        Value::Raw => raw.to_string(),
        Value::Int(v) => with_unit(v.to_string()),
        Value::Num(v) => with_unit(trim_float(v)),
        Value::Bool(b) => b.to_string(),
        Value::UtcTime(ms) => time::fmt_utc_ms(ms),
        Value::LocalTime(ms) => format!("{} (device local)", time::fmt_local_ms(ms)),
        Value::TimeOfDay(ms) => format!("{} UTC", time::fmt_day_ms(ms, false)),
        Value::Offset(secs) => format!("UTC{}", time::fmt_zone(secs)),
        Value::Coord(v) => format!("{v:.6}°"),
        Value::Enum(meaning) if raw.is_empty() => meaning.to_string(),
        Value::Enum(meaning) => format!("{meaning} ({raw})"),
        Value::Blob(n) => format!("{n} bytes"),
    }
}

/// A decimal number with at most 3 decimals and no trailing zeros (`12.5`, `0`).
pub fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}
