//! Findings about flows and the capture as a whole: a flow that speaks another protocol (or not
//! the one a server log took it for), an identity that changes within a connection, a capture
//! that holds only the devices' side, many devices losing their connections at once. And the
//! [`Context`] every rule reads: which flows the capture would show the server's answers in.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Finding;
use super::state::FlowTrack;
use crate::pipeline::FlowSummary;
use crate::present::time::{fmt_duration, fmt_when};
use crate::protocol::{self, Imei, Severity};

/// Flows named one by one in a finding of a kind; further ones are counted.
const PER_KIND: usize = 50;
/// Ends of connections this close together count as one event, ns.
const MASS_WINDOW_NS: i64 = 60 * 1_000_000_000;

/// What the rules read besides the device's own state.
pub struct Context<'a> {
    summaries: HashMap<u32, &'a FlowSummary>,
    tracks: &'a BTreeMap<u32, &'a FlowTrack>,
    by_device: HashMap<Imei, Vec<u32>>,
    /// Inputs that hold at least one packet or line from a server.
    sources_with_server: HashSet<usize>,
    /// Capture time of the last frame, ns.
    pub last_ts: Option<i64>,
}

impl<'a> Context<'a> {
    /// The context of a run's flows.
    pub fn new(
        flows: &'a [FlowSummary],
        tracks: &'a BTreeMap<u32, &'a FlowTrack>,
        last_ts: Option<i64>,
    ) -> Self {
        let summaries: HashMap<u32, &FlowSummary> = flows.iter().map(|f| (f.meta.id, f)).collect();
        let sources_with_server = flows
            .iter()
            .filter(|f| f.server_side_seen())
            .map(|f| f.meta.source)
            .collect();
        let mut by_device: HashMap<Imei, Vec<u32>> = HashMap::new();
        for (id, t) in tracks {
            if let Some(d) = t.device {
                by_device.entry(d).or_default().push(*id);
            }
        }
        Self {
            summaries,
            tracks,
            by_device,
            sources_with_server,
            last_ts,
        }
    }

    /// The flows that carried a device's frames.
    pub fn flows_of(&self, imei: &Imei) -> Vec<u32> {
        self.by_device.get(imei).cloned().unwrap_or_default()
    }

    /// What was gathered about a flow.
    pub fn track(&self, id: u32) -> Option<&FlowTrack> {
        self.tracks.get(&id).copied()
    }

    /// True when the capture would show the server's answers in this flow: it holds packets
    /// from the server side of the flow, or (for UDP and server logs, where silence leaves no
    /// trace) from the server side of other flows of the same input. A TCP capture that holds
    /// device data but no server packet at all lacks that direction (the device could not have
    /// sent data without the server's handshake).
    pub fn answers_visible(&self, id: u32) -> bool {
        let Some(f) = self.summaries.get(&id) else {
            return false;
        };
        if f.server_side_seen() {
            return true;
        }
        let from_log = self.tracks.get(&id).is_some_and(|t| t.from_log);
        (f.meta.transport == "udp" || from_log) && self.sources_with_server.contains(&f.meta.source)
    }

    /// True for a TCP connection (not a UDP peer or a raw stream).
    pub fn is_connection(&self, id: u32) -> bool {
        self.summaries
            .get(&id)
            .is_some_and(|f| f.meta.transport == "tcp")
    }
}

/// Findings about flows and the whole capture.
pub fn judge(ctx: &Context<'_>, devices: usize, out: &mut Vec<Finding>) {
    protocols(ctx, out);
    identities(ctx, out);
    one_sided(ctx, out);
    mass_disconnect(ctx, devices, out);
}

fn flow_finding(
    severity: Severity,
    code: &'static str,
    f: &FlowSummary,
    t: Option<&FlowTrack>,
    message: String,
) -> Finding {
    Finding {
        severity,
        code,
        imei: t.and_then(|t| t.device).map(|i| i.to_string()),
        flow: Some(f.meta.id),
        message,
        evidence: t.map(|t| vec![t.first_frame]).unwrap_or_default(),
    }
}

fn who(f: &FlowSummary, t: Option<&FlowTrack>) -> String {
    let mut s = format!("flow {} ({}", f.meta.id, f.meta.transport);
    if let Some(d) = f.meta.device {
        s.push_str(&format!(" from {d}"));
    }
    if let Some(i) = t.and_then(|t| t.device) {
        s.push_str(&format!(", device {i}"));
    }
    s.push(')');
    s
}

/// Flows of another protocol than the platform's, of no known protocol, or not the protocol a
/// server log took them for.
fn protocols(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let home = protocol::HOME;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut flows: Vec<&&FlowSummary> = ctx.summaries.values().collect();
    flows.sort_by_key(|f| f.meta.id);
    for f in flows {
        let t = ctx.track(f.meta.id);
        let n = counts.entry(f.protocol).or_default();
        *n += 1;
        let detected = protocol::by_name(f.protocol);
        if let (Some(hint), Some(p)) = (f.meta.hint, detected)
            && p.name != "unknown"
            && let Some(logged) = protocol::by_alias(hint.as_str())
            && !std::ptr::eq(logged, p)
        {
            out.push(flow_finding(
                Severity::Warning,
                "flow.protocol_mismatch",
                f,
                t,
                format!(
                    "the server took {} for {} ({}) but it sends {}: {}; the server decodes it with the wrong protocol, so it never shows up as it should. Point the unit at the port of its protocol, or configure it for the platform's",
                    who(f, t),
                    hint.as_str(),
                    logged.title,
                    p.title,
                    f.reason.unwrap_or("detected from its bytes")
                ),
            ));
            continue;
        }
        if *n > PER_KIND {
            continue;
        }
        match detected {
            Some(p) if p.name == "unknown" => out.push(flow_finding(
                Severity::Warning,
                "flow.unknown_protocol",
                f,
                t,
                format!(
                    "{} sends bytes no known protocol matches: a unit configured for another platform profile, a scanner, or not a tracker",
                    who(f, t)
                ),
            )),
            Some(p) if !p.is_home() => out.push(flow_finding(
                Severity::Info,
                "flow.other_protocol",
                f,
                t,
                format!(
                    "{} speaks {}, not the {}: {}",
                    who(f, t),
                    p.title,
                    home.title,
                    f.reason.unwrap_or("detected from its bytes")
                ),
            )),
            _ => {}
        }
    }
    for (name, n) in counts {
        if n > PER_KIND && name != home.name {
            out.push(Finding {
                severity: Severity::Info,
                code: "flow.other_protocol",
                imei: None,
                flow: None,
                message: format!(
                    "{} more flows speak {name} (the first {PER_KIND} are listed)",
                    n - PER_KIND
                ),
                evidence: Vec::new(),
            });
        }
    }
}

/// An identity that changes within one connection.
fn identities(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (id, t) in ctx.tracks {
        if t.imeis.len() < 2 {
            continue;
        }
        let Some(f) = ctx.summaries.get(id) else {
            continue;
        };
        let names: Vec<String> = t.imeis.iter().map(|(i, _)| i.to_string()).collect();
        out.push(Finding {
            severity: Severity::Warning,
            code: "imei.changed",
            imei: None,
            flow: Some(*id),
            message: format!(
                "the IMEI changes within {}: {}; two units share one connection (a gateway or NAT), or the unit's identity was changed while connected",
                who(f, None),
                names.join(", ")
            ),
            evidence: t.imeis.iter().map(|(_, f)| *f).collect(),
        });
    }
}

/// Flows with device data and no sign of the server: the capture holds one direction. (A raw
/// stream is one direction by nature: the user gave the device's bytes.)
fn one_sided(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let with_data: Vec<u32> = ctx
        .tracks
        .iter()
        .filter(|(id, _)| {
            ctx.summaries
                .get(id)
                .is_some_and(|f| f.meta.transport != "raw")
        })
        .filter(|(_, t)| t.kinds.first().is_some_and(|k| k.iter().any(|n| *n > 0)))
        .map(|(id, _)| *id)
        .collect();
    let blind: Vec<u32> = with_data
        .iter()
        .copied()
        .filter(|id| !ctx.answers_visible(*id))
        .collect();
    if blind.is_empty() {
        return;
    }
    let all = blind.len() == with_data.len();
    let message = if all {
        "this capture holds only the devices' side (no packet from the server in any flow): whether the server answered cannot be told from it; capture on the server, or both directions".to_string()
    } else {
        format!(
            "{} of {} flows hold no packet from the server: for those, whether the server answered cannot be told",
            blind.len(),
            with_data.len()
        )
    };
    out.push(Finding {
        severity: Severity::Info,
        code: "capture.one_sided",
        imei: None,
        flow: None,
        message,
        evidence: blind
            .iter()
            .filter_map(|id| ctx.track(*id).map(|t| t.first_frame))
            .take(super::state::EVIDENCE)
            .collect(),
    });
}

/// Many devices losing their connections within a minute: the network, not the devices.
fn mass_disconnect(ctx: &Context<'_>, devices: usize, out: &mut Vec<Finding>) {
    if devices < 5 {
        return;
    }
    // (time of the last frame, device) of every connection that really ended.
    let mut ends: Vec<(i64, Imei)> = ctx
        .summaries
        .values()
        .filter(|f| f.end.closed() || f.end == crate::net::EndReason::Timeout)
        .filter_map(|f| {
            let t = ctx.track(f.meta.id)?;
            Some((t.span?.1, t.device?))
        })
        .collect();
    ends.sort_unstable();
    // A window sliding over the ends, counting each device once.
    let mut best: Option<(usize, i64, i64)> = None;
    let mut inside: HashMap<Imei, usize> = HashMap::new();
    let mut lo = 0;
    for (t_hi, d_hi) in &ends {
        *inside.entry(*d_hi).or_default() += 1;
        while let Some((t_lo, d_lo)) = ends.get(lo)
            && t_hi.saturating_sub(*t_lo) > MASS_WINDOW_NS
        {
            if let Some(c) = inside.get_mut(d_lo) {
                *c -= 1;
                if *c == 0 {
                    inside.remove(d_lo);
                }
            }
            lo += 1;
        }
        if best.is_none_or(|(n, _, _)| inside.len() > n)
            && let Some((t_lo, _)) = ends.get(lo)
        {
            best = Some((inside.len(), *t_lo, *t_hi));
        }
    }
    if let Some((n, from, to)) = best
        && n >= 5
        && n * 10 >= devices * 3
    {
        out.push(Finding {
            severity: Severity::Warning,
            code: "fleet.mass_disconnect",
            imei: None,
            flow: None,
            message: format!(
                "{n} of {devices} devices lost their connections within {} (from {}): a mobile network or server event, not the devices",
                fmt_duration((to.saturating_sub(from) / 1_000_000_000).max(1)),
                fmt_when(from)
            ),
            evidence: Vec::new(),
        });
    }
}
