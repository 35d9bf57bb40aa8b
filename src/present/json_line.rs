//! The field tree as JSON, written straight out: the `jsonl` line of a frame without a
//! `serde_json::Value` for each field node (a map of owned keys per node was 70% of
//! `decode --format jsonl`), and the same serialisation made a `Value` for
//! [`tree_json`](super::tree_json). The line is the same, byte for byte, as
//! [`frame_json`](super::frame_json) printed: keys in the same (sorted) order, the same values;
//! the frame's own keys still go through the map of `frame_json`, only the field tree is
//! streamed.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as J;

use super::json::frame_map;
use super::time::{fmt_day_ms, fmt_local_ms, fmt_utc_ms};
use crate::pipeline::Decoded;
use crate::protocol::{Firmware, Tree, Unit, Value, display, raw_text};

/// The nodes of `tree` that start at `from` and follow each other up to `end` (each with its
/// descendants), as a JSON array.
struct Nodes<'a> {
    tree: &'a Tree,
    from: usize,
    end: usize,
    frame: &'a [u8],
    fw: &'a Firmware,
}

impl<'a> Nodes<'a> {
    /// Every top-level node of `tree`.
    fn all(tree: &'a Tree, frame: &'a [u8], fw: &'a Firmware) -> Self {
        Self {
            tree,
            from: 0,
            end: tree.nodes.len(),
            frame,
            fw,
        }
    }

    fn starts(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = self.from;
        while i < self.end {
            if self.tree.nodes.get(i).is_some() {
                out.push(i);
            }
            i = self.tree.descendants(i).end.max(i + 1);
        }
        out
    }
}

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let starts = self.starts();
        let mut seq = s.serialize_seq(Some(starts.len()))?;
        for i in starts {
            seq.serialize_element(&NodeOut { nodes: self, i })?;
        }
        seq.end()
    }
}

struct NodeOut<'a, 'b> {
    nodes: &'b Nodes<'a>,
    i: usize,
}

/// A node's value as `value_json` gives it, without the `Value`.
struct ValueOut<'a>(Value, &'a str);

impl Serialize for ValueOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::None => s.serialize_unit(),
            Value::Raw | Value::Enum(_) => s.serialize_str(self.1),
            Value::Int(i) => s.serialize_i64(i),
            Value::Num(n) | Value::Coord(n) => s.serialize_f64(n),
            Value::Bool(b) => s.serialize_bool(b),
            Value::UtcTime(ms) => s.serialize_str(&fmt_utc_ms(ms)),
            Value::LocalTime(ms) => s.serialize_str(&fmt_local_ms(ms)),
            Value::TimeOfDay(ms) => s.serialize_str(&fmt_day_ms(ms, true)),
            Value::Offset(secs) => s.serialize_i32(secs),
            Value::Blob(n) => s.serialize_u32(n),
        }
    }
}

impl Serialize for NodeOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Nodes {
            tree, frame, fw, ..
        } = *self.nodes;
        let Some(n) = tree.nodes.get(self.i) else {
            return s.serialize_unit();
        };
        let raw = raw_text(n.span.slice(frame));
        let inside = tree.descendants(self.i);
        let children = Nodes {
            tree,
            from: inside.start,
            end: inside.end,
            frame,
            fw,
        };
        // The keys in sorted order, as a `serde_json::Map` prints them.
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("children", &children)?;
        m.serialize_entry("display", &display(n.value, &raw, n.def.unit))?;
        if n.generated {
            m.serialize_entry("generated", &true)?;
        }
        m.serialize_entry("label", n.def.label)?;
        if let Value::Enum(meaning) = n.value {
            m.serialize_entry("meaning", meaning)?;
        }
        m.serialize_entry("name", n.def.name)?;
        m.serialize_entry("raw", &raw)?;
        m.serialize_entry("span", &n.span.pair())?;
        m.serialize_entry("tags", &fw.names(n.tags).collect::<Vec<_>>())?;
        if n.def.unit != Unit::None {
            m.serialize_entry("unit", n.def.unit.symbol())?;
        }
        m.serialize_entry("value", &ValueOut(n.value, &raw))?;
        m.end()
    }
}

/// The frame's keys with `fields` streamed in its sorted place.
struct FrameOut<'a> {
    map: serde_json::Map<String, J>,
    fields: Option<Nodes<'a>>,
}

impl Serialize for FrameOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let mut pending = true;
        for (k, v) in &self.map {
            if pending && k.as_str() > "fields" {
                self.fields_entry(&mut m)?;
                pending = false;
            }
            m.serialize_entry(k, v)?;
        }
        if pending {
            self.fields_entry(&mut m)?;
        }
        m.end()
    }
}

impl FrameOut<'_> {
    fn fields_entry<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match &self.fields {
            Some(nodes) => m.serialize_entry("fields", nodes),
            None => m.serialize_entry("fields", &[] as &[u8]),
        }
    }
}

/// One frame as its `jsonl` line (no newline): [`frame_json`](super::frame_json) printed.
pub fn frame_json_line(d: &Decoded<'_>) -> String {
    let out = FrameOut {
        map: frame_map(d),
        fields: d
            .tree
            .map(|tree| Nodes::all(tree, d.bytes, d.protocol.firmware)),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

/// The whole tree as a JSON array of top-level nodes, as a `Value`.
pub(super) fn tree_value(tree: &Tree, frame: &[u8], fw: &Firmware) -> J {
    serde_json::to_value(Nodes::all(tree, frame, fw)).unwrap_or(J::Array(Vec::new()))
}
