//! A frame as JSON: the line of `decode --format jsonl` and the window's "Copy as JSON".

use serde::Serialize;
use serde_json::{Value as J, json};

use super::time::{fmt_day_ms, fmt_local_ms, fmt_ts, fmt_utc_ms};
use crate::pipeline::Decoded;
use crate::protocol::{Firmware, Node, Tree, Value, display, hex, raw_text};

fn value_json(v: Value, raw: &str) -> J {
    match v {
        Value::None => J::Null,
        Value::Raw | Value::Enum(_) => J::String(raw.to_string()),
        Value::Int(i) => json!(i),
        Value::Num(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::UtcTime(ms) => J::String(fmt_utc_ms(ms)),
        Value::LocalTime(ms) => J::String(fmt_local_ms(ms)),
        Value::TimeOfDay(ms) => J::String(fmt_day_ms(ms, true)),
        Value::Offset(secs) => json!(secs),
        Value::Coord(c) => json!(c),
        Value::Blob(n) => json!(n),
    }
}

/// One node and its children as JSON.
fn node_json(tree: &Tree, i: usize, frame: &[u8], fw: &Firmware) -> Option<J> {
    let n: &Node = tree.nodes.get(i)?;
    let raw = raw_text(n.span.slice(frame));
    let mut children = Vec::new();
    let range = tree.descendants(i);
    let mut j = range.start;
    while j < range.end {
        if let Some(c) = node_json(tree, j, frame, fw) {
            children.push(c);
        }
        j = tree.descendants(j).end;
    }
    let mut o = serde_json::Map::new();
    o.insert("name".into(), json!(n.def.name));
    o.insert("label".into(), json!(n.def.label));
    o.insert("value".into(), value_json(n.value, &raw));
    o.insert("display".into(), json!(display(n.value, &raw, n.def.unit)));
    if n.def.unit != crate::protocol::Unit::None {
        o.insert("unit".into(), json!(n.def.unit.symbol()));
    }
    if let Value::Enum(meaning) = n.value {
        o.insert("meaning".into(), json!(meaning));
    }
    o.insert("raw".into(), json!(raw));
    o.insert("span".into(), json!(n.span.pair()));
    o.insert("tags".into(), json!(fw.names(n.tags).collect::<Vec<_>>()));
    if n.generated {
        o.insert("generated".into(), json!(true));
    }
    o.insert("children".into(), J::Array(children));
    Some(J::Object(o))
}

/// The whole tree as a JSON array of top-level nodes.
pub fn tree_json(tree: &Tree, frame: &[u8], fw: &Firmware) -> J {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tree.nodes.len() {
        if let Some(n) = node_json(tree, i, frame, fw) {
            out.push(n);
        }
        i = tree.descendants(i).end;
    }
    J::Array(out)
}

#[derive(Serialize)]
struct FixJson {
    time: Option<String>,
    valid: bool,
    lat: f64,
    lon: f64,
    speed_kmh: Option<f32>,
    course: Option<f32>,
}

/// One frame as a JSON object (the `jsonl` line).
pub fn frame_json(d: &Decoded<'_>) -> J {
    let mut map = frame_map(d);
    map.insert(
        "fields".into(),
        d.tree.map_or(J::Array(vec![]), |t| {
            tree_json(t, d.bytes, d.protocol.firmware)
        }),
    );
    J::Object(map)
}

/// The keys of [`frame_json`] but its `fields`.
pub(super) fn frame_map(d: &Decoded<'_>) -> serde_json::Map<String, J> {
    let m = &d.message;
    let (src, dst) = d.endpoints();
    let fix = m.fix.map(|f| FixJson {
        time: f.time.map(fmt_utc_ms),
        valid: f.valid,
        lat: f.lat,
        lon: f.lon,
        speed_kmh: f.speed_kmh,
        course: f.course,
    });
    let v = &m.vitals;
    let object = json!({
        "frame": d.index,
        "ts": d.ts.map(fmt_ts),
        "transport": d.flow.transport,
        "src": src.map(|a| a.to_string()),
        "dst": dst.map(|a| a.to_string()),
        "flow": d.flow.id,
        "direction": d.direction.as_str(),
        "protocol": d.protocol.name,
        "kind": m.kind.as_str(),
        "imei": d.device.map(|i| i.to_string()),
        "keyword": m.keyword_text(d.bytes),
        "meaning": m.keyword_meaning,
        "alarm": m.alarm,
        "fix": fix,
        "local_time": v.local_time.map(fmt_local_ms),
        "clock_offset_s": m.clock_offset_s(d.ts),
        "tz_offset": v.tz_offset,
        "altitude": v.altitude,
        "battery": v.battery,
        "fuel": v.fuel,
        "temperature": v.temperature,
        "acc": v.acc,
        "firmware": m.firmware_name(),
        "firmware_tags": d.protocol.firmware.names(m.tags).collect::<Vec<_>>(),
        "severity": m.max_severity().map(|s| s.as_str()),
        "diagnostics": m.diagnostics,
        "offset": d.offset,
        "raw": hex(d.bytes),
        "text": String::from_utf8_lossy(d.bytes),
    });
    match object {
        J::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}
