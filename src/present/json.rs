//! A frame as JSON: the line of `decode --format jsonl` and the window's "Copy as JSON".

use serde::Serialize;
use serde_json::{Value as J, json};

use super::time::{fmt_local_ms, fmt_ts, fmt_utc_ms};
use crate::pipeline::Decoded;
use crate::protocol::{Firmware, Tree, hex};

/// The whole tree as a JSON array of top-level nodes.
pub fn tree_json(tree: &Tree, frame: &[u8], fw: &Firmware) -> J {
    super::json_line::tree_value(tree, frame, fw)
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
