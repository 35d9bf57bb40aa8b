//! How devices behave, for one side of a diff: the intervals between reports and between
//! heartbeats per device (the bounded histograms of [`crate::model::diagnose::timing`]),
//! connections per device, what a device sends first on a connection and first after the login
//! acknowledgement, and what it sends after each command.

use std::collections::BTreeMap;

use super::Tally;
use crate::model::diagnose::timing::Intervals;
use crate::pipeline::Decoded;
use crate::protocol::{Direction, Imei, Kind};

/// Devices timed one by one.
const MAX_DEVICES: usize = 10_000;
/// Flows followed one by one.
const MAX_FLOWS: usize = 200_000;
/// Distinct command codes kept.
const MAX_COMMANDS: usize = 64;
/// A device frame this long after a command is no longer its answer, ns.
const ANSWER_WINDOW_NS: i64 = 10 * 60 * 1_000_000_000;
/// What a command that got no answer is filed under.
pub const NO_ANSWER: &str = "(no answer)";

/// A moment of a connection whose next device message is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The connection opened (seen from its start).
    AfterConnect,
    /// The server accepted the login.
    AfterLoginAck,
}

impl Step {
    /// In words, after "what the device sends".
    pub fn words(self) -> &'static str {
        match self {
            Step::AfterConnect => "after connecting",
            Step::AfterLoginAck => "after the login acknowledgement",
        }
    }
}

#[derive(Debug, Default)]
struct FlowStage {
    protocol: Option<&'static str>,
    device_frames: u64,
    after_ack: bool,
    /// A command awaiting the device's next message: (code, frame, time).
    command: Option<(String, u64, Option<i64>)>,
}

#[derive(Debug, Default)]
struct DeviceTiming {
    reports: Intervals,
    heartbeats: Intervals,
    flows: Vec<u32>,
    connections: u64,
    span: Option<(i64, i64)>,
    logins: Tally,
}

/// Intervals of one kind over all devices of a side.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalFact {
    /// The interval most devices keep (the mean of their regular intervals), seconds.
    pub dominant: u64,
    /// The 10th and 90th percentile over those devices, seconds.
    pub spread: (u64, u64),
    /// Share of all intervals within 25 % of the dominant one.
    pub regular: f64,
    /// Intervals in all.
    pub total: u32,
}

/// Which intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rhythmic {
    /// Between reports that are not alarms.
    Reports,
    /// Between heartbeats.
    Heartbeats,
}

/// Connections beyond the first per device, per hour of capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconnects {
    /// Reconnections in all.
    pub count: u64,
    /// Hours the devices were seen over.
    pub hours: f64,
    /// Login frames.
    pub logins: Tally,
}

impl Reconnects {
    /// Reconnections per hour.
    pub fn per_hour(&self) -> f64 {
        if self.hours > 0.0 {
            self.count as f64 / self.hours
        } else {
            0.0
        }
    }
}

/// Timing, handshake and answers to commands of one side.
#[derive(Debug, Default)]
pub struct Behaviour {
    devices: BTreeMap<Imei, DeviceTiming>,
    flows: BTreeMap<u32, FlowStage>,
    /// What the device sent at each step, by message kind.
    pub handshake: BTreeMap<Step, Vec<(&'static str, Tally)>>,
    /// What the device sent after each command (by code), by message kind or [`NO_ANSWER`].
    pub commands: BTreeMap<String, Vec<(&'static str, Tally)>>,
}

fn tally(list: &mut Vec<(&'static str, Tally)>, what: &'static str, frame: u64) -> bool {
    match list.iter_mut().find(|(w, _)| *w == what) {
        Some((_, t)) => t.add(frame),
        None => {
            let mut t = Tally::default();
            t.add(frame);
            list.push((what, t));
            true
        }
    }
}

impl Behaviour {
    /// Takes one frame (either direction); true when it became an example.
    pub fn add(&mut self, d: &Decoded<'_>) -> bool {
        if self.flows.len() >= MAX_FLOWS && !self.flows.contains_key(&d.flow.id) {
            return false;
        }
        let stage = self.flows.entry(d.flow.id).or_default();
        let m = &d.message;
        let mut example = false;
        if d.direction == Direction::ToDevice {
            match m.kind {
                Kind::LoginAck => stage.after_ack = true,
                Kind::Command => {
                    let code = m.keyword_text(d.bytes).unwrap_or("").to_string();
                    let before = stage.command.replace((code, d.index, d.ts));
                    if let Some((code, frame, _)) = before {
                        self.answer(code, NO_ANSWER, frame);
                    }
                    example = true;
                }
                _ => {}
            }
            return example;
        }
        let what = m.kind.as_str();
        stage.protocol.get_or_insert(d.protocol.name);
        let first = stage.device_frames == 0;
        stage.device_frames += 1;
        let after_ack = std::mem::take(&mut stage.after_ack);
        let command = stage.command.take();
        if first && d.flow.certain {
            let list = self.handshake.entry(Step::AfterConnect).or_default();
            example |= tally(list, what, d.index);
        }
        if after_ack {
            let list = self.handshake.entry(Step::AfterLoginAck).or_default();
            example |= tally(list, what, d.index);
        }
        if let Some((code, frame, at)) = command {
            let late =
                matches!((at, d.ts), (Some(a), Some(b)) if b.saturating_sub(a) > ANSWER_WINDOW_NS);
            example |= if late {
                self.answer(code, NO_ANSWER, frame)
            } else {
                self.answer(code, what, d.index)
            };
        }
        self.time(d);
        example
    }

    fn answer(&mut self, code: String, what: &'static str, frame: u64) -> bool {
        if self.commands.len() >= MAX_COMMANDS && !self.commands.contains_key(&code) {
            return false;
        }
        tally(self.commands.entry(code).or_default(), what, frame)
    }

    fn time(&mut self, d: &Decoded<'_>) {
        let Some(imei) = d.device else { return };
        if self.devices.len() >= MAX_DEVICES && !self.devices.contains_key(&imei) {
            return;
        }
        let dev = self.devices.entry(imei).or_default();
        if !dev.flows.contains(&d.flow.id) {
            dev.connections += 1;
            if dev.flows.len() >= 8 {
                dev.flows.remove(0);
            }
            dev.flows.push(d.flow.id);
        }
        let Some(ts) = d.ts else { return };
        dev.span = Some(dev.span.map_or((ts, ts), |(a, b)| (a.min(ts), b.max(ts))));
        match d.message.kind {
            Kind::Report if !d.message.alarm => dev.reports.event(ts, d.index),
            Kind::Heartbeat => dev.heartbeats.event(ts, d.index),
            Kind::Login => {
                dev.logins.add(d.index);
            }
            _ => {}
        }
    }

    /// Ends the side: commands still waiting got no answer.
    pub fn finish(&mut self) {
        let waiting: Vec<(String, u64)> = self
            .flows
            .values_mut()
            .filter_map(|s| s.command.take().map(|(c, f, _)| (c, f)))
            .collect();
        for (code, frame) in waiting {
            self.answer(code, NO_ANSWER, frame);
        }
        for list in self
            .handshake
            .values_mut()
            .chain(self.commands.values_mut())
        {
            list.sort_by_key(|x| std::cmp::Reverse(x.1.count));
        }
    }

    /// True when the side saw frames of flow `id`.
    pub fn saw_flow(&self, id: u32) -> bool {
        self.flows.contains_key(&id)
    }

    /// Flows by the protocol of their device side.
    pub fn flows_by_protocol(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for p in self.flows.values().filter_map(|s| s.protocol) {
            *out.entry(p).or_default() += 1;
        }
        out
    }

    /// The interval most devices keep between messages of one kind, with its spread.
    pub fn interval(&self, which: Rhythmic) -> Option<IntervalFact> {
        let per: Vec<(u64, (u64, u64), u32, u32)> = self
            .devices
            .values()
            .filter_map(|d| {
                let iv = match which {
                    Rhythmic::Reports => &d.reports,
                    Rhythmic::Heartbeats => &d.heartbeats,
                };
                let r = iv.rhythm()?;
                let typical = iv.typical()?.round() as u64;
                Some((typical, iv.spread()?, r.regular, r.total))
            })
            .collect();
        let near = |a: u64, b: u64| a.abs_diff(b) <= a / 4;
        let weight = |d: u64| -> u32 {
            per.iter()
                .filter(|p| near(d, p.0))
                .map(|p| p.3)
                .sum::<u32>()
        };
        let dominant = per
            .iter()
            .map(|p| p.0)
            .max_by(|a, b| weight(*a).cmp(&weight(*b)).then(b.cmp(a)))?;
        let cluster = per.iter().filter(|p| near(dominant, p.0));
        let spread = cluster
            .clone()
            .fold((u64::MAX, 0), |(lo, hi), p| (lo.min(p.1.0), hi.max(p.1.1)));
        let regular: u32 = cluster.map(|p| p.2).sum();
        let total: u32 = per.iter().map(|p| p.3).sum();
        Some(IntervalFact {
            dominant,
            spread,
            regular: f64::from(regular) / f64::from(total.max(1)),
            total,
        })
    }

    /// Reconnections over the devices seen for at least a minute.
    pub fn reconnects(&self) -> Option<Reconnects> {
        let mut out = Reconnects {
            count: 0,
            hours: 0.0,
            logins: Tally::default(),
        };
        for d in self.devices.values() {
            let Some((a, b)) = d.span else { continue };
            let h = b.saturating_sub(a) as f64 / 3.6e12;
            if h < 1.0 / 60.0 {
                continue;
            }
            out.hours += h;
            out.count += d.connections.saturating_sub(1);
            for f in &d.logins.frames {
                out.logins.add(*f);
            }
        }
        (out.hours > 0.0).then_some(out)
    }
}
