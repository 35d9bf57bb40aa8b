//! The first-report checklist of a device being installed: what has happened (connected, logged
//! in, login accepted, heartbeat answered, first report, first fix, first valid fix and how long
//! it took, alarms, the report interval), each step with its time and frame, and what is still
//! missing with its usual cause. Fed with decoded frames and connection events, as they come
//! (live) or from a file.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::diagnose::timing::Intervals;
use crate::pipeline::Decoded;
use crate::present::time::fmt_duration;
use crate::protocol::{Advice, Direction, Imei, Kind, Protocol};

/// Alarms remembered per device.
const ALARMS: usize = 20;
/// Devices followed at most.
const MAX_DEVICES: usize = 10_000;

/// One step that happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Capture time, ns since the epoch.
    pub ts: Option<i64>,
    /// The frame that shows it (none for a connection with no frame yet).
    pub frame: Option<u64>,
    /// A few words ("TCP from 203.0.113.5:40000", "valid", "help me").
    pub note: String,
}

/// A device's checklist.
#[derive(Debug, Clone, Default)]
pub struct Checklist {
    /// The device.
    pub imei: String,
    /// Its protocol.
    pub protocol: Option<&'static Protocol>,
    /// Connected (TCP) or first datagram (UDP).
    pub connected: Option<Step>,
    /// Logged in.
    pub logged_in: Option<Step>,
    /// The login accepted (BN-407 `LOAD`, a GT06 acknowledgement).
    pub accepted: Option<Step>,
    /// A heartbeat answered.
    pub heartbeat_answered: Option<Step>,
    /// First report.
    pub first_report: Option<Step>,
    /// First report with a position (valid or not).
    pub first_fix: Option<Step>,
    /// First valid fix.
    pub first_valid: Option<Step>,
    /// Seconds from the connection (or the first frame) to the first valid fix.
    pub time_to_valid_s: Option<i64>,
    /// Alarms (the first ones).
    pub alarms: Vec<Step>,
    /// Alarms in all.
    pub alarm_count: u64,
    /// Reports and heartbeats seen.
    pub reports: u64,
    /// Heartbeats seen.
    pub heartbeats: u64,
    /// Intervals between reports.
    pub report_times: Intervals,
    /// Capture time of its last frame.
    pub last: Option<i64>,
    first_seen: Option<i64>,
}

impl Checklist {
    /// The report interval observed, seconds (the dominant one).
    pub fn report_interval_s(&self) -> Option<u64> {
        self.report_times.rhythm().map(|r| r.dominant)
    }

    /// What is missing at `now` (ns), with its usual cause; `None` when nothing is.
    pub fn missing(&self, now: i64) -> Option<String> {
        let since = |t: Option<i64>| t.map(|t| now.saturating_sub(t) / 1_000_000_000);
        let advice = |a: Advice| {
            self.protocol
                .and_then(|p| p.hooks.advice)
                .and_then(|f| f(a, Imei::new(self.imei.as_bytes()).as_ref()))
        };
        if self.logged_in.is_some() && self.accepted.is_none() {
            let s = since(self.logged_in.as_ref().and_then(|s| s.ts)).unwrap_or(0);
            if s >= 10 {
                return Some(format!(
                    "logged in {} ago and the login was not accepted: {}",
                    fmt_duration(s),
                    advice(Advice::LoginNotAccepted)
                        .unwrap_or_else(|| "the platform does not know this unit".into())
                ));
            }
        }
        if self.first_report.is_none() {
            let from = self
                .accepted
                .as_ref()
                .or(self.logged_in.as_ref())
                .or(self.connected.as_ref())
                .and_then(|s| s.ts);
            if let Some(s) = since(from)
                && s >= 120
            {
                let head = if self.logged_in.is_some() {
                    "logged in"
                } else {
                    "connected"
                };
                return Some(format!(
                    "{head}, no report for {}: tracking is off; {}",
                    fmt_duration(s),
                    advice(Advice::ActivateTracking)
                        .unwrap_or_else(|| "send a periodic-report command".into())
                ));
            }
            return None;
        }
        if self.first_valid.is_none() && self.reports >= 3 {
            return Some(
                "reports carry no valid satellite fix yet: the GPS antenna needs a view of the sky (a first fix can take minutes after power-up)"
                    .into(),
            );
        }
        if let (Some(iv), Some(s)) = (self.report_interval_s(), since(self.last))
            && iv > 0
            && s > (3 * iv as i64).max(60)
        {
            return Some(format!(
                "no frame for {} (it reports every {}): out of coverage, powered off, or the connection dropped",
                fmt_duration(s),
                fmt_duration(iv as i64)
            ));
        }
        None
    }
}

/// Checklists of every device, fed frame by frame.
#[derive(Debug, Default)]
pub struct Checklists {
    devices: BTreeMap<Imei, Checklist>,
    connections: BTreeMap<u32, Step>,
}

impl Checklists {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// A connection (or UDP peer) opened at `ts`.
    pub fn connected(&mut self, flow: u32, transport: &str, peer: SocketAddr, ts: Option<i64>) {
        if self.connections.len() >= MAX_DEVICES * 4 {
            self.connections.pop_first();
        }
        self.connections.insert(
            flow,
            Step {
                ts,
                frame: None,
                note: format!("{} from {peer}", transport.to_ascii_uppercase()),
            },
        );
    }

    /// Takes one decoded frame.
    pub fn add(&mut self, d: &Decoded<'_>) {
        let Some(imei) = d.device else { return };
        if self.devices.len() >= MAX_DEVICES && !self.devices.contains_key(&imei) {
            return;
        }
        let conn = self.connections.get(&d.flow.id).cloned();
        let c = self.devices.entry(imei).or_insert_with(|| Checklist {
            imei: imei.to_string(),
            ..Default::default()
        });
        let step = |note: &str| Step {
            ts: d.ts,
            frame: Some(d.index),
            note: note.to_string(),
        };
        if c.connected.is_none() {
            c.connected = Some(conn.unwrap_or_else(|| Step {
                ts: d.ts,
                frame: Some(d.index),
                note: format!("{} (first frame)", d.flow.transport.to_ascii_uppercase()),
            }));
        }
        c.first_seen = c.first_seen.or(d.ts);
        c.last = d.ts.or(c.last);
        let m = &d.message;
        if d.direction == Direction::ToDevice {
            match m.kind {
                Kind::LoginAck if c.accepted.is_none() => c.accepted = Some(step("accepted")),
                Kind::HeartbeatAck if c.heartbeat_answered.is_none() => {
                    c.heartbeat_answered = Some(step("answered"))
                }
                _ => {}
            }
            return;
        }
        c.protocol = Some(d.protocol);
        match m.kind {
            Kind::Login if c.logged_in.is_none() => c.logged_in = Some(step("")),
            Kind::Heartbeat => c.heartbeats += 1,
            Kind::Report => {
                c.reports += 1;
                if c.first_report.is_none() {
                    c.first_report = Some(step(m.keyword_text(d.bytes).unwrap_or("")));
                }
                if let Some(t) = d.ts {
                    c.report_times.event(t, d.index);
                }
                if let Some(f) = m.fix {
                    if c.first_fix.is_none() {
                        c.first_fix = Some(step(if f.valid { "valid" } else { "invalid" }));
                    }
                    if f.valid && c.first_valid.is_none() {
                        c.first_valid = Some(step(&format!("{:.5}, {:.5}", f.lat, f.lon)));
                        let from = c.connected.as_ref().and_then(|s| s.ts).or(c.first_seen);
                        c.time_to_valid_s = from.zip(d.ts).map(|(a, b)| (b - a) / 1_000_000_000);
                    }
                }
            }
            _ => {}
        }
        if m.alarm {
            c.alarm_count += 1;
            if c.alarms.len() < ALARMS {
                c.alarms
                    .push(step(m.keyword_text(d.bytes).unwrap_or("alarm")));
            }
        }
    }

    /// Every device's checklist, in IMEI order.
    pub fn all(&self) -> impl Iterator<Item = &Checklist> {
        self.devices.values()
    }

    /// One device's checklist.
    pub fn get(&self, imei: &str) -> Option<&Checklist> {
        self.devices.values().find(|c| c.imei == imei)
    }
}
