//! What passes between the live engine and the window: the engine's sink builds batches of
//! frames (as the loader does for a file), totals and checklists, and sends them with counters
//! and events; the window keeps what the panel shows in a [`LiveStatus`].

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::{Instant, SystemTime};

use crate::live::{Counters, DeviceLink, LiveEvent, LiveSink, Mode};
use crate::model::Stats;
use crate::model::checklist::{Checklist, Checklists};
use crate::model::store::{FrameStore, StoreBuilder};
use crate::pipeline::{Decoded, FlowSummary};

/// What the live engine sends the window.
pub enum LiveMsg {
    /// More frames.
    Batch(FrameStore),
    /// Something happened.
    Event(LiveEvent),
    /// Counters and links, about ten times a second.
    Tick(Counters, Vec<DeviceLink>),
    /// Totals, findings and checklists, about once a second.
    Snapshot(Box<Stats>, Vec<Checklist>),
}

/// The engine's sink in the window: batches frames, keeps the totals and the checklists.
pub struct WindowSink {
    tx: Sender<LiveMsg>,
    wake: Box<dyn Fn() + Send>,
    builder: StoreBuilder,
    stats: Stats,
    checklists: Checklists,
}

impl WindowSink {
    /// A sink sending to `tx`, calling `wake` when it sent something.
    pub fn new(tx: Sender<LiveMsg>, wake: impl Fn() + Send + 'static) -> Self {
        Self {
            tx,
            wake: Box::new(wake),
            builder: StoreBuilder::new(),
            stats: Stats::default(),
            checklists: Checklists::new(),
        }
    }

    fn send(&mut self, m: LiveMsg) {
        let _ = self.tx.send(m);
        (self.wake)();
    }
}

impl LiveSink for WindowSink {
    fn frame(&mut self, d: &Decoded<'_>) {
        self.builder.add(d);
        self.stats.add(d);
        self.checklists.add(d);
        if self.builder.pending() >= 4096 {
            let b = self.builder.take();
            self.send(LiveMsg::Batch(b));
        }
    }

    fn event(&mut self, e: &LiveEvent) {
        if let LiveEvent::Connected {
            flow,
            transport,
            peer,
        } = e
        {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_nanos()).ok());
            self.checklists.connected(*flow, transport, *peer, now);
        }
        self.send(LiveMsg::Event(e.clone()));
    }

    fn tick(&mut self, counters: &Counters, links: &[DeviceLink]) {
        if self.builder.pending() > 0 {
            let b = self.builder.take();
            let _ = self.tx.send(LiveMsg::Batch(b));
        }
        self.send(LiveMsg::Tick(*counters, links.to_vec()));
    }

    fn flows(&mut self, flows: Vec<FlowSummary>) {
        let snap = self.stats.snapshot(flows);
        let lists = self.checklists.all().cloned().collect();
        self.send(LiveMsg::Snapshot(Box::new(snap), lists));
    }
}

/// What the window knows of the live session, for the panel.
#[derive(Default)]
pub struct LiveStatus {
    /// Running now.
    pub running: bool,
    /// The mode it runs in.
    pub mode: Option<Mode>,
    /// Bound addresses (`tcp 0.0.0.0:8888`).
    pub bound: Vec<String>,
    /// The recording.
    pub recording: Option<PathBuf>,
    /// Counters.
    pub counters: Counters,
    /// Devices' links.
    pub links: Vec<DeviceLink>,
    /// Checklists.
    pub checklists: Vec<Checklist>,
    /// Recent events, newest last.
    pub events: VecDeque<String>,
    /// Why it could not start or stopped.
    pub error: Option<String>,
    /// When it started.
    pub started: Option<Instant>,
}

impl LiveStatus {
    /// Takes a message from the engine.
    pub fn take(&mut self, m: LiveEvent) {
        if let LiveEvent::Listening { on, .. } = &m {
            self.bound = on.clone();
        }
        let line = match &m {
            LiveEvent::CommandSent { imei, what, queued } => format!(
                "command to {imei}: {what}{}",
                if *queued {
                    " (queued: it goes out right after the unit's next datagram)"
                } else {
                    ""
                }
            ),
            LiveEvent::Recording { file } => format!("recorded {file}"),
            LiveEvent::Stopped { counters } => {
                self.counters = *counters;
                "stopped".to_string()
            }
            LiveEvent::Listening { .. }
            | LiveEvent::Connected { .. }
            | LiveEvent::Refused { .. }
            | LiveEvent::Closed { .. }
            | LiveEvent::PlatformUnreachable { .. }
            | LiveEvent::CommandFailed { .. } => m.words().unwrap_or_default(),
        };
        self.events.push_back(line);
        while self.events.len() > 200 {
            self.events.pop_front();
        }
    }
}
