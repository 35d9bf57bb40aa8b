//! Findings a support engineer can paste into a ticket: per device and per flow, each with a
//! severity, a stable code, a sentence saying what is wrong and what to do, and the frames that
//! show it.
//!
//! A finding states only what the frames show. Where the capture cannot tell, it says so
//! instead: a capture that holds only the device's side (a mirror port, an inbound-only filter,
//! a log of reads) never yields "the server did not answer"; a frame cut off by the end of the
//! capture names no device; timing needs capture times (a raw stream has none, and a server
//! log's times are of an unknown zone, so clock offsets are not judged from it).
//!
//! [`Diagnoser`] is fed every decoded frame (bounded memory: counts, capped evidence lists and
//! histograms per device and per flow) and judged once at the end against the flow summaries.
//! Protocol-specific words (the command that switches tracking on, how to set the zone) come
//! from the device's protocol through its descriptor's `advice` hook.

mod device;
mod fleet;
mod state;
pub mod timing;

use std::collections::BTreeMap;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use serde::Serialize;

use crate::pipeline::{Decoded, FlowSummary};
use crate::protocol::{Imei, Severity};
use state::{DeviceState, FlowTrack};

/// Devices judged one by one; frames of further devices are not judged.
pub const MAX_DEVICES: usize = 100_000;
/// Flows judged one by one.
pub const MAX_FLOWS: usize = 200_000;

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Stable code, e.g. `session.login_unanswered`.
    pub code: &'static str,
    /// The device it is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// The flow it is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<u32>,
    /// What is wrong and what to do.
    pub message: String,
    /// Frames that show it (numbers from 0, as in `decode`; at most 20).
    pub evidence: Vec<u64>,
}

/// Gathers what the findings are judged from, frame by frame.
#[derive(Default)]
pub struct Diagnoser {
    /// By device number in the run ([`Decoded::device_no`]).
    devices: Vec<Option<(Imei, DeviceState)>>,
    /// Flows in order of their first frame, and where each flow id is in it.
    flows: Vec<(u32, FlowTrack)>,
    flow_at: HashMap<u32, usize>,
    /// The flow of the previous frame and its place (frames come in bursts of one flow).
    last_flow: Option<(u32, usize)>,
    devices_over: u64,
    flows_over: u64,
    /// Capture time of the last frame, ns.
    last_ts: Option<i64>,
}

impl Diagnoser {
    /// A diagnoser with nothing seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one decoded frame.
    pub fn add(&mut self, d: &Decoded<'_>) {
        if let Some(t) = d.ts {
            self.last_ts = Some(self.last_ts.map_or(t, |l| l.max(t)));
        }
        let from_log = d.flow.from_log;
        match self.flow_place(d.flow.id, d.index, from_log) {
            Some(i) => {
                if let Some((_, track)) = self.flows.get_mut(i) {
                    track.add(d);
                }
            }
            None => self.flows_over += 1,
        }
        let Some(imei) = d.device else { return };
        // Devices are numbered in order of first appearance: the first MAX_DEVICES are judged.
        let Some(no) = d.device_no.map(|n| n as usize).filter(|&n| n < MAX_DEVICES) else {
            self.devices_over += 1;
            return;
        };
        if self.devices.len() <= no {
            self.devices.resize_with(no + 1, || None);
        }
        if let Some(slot) = self.devices.get_mut(no) {
            slot.get_or_insert_with(|| (imei, DeviceState::default()))
                .1
                .add(d, from_log);
        }
    }

    /// Where flow `id` is kept, adding it (first seen in `frame`) while fewer than
    /// [`MAX_FLOWS`] are; none past that.
    fn flow_place(&mut self, id: u32, frame: u64, from_log: bool) -> Option<usize> {
        if let Some((last, i)) = self.last_flow
            && last == id
        {
            return Some(i);
        }
        let i = match self.flow_at.get(&id) {
            Some(&i) => i,
            None if self.flows.len() < MAX_FLOWS => {
                self.flows.push((id, FlowTrack::new(frame, from_log)));
                self.flow_at.insert(id, self.flows.len() - 1);
                self.flows.len() - 1
            }
            None => return None,
        };
        self.last_flow = Some((id, i));
        Some(i)
    }

    /// Judges everything seen against the flows of the run; findings worst first, then by
    /// device and code.
    pub fn finish(&self, flows: &[FlowSummary]) -> Vec<Finding> {
        let tracks: BTreeMap<u32, &FlowTrack> = self.flows.iter().map(|(id, t)| (*id, t)).collect();
        let ctx = fleet::Context::new(flows, &tracks, self.last_ts);
        let mut devices: Vec<&(Imei, DeviceState)> = self.devices.iter().flatten().collect();
        devices.sort_by_key(|(imei, _)| *imei);
        let mut out = Vec::new();
        for (imei, dev) in &devices {
            device::judge(*imei, dev, &ctx, &mut out);
        }
        fleet::judge(&ctx, devices.len(), &mut out);
        if self.devices_over + self.flows_over > 0 {
            out.push(Finding {
                severity: Severity::Info,
                code: "capture.over_limit",
                imei: None,
                flow: None,
                message: format!(
                    "{} frames of devices past the first {MAX_DEVICES} and {} of flows past the first {MAX_FLOWS} were not judged",
                    self.devices_over, self.flows_over
                ),
                evidence: Vec::new(),
            });
        }
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.imei.cmp(&b.imei))
                .then_with(|| a.flow.cmp(&b.flow))
                .then_with(|| a.code.cmp(b.code))
        });
        out
    }
}

/// Findings about one subject (a device, a flow, the capture), worst first.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<'a> {
    /// `device IMEI`, `flow N` or `capture`.
    pub title: String,
    /// The device, for a device's group.
    pub imei: Option<&'a str>,
    /// Its findings, worst first, then by code.
    pub findings: Vec<&'a Finding>,
}

/// Findings grouped by what they are about, for reports: devices, then flows, then the capture,
/// the group with the worst finding first.
pub fn by_subject<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Group<'a>> {
    let subject = |f: &Finding| match (&f.imei, f.flow) {
        (Some(i), _) => (0u8, format!("device {i}")),
        (None, Some(id)) => (1, format!("flow {id}")),
        (None, None) => (2, "capture".to_string()),
    };
    let mut groups: Vec<((u8, String), Group<'a>)> = Vec::new();
    // Where each subject's group is: a capture of 100,000 devices has as many groups.
    let mut at: std::collections::HashMap<(u8, String), usize> = std::collections::HashMap::new();
    for f in findings {
        let key = subject(f);
        match at.get(&key).and_then(|&i| groups.get_mut(i)) {
            Some((_, g)) => g.findings.push(f),
            None => {
                let title = key.1.clone();
                at.insert(key.clone(), groups.len());
                groups.push((
                    key,
                    Group {
                        title,
                        imei: f.imei.as_deref(),
                        findings: vec![f],
                    },
                ));
            }
        }
    }
    groups.sort_by(|a, b| {
        let worst = |g: &Group<'_>| g.findings.iter().map(|f| f.severity).max();
        worst(&b.1).cmp(&worst(&a.1)).then(a.0.cmp(&b.0))
    });
    groups
        .into_iter()
        .map(|(_, mut g)| {
            g.findings
                .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(b.code)));
            g
        })
        .collect()
}
