//! `bn407 diagnose`: the findings of a capture per device, per flow and for the capture as a
//! whole, each with its severity, stable code, what to do, and the frames that show it.

use std::fmt::Write as _;

use serde_json::json;

use crate::model::Stats;
use crate::model::diagnose::by_subject;
use crate::protocol::Severity;

/// Frame numbers as `decode` prints them (`#12`).
fn frames(ev: &[u64]) -> String {
    ev.iter()
        .map(|f| format!("#{f}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The findings for people: grouped by device, flow and capture, worst first in each group.
pub fn text(st: &Stats) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", st.findings_headline(&st.diagnosis));
    for g in by_subject(&st.diagnosis) {
        let extra = g
            .imei
            .and_then(|i| st.devices.values().find(|d| d.imei == i))
            .map(|d| format!(" ({}, {} frames)", d.protocol, d.frames))
            .unwrap_or_default();
        let _ = writeln!(s, "\n{}{extra}", g.title);
        for f in g.findings {
            let _ = writeln!(s, "  {} {:<28} {}", f.severity.letter(), f.code, f.message);
            if !f.evidence.is_empty() {
                let _ = writeln!(s, "    frames: {}", frames(&f.evidence));
            }
        }
    }
    s
}

/// The findings as one JSON object.
pub fn json(st: &Stats) -> serde_json::Value {
    let count = |sev| st.diagnosis.iter().filter(|f| f.severity == sev).count();
    json!({
        "frames": st.frames + st.truncated,
        "devices": st.devices.len(),
        "flows": st.flows.len(),
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "infos": count(Severity::Info),
        "findings": st.diagnosis,
    })
}
