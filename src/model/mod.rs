//! The capture model: what a run of the pipeline amounts to. Devices, flows, findings,
//! photos and totals, built frame by frame from [`Decoded`] frames, the same for the headless
//! `stats` command and the window.

pub mod arena;
pub mod checklist;
pub mod diagnose;
pub mod diff;
pub mod filter;
pub mod store;
mod tally;
pub mod tracks;

use std::collections::BTreeMap;

use serde::Serialize;

pub use diagnose::{Diagnoser, Finding as SessionFinding};

use crate::pipeline::{Decoded, FlowSummary};
use crate::protocol::{Fix, Imei, Kind, Media, MediaItem, Severity};
use tally::{Counts, KindCounts};

/// One device's totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Device {
    /// IMEI.
    pub imei: String,
    /// Protocol it speaks.
    pub protocol: &'static str,
    /// Most frequent firmware guess.
    pub firmware: &'static str,
    /// Frames from or to it.
    pub frames: u64,
    /// Frames by kind.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// First capture time (ns) or device time when no capture time.
    pub first_seen: Option<i64>,
    /// Last capture time (ns).
    pub last_seen: Option<i64>,
    /// Frames with an error.
    pub errors: u64,
    /// Frames with a warning.
    pub warnings: u64,
    /// Alarm frames.
    pub alarms: u64,
    /// Reports with a valid fix.
    pub valid_fixes: u64,
    /// Reports with an invalid fix.
    pub invalid_fixes: u64,
    /// Last position.
    pub last_fix: Option<Fix>,
    /// Zone offsets the device clock showed (seconds -> reports).
    pub tz_offsets: BTreeMap<i32, u64>,
    /// Flows it used.
    pub flows: Vec<u32>,
    /// Server commands sent to it, by code.
    pub commands: BTreeMap<String, u64>,
    #[serde(skip)]
    firmware_votes: Counts,
    /// Frames by kind while the run goes on ([`by_kind`](Self::by_kind) is built from it).
    #[serde(skip)]
    kinds: KindCounts,
}

/// A finding code's totals.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Code.
    pub code: &'static str,
    /// Frames carrying it.
    pub count: u64,
    /// First message seen with it.
    pub example: String,
    /// First frames carrying it (up to 100).
    pub frames: Vec<u64>,
}

/// A photo put back together.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoSummary {
    /// Device.
    pub imei: String,
    /// Packets announced.
    pub expected: u32,
    /// Packets received.
    pub received: u32,
    /// Missing packet indexes.
    pub missing: Vec<u16>,
    /// JPEG size.
    pub bytes: usize,
    /// Starts with SOI and ends with EOI.
    pub complete_jpeg: bool,
    /// Capture time (ns since the epoch) of the frame that completed it, or of the device's last
    /// frame for a photo left unfinished at the end of the run; `None` without capture times.
    pub ts: Option<i64>,
    #[serde(skip)]
    /// The JPEG bytes.
    pub jpeg: Vec<u8>,
}

impl From<MediaItem> for PhotoSummary {
    fn from(p: MediaItem) -> Self {
        Self {
            imei: p.imei.map(|i| i.to_string()).unwrap_or_default(),
            expected: p.expected,
            received: p.received,
            missing: p.missing,
            bytes: p.bytes.len(),
            complete_jpeg: p.complete,
            ts: None,
            jpeg: p.bytes,
        }
    }
}

/// Most devices tracked one by one; frames of further devices are only counted.
pub const MAX_DEVICES: usize = 100_000;

/// Bytes of finished photos kept for writing out (`decode --photos`, `export --to photos`),
/// all photos together; photos past it are listed and counted but their bytes are not kept.
/// (Each photo being put together is bounded too: see `protocol::bn407::photo`.)
pub const MAX_PHOTO_BYTES_KEPT: usize = 256 << 20;

/// Totals of a run.
#[derive(Default, Serialize)]
pub struct Stats {
    /// Complete frames (not truncated).
    pub frames: u64,
    /// Frames cut off by the end of a stream.
    pub truncated: u64,
    /// Frames by protocol.
    pub by_protocol: BTreeMap<&'static str, u64>,
    /// Frames by kind.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Frames by firmware guess.
    pub by_firmware: BTreeMap<&'static str, u64>,
    /// Frames with at least one error.
    pub errors: u64,
    /// Frames with at least one warning (and no error).
    pub warnings: u64,
    /// Bytes in frames.
    pub bytes: u64,
    /// Bytes in frames by direction.
    pub bytes_by_direction: BTreeMap<&'static str, u64>,
    /// Findings by code.
    pub findings: BTreeMap<&'static str, Finding>,
    /// Devices by IMEI.
    pub devices: BTreeMap<Imei, Device>,
    /// Photos reassembled.
    pub photos: Vec<PhotoSummary>,
    /// Frames of devices not tracked because [`MAX_DEVICES`] were already known.
    pub devices_over_limit: u64,
    /// Photo packets not kept because a photo or all unfinished photos together reached their
    /// memory bound (`protocol::bn407::photo::MAX_PHOTO`, `MAX_HELD`).
    pub photo_packets_dropped: u64,
    /// Photos whose bytes were not kept because [`MAX_PHOTO_BYTES_KEPT`] were already held.
    pub photos_not_kept: u64,
    /// Bytes of the photos kept.
    #[serde(skip)]
    photo_bytes: usize,
    /// Bytes of photos kept at most, when not [`MAX_PHOTO_BYTES_KEPT`].
    #[serde(skip)]
    photo_budget: Option<usize>,
    /// Flows.
    #[serde(skip)]
    pub flows: Vec<FlowSummary>,
    /// What the network layer counted.
    pub net: crate::net::NetStats,
    /// Media assemblers of the protocols seen, by protocol name.
    #[serde(skip)]
    media: BTreeMap<&'static str, Box<dyn Media>>,
    /// Findings about devices, flows and the capture: when the run has finished.
    pub diagnosis: Vec<SessionFinding>,
    #[serde(skip)]
    diagnoser: Diagnoser,
    /// Counters of the run, from which the maps above are built when it ends.
    #[serde(skip)]
    tally: Tally,
}

/// What [`Stats::add`] counts frame by frame; the public maps are built from it.
#[derive(Default)]
struct Tally {
    kinds: KindCounts,
    protocols: Counts,
    firmware: Counts,
    directions: Counts,
    /// Devices by their number in the run ([`Decoded::device_no`]).
    devices: Vec<Option<(Imei, Device)>>,
}

impl Tally {
    /// The devices by IMEI, each with its totals by kind and its firmware guess: a copy, for a
    /// snapshot of a run still going.
    fn devices(&self) -> BTreeMap<Imei, Device> {
        by_imei(self.devices.iter().flatten().cloned())
    }

    /// The same, taking them: the run has ended.
    fn take_devices(&mut self) -> BTreeMap<Imei, Device> {
        by_imei(std::mem::take(&mut self.devices).into_iter().flatten())
    }
}

fn by_imei(devices: impl Iterator<Item = (Imei, Device)>) -> BTreeMap<Imei, Device> {
    devices
        .map(|(imei, mut dev)| {
            dev.by_kind = dev.kinds.by_name();
            dev.firmware = dev.firmware_guess();
            (imei, dev)
        })
        .collect()
}

impl Stats {
    /// Adds one frame.
    pub fn add(&mut self, d: &Decoded<'_>) {
        self.diagnoser.add(d);
        let m = &d.message;
        if d.flags.truncated {
            self.truncated += 1;
        } else {
            self.frames += 1;
        }
        let t = &mut self.tally;
        t.protocols.add(d.protocol.name, 1);
        t.kinds.add(m.kind, 1);
        t.firmware.add(m.firmware_name(), 1);
        t.directions.add(d.direction.as_str(), d.bytes.len() as u64);
        self.bytes += d.bytes.len() as u64;
        let worst = m.max_severity();
        match worst {
            Some(Severity::Error) => self.errors += 1,
            Some(Severity::Warning) => self.warnings += 1,
            _ => {}
        }
        for diag in &m.diagnostics {
            let f = self.findings.entry(diag.code).or_insert_with(|| Finding {
                severity: diag.severity,
                code: diag.code,
                count: 0,
                example: diag.message.to_string(),
                frames: Vec::new(),
            });
            f.count += 1;
            if f.frames.len() < 100 && f.frames.last() != Some(&d.index) {
                f.frames.push(d.index);
            }
        }
        let Some(imei) = d.device else { return };
        // Devices are numbered in order of first appearance: the first MAX_DEVICES are
        // tracked, and a flood of made-up identities does not grow memory without bound.
        let Some(no) = d.device_no.map(|n| n as usize).filter(|&n| n < MAX_DEVICES) else {
            self.devices_over_limit += 1;
            return;
        };
        let devices = &mut self.tally.devices;
        if devices.len() <= no {
            devices.resize_with(no + 1, || None);
        }
        let Some(slot) = devices.get_mut(no) else {
            return;
        };
        let (_, dev) = slot.get_or_insert_with(|| {
            let dev = Device {
                imei: imei.to_string(),
                ..Default::default()
            };
            (imei, dev)
        });
        dev.protocol = d.protocol.name;
        dev.frames += 1;
        dev.kinds.add(m.kind, 1);
        let t = d.ts;
        if dev.first_seen.is_none() {
            dev.first_seen = t;
        }
        if t.is_some() {
            dev.last_seen = t;
        }
        match worst {
            Some(Severity::Error) => dev.errors += 1,
            Some(Severity::Warning) => dev.warnings += 1,
            _ => {}
        }
        if m.alarm {
            dev.alarms += 1;
        }
        if let Some(fix) = m.fix {
            if fix.valid {
                dev.valid_fixes += 1;
            } else {
                dev.invalid_fixes += 1;
            }
            dev.last_fix = Some(fix);
        }
        if let Some(o) = m.vitals.tz_offset {
            *dev.tz_offsets.entry(o).or_default() += 1;
        }
        if let Some(g) = m.firmware {
            dev.firmware_votes.add(g.name, 1);
        }
        if m.kind == Kind::Command
            && let Some(code) = m.keyword_text(d.bytes)
        {
            *dev.commands.entry(code.to_string()).or_default() += 1;
        }
        if dev.flows.last() != Some(&d.flow.id) && !dev.flows.contains(&d.flow.id) {
            dev.flows.push(d.flow.id);
        }
        self.photos_of(d, imei);
    }

    fn photos_of(&mut self, d: &Decoded<'_>, imei: Imei) {
        let Some(make) = d.protocol.hooks.media else {
            return;
        };
        let media = self.media.entry(d.protocol.name).or_insert_with(make);
        for p in media.frame(imei, &d.message, d.bytes) {
            self.keep_photo(PhotoSummary {
                ts: d.ts,
                ..p.into()
            });
        }
    }

    /// Keeps the bytes of at most `n` bytes of photos instead of [`MAX_PHOTO_BYTES_KEPT`].
    pub fn keep_photo_bytes_at_most(&mut self, n: usize) {
        self.photo_budget = Some(n);
    }

    /// Bytes of photos kept at most.
    pub fn photo_budget(&self) -> usize {
        self.photo_budget.unwrap_or(MAX_PHOTO_BYTES_KEPT)
    }

    /// Lists a photo; keeps its bytes while [`Stats::photo_budget`] allows.
    fn keep_photo(&mut self, mut p: PhotoSummary) {
        if self.photo_bytes + p.jpeg.len() > self.photo_budget() {
            p.jpeg = Vec::new();
            self.photos_not_kept += 1;
        } else {
            self.photo_bytes += p.jpeg.len();
        }
        self.photos.push(p);
    }

    /// One line about `findings` of this run, for reports: `3 findings: 1 error, 1 warning,
    /// 1 info (162 frames, 1 devices, 1 flows)`.
    pub fn findings_headline<'a>(
        &self,
        findings: impl IntoIterator<Item = &'a SessionFinding>,
    ) -> String {
        let mut n = [0usize; 3];
        for f in findings {
            let i = match f.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            };
            if let Some(c) = n.get_mut(i) {
                *c += 1;
            }
        }
        let [e, w, i] = n;
        format!(
            "{} findings: {e} error, {w} warning, {i} info ({} frames, {} devices, {} flows)",
            e + w + i,
            self.frames + self.truncated,
            self.devices.len(),
            self.flows.len()
        )
    }

    /// Ends the run: unfinished photos, flows, the firmware of each device.
    pub fn finish(&mut self, flows: Vec<FlowSummary>) {
        self.fold();
        let mut unfinished = Vec::new();
        for media in self.media.values_mut() {
            for p in media.finish() {
                let ts = p
                    .imei
                    .and_then(|i| self.devices.get(&i))
                    .and_then(|d| d.last_seen);
                unfinished.push(PhotoSummary { ts, ..p.into() });
            }
        }
        for p in unfinished {
            self.keep_photo(p);
        }
        self.photo_packets_dropped = self.media.values().map(|m| m.dropped()).sum();
        self.diagnosis = self.diagnoser.finish(&flows);
        self.flows = flows;
    }

    /// Builds the public maps from the run's counters.
    fn fold(&mut self) {
        let t = &mut self.tally;
        self.by_protocol = t.protocols.to_map();
        self.by_kind = t.kinds.by_name();
        self.by_firmware = t.firmware.to_map();
        self.bytes_by_direction = t.directions.to_map();
        self.devices = t.take_devices();
    }

    /// The totals so far, with the findings judged against `flows`, for a view of a run still
    /// going (live): a copy, so the run goes on.
    pub fn snapshot(&self, flows: Vec<FlowSummary>) -> Stats {
        let t = &self.tally;
        Stats {
            frames: self.frames,
            truncated: self.truncated,
            by_protocol: t.protocols.to_map(),
            by_kind: t.kinds.by_name(),
            by_firmware: t.firmware.to_map(),
            errors: self.errors,
            warnings: self.warnings,
            bytes: self.bytes,
            bytes_by_direction: t.directions.to_map(),
            findings: self.findings.clone(),
            devices: t.devices(),
            photos: self.photos.clone(),
            devices_over_limit: self.devices_over_limit,
            photo_packets_dropped: self.media.values().map(|m| m.dropped()).sum(),
            photos_not_kept: self.photos_not_kept,
            photo_bytes: self.photo_bytes,
            photo_budget: self.photo_budget,
            diagnosis: self.diagnoser.finish(&flows),
            flows,
            net: self.net.clone(),
            media: BTreeMap::new(),
            diagnoser: Diagnoser::default(),
            tally: Tally::default(),
        }
    }
}

impl Device {
    /// The most frequent firmware guess of its frames.
    fn firmware_guess(&self) -> &'static str {
        self.firmware_votes.most().unwrap_or("unknown")
    }
}
