//! `bn407 diagnose`: the findings of a capture per device, per flow and for the capture as a
//! whole, each with its severity, stable code, what to do, and the frames that show it.

use std::fmt::Write as _;

use serde_json::json;

use crate::model::{SessionFinding, Stats};
use crate::protocol::Severity;

/// What a finding is about, for grouping: a device, a flow, the capture.
fn subject(f: &SessionFinding) -> (u8, String) {
    match (&f.imei, f.flow) {
        (Some(i), _) => (0, format!("device {i}")),
        (None, Some(id)) => (1, format!("flow {id}")),
        (None, None) => (2, "capture".to_string()),
    }
}

fn letter(s: Severity) -> char {
    match s {
        Severity::Error => 'E',
        Severity::Warning => 'W',
        Severity::Info => 'I',
    }
}

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
    let mut groups: Vec<((u8, String), Vec<&SessionFinding>)> = Vec::new();
    for f in &st.diagnosis {
        let key = subject(f);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(f),
            None => groups.push((key, vec![f])),
        }
    }
    groups.sort_by(|a, b| {
        let worst = |v: &Vec<&SessionFinding>| v.iter().map(|f| f.severity).max();
        worst(&b.1).cmp(&worst(&a.1)).then(a.0.cmp(&b.0))
    });
    let count = |sev| st.diagnosis.iter().filter(|f| f.severity == sev).count();
    let _ = writeln!(
        s,
        "{} findings: {} error, {} warning, {} info ({} frames, {} devices, {} flows)",
        st.diagnosis.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        st.frames + st.truncated,
        st.devices.len(),
        st.flows.len()
    );
    for ((_, title), mut list) in groups {
        list.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(b.code)));
        let extra = list
            .first()
            .and_then(|f| f.imei.as_ref())
            .and_then(|i| st.devices.values().find(|d| &d.imei == i))
            .map(|d| format!(" ({}, {} frames)", d.protocol, d.frames))
            .unwrap_or_default();
        let _ = writeln!(s, "\n{title}{extra}");
        for f in list {
            let _ = writeln!(s, "  {} {:<28} {}", letter(f.severity), f.code, f.message);
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
