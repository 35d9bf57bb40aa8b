//! What the findings are judged from, gathered frame by frame in bounded memory: per device
//! (counts, evidence frames, intervals, clock offsets, pending commands, recent report hashes)
//! and per flow (kinds by direction, identities, time span).

use super::timing::Intervals;
use crate::pipeline::Decoded;
use crate::protocol::{Direction, Imei, Kind, Protocol, Severity};

/// Evidence frames kept per list.
pub const EVIDENCE: usize = 20;
/// A report whose fix time lies this far from its capture time is late or early, seconds.
pub const CLOCK_SLACK_S: i64 = 600;
/// Recent report hashes kept per device to spot resent reports.
const RECENT: usize = 32;
/// Commands awaiting the device's answer, per device.
const PENDING: usize = 8;
/// A device frame this long after a command no longer counts as its answer, ns.
const ANSWER_WINDOW_NS: i64 = 10 * 60 * 1_000_000_000;

/// Up to [`EVIDENCE`] frame numbers and the full count.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Frames, first ones first.
    pub frames: Vec<u64>,
    /// How many frames there were in all.
    pub count: u64,
}

impl Evidence {
    /// Adds a frame.
    pub fn add(&mut self, frame: u64) {
        self.count += 1;
        if self.frames.len() < EVIDENCE && self.frames.last() != Some(&frame) {
            self.frames.push(frame);
        }
    }
}

/// A command sent to a device, waiting for what it does next.
#[derive(Debug, Clone)]
pub struct Command {
    /// Frame of the command.
    pub frame: u64,
    /// Capture time, ns.
    pub ts: Option<i64>,
    /// The command in quotes, with its meaning when known (`'C' (report periodically)`).
    pub text: String,
}

/// Everything judged about one device.
#[derive(Debug, Default)]
pub struct DeviceState {
    /// The protocol its own frames were decoded with (the last one seen).
    pub protocol: Option<&'static Protocol>,
    /// Frames sent by the device, by kind.
    pub logins: Evidence,
    /// Heartbeats.
    pub heartbeats: Evidence,
    /// Reports, OBD and photo frames.
    pub reports: Evidence,
    /// Reports with a valid fix.
    pub valid: Evidence,
    /// Reports with an invalid (last known) fix.
    pub invalid: Evidence,
    /// Reports with no fix at all (cell data only).
    pub no_fix: Evidence,
    /// Frames whose IMEI failed its check digit.
    pub luhn: Evidence,
    /// Reports captured long after their fix time.
    pub late: Evidence,
    /// The latest of them: (seconds late, frame).
    pub worst_late: Option<(i64, u64)>,
    /// Reports captured long before their fix time.
    pub early: Evidence,
    /// The earliest of them: (seconds early, frame).
    pub worst_early: Option<(i64, u64)>,
    /// Reports sent again with the same bytes.
    pub resent: Evidence,
    recent: Vec<u64>,
    /// Time-zone offsets of the device clock (seconds, count), at most 8 kept.
    pub zones: Vec<(i32, u64)>,
    /// Longitude of the last valid fix.
    pub last_lon: Option<f64>,
    /// Intervals between reports.
    pub report_times: Intervals,
    /// Intervals between heartbeats.
    pub heartbeat_times: Intervals,
    /// Commands awaiting an answer.
    pub pending: Vec<Command>,
    /// Commands never followed by an answer within the window.
    pub unanswered: Vec<Command>,
    /// Commands followed by an answer.
    pub answered: u64,
    /// First and last capture time of its frames, ns.
    pub span: Option<(i64, i64)>,
    /// True when some of its frames came from a server log (times of unknown zone).
    pub from_log: bool,
}

impl DeviceState {
    /// Takes one frame of the device (either direction).
    pub fn add(&mut self, d: &Decoded<'_>, from_log: bool) {
        let m = &d.message;
        if let Some(t) = d.ts {
            self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        self.from_log |= from_log;
        if d.direction == Direction::ToDevice {
            if m.kind == Kind::Command {
                let code = m.keyword_text(d.bytes).unwrap_or("");
                let text = match m.keyword_meaning {
                    Some(meaning) => format!("{code}' ({meaning})"),
                    None => format!("{code}'"),
                };
                self.pending.push(Command {
                    frame: d.index,
                    ts: d.ts,
                    text: format!("'{text}"),
                });
                if self.pending.len() > PENDING {
                    self.pending.remove(0);
                }
            }
            return;
        }
        self.protocol = Some(d.protocol);
        if m.diagnostics.iter().any(|x| x.code == "imei.luhn") {
            self.luhn.add(d.index);
        }
        match m.kind {
            Kind::Login => self.logins.add(d.index),
            Kind::Heartbeat => {
                self.heartbeats.add(d.index);
                if let Some(t) = d.ts {
                    self.heartbeat_times.event(t, d.index);
                }
            }
            Kind::Report | Kind::Obd | Kind::Photo => self.report(d, from_log),
            _ => {}
        }
        if matches!(
            m.kind,
            Kind::Report | Kind::Obd | Kind::Photo | Kind::CommandReply | Kind::Info
        ) {
            self.answer(d.ts);
        }
    }

    fn report(&mut self, d: &Decoded<'_>, from_log: bool) {
        let m = &d.message;
        if m.kind == Kind::Report {
            self.reports.add(d.index);
            if let Some(t) = d.ts {
                self.report_times.event(t, d.index);
            }
            match m.fix {
                Some(f) if f.valid => {
                    self.valid.add(d.index);
                    self.last_lon = Some(f.lon);
                }
                Some(_) => self.invalid.add(d.index),
                None => self.no_fix.add(d.index),
            }
        }
        if let Some(z) = m.vitals.tz_offset {
            let full = self.zones.len() >= 8;
            match self.zones.iter_mut().find(|(o, _)| *o == z) {
                Some((_, n)) => *n += 1,
                None if !full => self.zones.push((z, 1)),
                None => {}
            }
        }
        if let (Some(ts), Some(fix_ms), false) = (d.ts, m.fix.and_then(|f| f.time), from_log) {
            let late = (ts / 1_000_000).saturating_sub(fix_ms) / 1000;
            if late > CLOCK_SLACK_S {
                self.late.add(d.index);
                if self.worst_late.is_none_or(|(w, _)| late > w) {
                    self.worst_late = Some((late, d.index));
                }
            } else if -late > CLOCK_SLACK_S {
                self.early.add(d.index);
                if self.worst_early.is_none_or(|(w, _)| -late > w) {
                    self.worst_early = Some((-late, d.index));
                }
            }
        }
        // The same report bytes again (not a TCP retransmission: reassembly removed those).
        let h = d.bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        if self.recent.contains(&h) {
            self.resent.add(d.index);
        } else {
            if self.recent.len() >= RECENT {
                self.recent.remove(0);
            }
            self.recent.push(h);
        }
    }

    /// A device frame that can answer a command: every command sent within the answer window
    /// before it counts as answered.
    fn answer(&mut self, ts: Option<i64>) {
        let pending = std::mem::take(&mut self.pending);
        for c in pending {
            let in_window = match (c.ts, ts) {
                (Some(a), Some(b)) => b.saturating_sub(a) <= ANSWER_WINDOW_NS,
                _ => true,
            };
            if in_window {
                self.answered += 1;
            } else {
                self.unanswered.push(c);
            }
        }
        self.unanswered.truncate(PENDING);
    }

    /// The zone the clock showed most often.
    pub fn zone(&self) -> Option<i32> {
        self.zones.iter().max_by_key(|(_, n)| *n).map(|(z, _)| *z)
    }
}

/// Everything judged about one flow.
#[derive(Debug, Clone)]
pub struct FlowTrack {
    /// Frames by kind, device side (`[0]`) and server side (`[1]`).
    pub kinds: [[u32; Kind::ALL.len()]; 2],
    /// Login acknowledgements that carry an error (a wrong serial or CRC).
    pub bad_login_acks: u32,
    /// Distinct identities the device side sent, with the first frame of each (at most 4).
    pub imeis: Vec<(Imei, u64)>,
    /// The device of the flow.
    pub device: Option<Imei>,
    /// First and last capture time of its frames, ns.
    pub span: Option<(i64, i64)>,
    /// First frame.
    pub first_frame: u64,
    /// True for a server-log connection.
    pub from_log: bool,
}

impl FlowTrack {
    /// A flow first seen in `frame`.
    pub fn new(frame: u64, from_log: bool) -> Self {
        Self {
            kinds: [[0; Kind::ALL.len()]; 2],
            bad_login_acks: 0,
            imeis: Vec::new(),
            device: None,
            span: None,
            first_frame: frame,
            from_log,
        }
    }

    /// Takes one frame of the flow.
    pub fn add(&mut self, d: &Decoded<'_>) {
        let side = usize::from(d.direction == Direction::ToDevice);
        let k = Kind::ALL
            .iter()
            .position(|k| *k == d.message.kind)
            .unwrap_or(0);
        if let Some(n) = self.kinds.get_mut(side).and_then(|s| s.get_mut(k)) {
            *n += 1;
        }
        if d.message.kind == Kind::LoginAck && d.message.max_severity() == Some(Severity::Error) {
            self.bad_login_acks += 1;
        }
        if let Some(t) = d.ts {
            self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        self.device = d.device.or(self.device);
        if side == 0
            && let Some(i) = d.message.imei
            && !self.imeis.iter().any(|(x, _)| *x == i)
            && self.imeis.len() < 4
        {
            self.imeis.push((i, d.index));
        }
    }

    /// Frames of `kind` the device (`side` 0) or the server (1) sent.
    pub fn count(&self, side: usize, kind: Kind) -> u32 {
        let k = Kind::ALL.iter().position(|x| *x == kind).unwrap_or(0);
        self.kinds
            .get(side)
            .and_then(|s| s.get(k))
            .copied()
            .unwrap_or(0)
    }
}
