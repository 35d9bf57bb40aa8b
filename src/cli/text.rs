//! The totals for people (`stats`); a frame's line is [`crate::present::frame_line`].

use std::fmt::Write;

use crate::model::Stats;
use crate::present::units::fmt_position;

/// The totals for people.
pub fn stats_text(st: &Stats) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "frames      {} complete, {} truncated, {} bytes",
        st.frames, st.truncated, st.bytes
    );
    let _ = writeln!(
        s,
        "problems    {} frames with errors, {} with warnings",
        st.errors, st.warnings
    );
    let join = |m: &std::collections::BTreeMap<&'static str, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(s, "protocols   {}", join(&st.by_protocol));
    let _ = writeln!(s, "kinds       {}", join(&st.by_kind));
    let _ = writeln!(s, "firmware    {}", join(&st.by_firmware));
    let _ = writeln!(s, "bytes       {}", join(&st.bytes_by_direction));
    let stream: u64 = st
        .flows
        .iter()
        .map(|f| f.bytes_to_server + f.bytes_to_device)
        .sum();
    let ws: u64 = st.flows.iter().map(|f| f.skipped).sum();
    let n = &st.net;
    if n.packets > 0 || n.log_lines > 0 {
        let _ = writeln!(
            s,
            "capture     {} packets ({} bytes), {} log lines; ignored {} non-IP, {} other, {} malformed, {} cut by snaplen",
            n.packets, n.bytes, n.log_lines, n.non_ip, n.ignored, n.malformed, n.truncated
        );
        let _ = writeln!(
            s,
            "            {} IP fragments ({} reassembled, {} dropped), {} TCP retransmissions, {} overlaps ({} disagreeing), {} gaps ({} bytes lost)",
            n.ip_fragments,
            n.ip_reassembled,
            n.ip_fragments_dropped,
            n.tcp_retransmissions,
            n.tcp_overlaps,
            n.tcp_overlap_mismatches,
            n.gaps,
            n.gap_bytes
        );
        if n.flows_timed_out > 0 || n.flows_evicted > 0 {
            let _ = writeln!(
                s,
                "            {} flows closed after 30 minutes without a packet, {} closed early to keep at most {} open",
                n.flows_timed_out,
                n.flows_evicted,
                crate::net::NetConfig::default().max_flows
            );
        }
    }
    let _ = writeln!(
        s,
        "accounting  {stream} stream bytes = {} in frames + {ws} whitespace between frames",
        st.bytes
    );
    let _ = writeln!(s, "flows       {}", st.flows.len());
    for f in &st.flows {
        let dev = f.meta.device.map_or_else(|| "-".into(), |a| a.to_string());
        let srv = f.meta.server.map_or_else(|| "-".into(), |a| a.to_string());
        let _ = writeln!(
            s,
            "  flow {:<4} {} {} -> {}  {} ({}{})  {} bytes to server, {} to device",
            f.meta.id,
            f.meta.transport,
            dev,
            srv,
            f.protocol,
            f.confidence.map(|c| format!("{c}%: ")).unwrap_or_default(),
            f.reason.unwrap_or("no probe matched"),
            f.bytes_to_server,
            f.bytes_to_device
        );
    }
    let _ = writeln!(s, "devices     {}", st.devices.len());
    if st.devices_over_limit > 0 {
        let _ = writeln!(
            s,
            "            (and {} frames of further devices, counted only: more than {} devices)",
            st.devices_over_limit,
            crate::model::MAX_DEVICES
        );
    }
    for d in st.devices.values() {
        let fix = d.last_fix.map_or_else(String::new, |f| {
            format!(", last at {}", fmt_position(f.lat, f.lon))
        });
        let _ = writeln!(
            s,
            "  {} {} firmware {}: {} frames ({}), {} alarms, {} valid / {} invalid fixes, {} errors, {} warnings{fix}",
            d.imei,
            d.protocol,
            d.firmware,
            d.frames,
            join(&d.by_kind),
            d.alarms,
            d.valid_fixes,
            d.invalid_fixes,
            d.errors,
            d.warnings
        );
    }
    if !st.diagnosis.is_empty() {
        let _ = writeln!(s, "sessions");
        for f in &st.diagnosis {
            let who = match (&f.imei, f.flow) {
                (Some(i), _) => i.clone(),
                (None, Some(id)) => format!("flow {id}"),
                (None, None) => "capture".into(),
            };
            let _ = writeln!(
                s,
                "  {} {} {who}: {}",
                f.severity.as_str(),
                f.code,
                f.message
            );
        }
    }
    if !st.photos.is_empty() || st.photo_packets_dropped > 0 {
        let _ = writeln!(s, "photos      {}", st.photos.len());
        if st.photo_packets_dropped > 0 {
            let _ = writeln!(
                s,
                "            ({} photo packets not kept: a photo over {} MiB, or over {} MiB of unfinished photos)",
                st.photo_packets_dropped,
                crate::protocol::bn407::photo::MAX_PHOTO >> 20,
                crate::protocol::bn407::photo::MAX_HELD >> 20
            );
        }
        if st.photos_not_kept > 0 {
            let _ = writeln!(
                s,
                "            ({} photos listed only: over {} MiB of photos kept)",
                st.photos_not_kept,
                st.photo_budget() >> 20
            );
        }
        for p in &st.photos {
            let _ = writeln!(
                s,
                "  {} {} of {} packets, {} bytes{}{}",
                p.imei,
                p.received,
                p.expected,
                p.bytes,
                if p.complete_jpeg {
                    ", complete JPEG"
                } else {
                    ", incomplete"
                },
                if p.missing.is_empty() {
                    String::new()
                } else {
                    format!(", missing {:?}", p.missing)
                }
            );
        }
    }
    let mut findings: Vec<_> = st.findings.values().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.code.cmp(b.code))
    });
    if !findings.is_empty() {
        let _ = writeln!(s, "findings");
        for f in findings {
            let _ = writeln!(
                s,
                "  {:<7} {:<26} {:>7}  {}",
                f.severity.as_str(),
                f.code,
                f.count,
                f.example
            );
        }
    }
    s
}
