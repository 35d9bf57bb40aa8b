//! Time series of one device for the plots, over capture time.
//!
//! Every series holds `[t, value]` pairs, `t` in seconds since the Unix epoch (capture time;
//! when a frame has none, as in a raw byte stream, the fix time in UTC; frames with neither are
//! not plotted), and beside them the frame index of each sample, so that a point under the
//! cursor leads back to its frame. Samples come in the order frames arrive, which is capture
//! time order; lookups stay correct (and linear) if they are not.

use serde::Serialize;

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// Speed of each fix, km/h.
    Speed,
    /// Altitude, metres.
    Altitude,
    /// Battery level, percent.
    Battery,
    /// Fuel level, percent or as sent.
    Fuel,
    /// Temperature, °C.
    Temperature,
    /// 1 for a valid fix, 0 for a last-known position.
    FixValid,
    /// 1 with the ignition (ACC) on, 0 off.
    Ignition,
    /// Seconds since the device's previous report.
    ReportInterval,
    /// Seconds since the device's previous heartbeat.
    HeartbeatInterval,
}

impl SeriesKind {
    /// Every kind, in display order.
    pub const ALL: [SeriesKind; 9] = [
        SeriesKind::Speed,
        SeriesKind::Altitude,
        SeriesKind::Battery,
        SeriesKind::Fuel,
        SeriesKind::Temperature,
        SeriesKind::FixValid,
        SeriesKind::Ignition,
        SeriesKind::ReportInterval,
        SeriesKind::HeartbeatInterval,
    ];

    /// A label for a plot legend.
    pub fn label(self) -> &'static str {
        match self {
            SeriesKind::Speed => "Speed",
            SeriesKind::Altitude => "Altitude",
            SeriesKind::Battery => "Battery",
            SeriesKind::Fuel => "Fuel",
            SeriesKind::Temperature => "Temperature",
            SeriesKind::FixValid => "Fix valid",
            SeriesKind::Ignition => "Ignition",
            SeriesKind::ReportInterval => "Report interval",
            SeriesKind::HeartbeatInterval => "Heartbeat interval",
        }
    }

    /// The unit of the values.
    pub fn unit(self) -> &'static str {
        match self {
            SeriesKind::Speed => "km/h",
            SeriesKind::Altitude => "m",
            SeriesKind::Battery | SeriesKind::Fuel => "%",
            SeriesKind::Temperature => "°C",
            SeriesKind::FixValid | SeriesKind::Ignition => "",
            SeriesKind::ReportInterval | SeriesKind::HeartbeatInterval => "s",
        }
    }
}

/// One series: samples and the frame of each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// What it measures.
    pub kind: SeriesKind,
    /// `[t, value]`: seconds since the Unix epoch, and the value (always finite). The shape
    /// `egui_plot::PlotPoints` takes (`PlotPoints::from(series.points.clone())`).
    pub points: Vec<[f64; 2]>,
    /// Frame index of each sample, parallel to `points`.
    pub frames: Vec<u64>,
    #[serde(skip)]
    sorted: bool,
}

impl Series {
    /// An empty series.
    pub fn new(kind: SeriesKind) -> Self {
        Self {
            kind,
            points: Vec::new(),
            frames: Vec::new(),
            sorted: true,
        }
    }

    /// Adds a sample; ignored unless `t` and `value` are finite.
    pub fn push(&mut self, t: f64, value: f64, frame: u64) {
        if !(t.is_finite() && value.is_finite()) {
            return;
        }
        if self.points.last().is_some_and(|p| p[0] > t) {
            self.sorted = false;
        }
        self.points.push([t, value]);
        self.frames.push(frame);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when there is no sample.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Index of the sample nearest in time to `t` (the earlier one on a tie, the first of
    /// several at the same time), `None` when empty or `t` is NaN. Binary search while samples are in time order.
    pub fn nearest(&self, t: f64) -> Option<usize> {
        nearest_index(&self.points, |p| p[0], self.sorted, t)
    }

    /// Frame of the sample nearest in time to `t`.
    pub fn nearest_frame(&self, t: f64) -> Option<u64> {
        self.nearest(t).and_then(|i| self.frames.get(i).copied())
    }

    /// Smallest and largest value, `None` when empty.
    pub fn value_range(&self) -> Option<(f64, f64)> {
        range(self.points.iter().map(|p| p[1]))
    }

    /// First and last time, `None` when empty.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        range(self.points.iter().map(|p| p[0]))
    }
}

/// All series of one device, and the time of every frame of it for the shared cursor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeSeries {
    speed: Series,
    altitude: Series,
    battery: Series,
    fuel: Series,
    temperature: Series,
    fix_valid: Series,
    ignition: Series,
    report_interval: Series,
    heartbeat_interval: Series,
    /// `(t, frame)` of every frame of the device, both directions.
    timeline: Vec<(f64, u64)>,
    #[serde(skip)]
    timeline_sorted: bool,
    #[serde(skip)]
    last_report: Option<f64>,
    #[serde(skip)]
    last_heartbeat: Option<f64>,
}

impl Default for TimeSeries {
    fn default() -> Self {
        Self {
            speed: Series::new(SeriesKind::Speed),
            altitude: Series::new(SeriesKind::Altitude),
            battery: Series::new(SeriesKind::Battery),
            fuel: Series::new(SeriesKind::Fuel),
            temperature: Series::new(SeriesKind::Temperature),
            fix_valid: Series::new(SeriesKind::FixValid),
            ignition: Series::new(SeriesKind::Ignition),
            report_interval: Series::new(SeriesKind::ReportInterval),
            heartbeat_interval: Series::new(SeriesKind::HeartbeatInterval),
            timeline: Vec::new(),
            timeline_sorted: true,
            last_report: None,
            last_heartbeat: None,
        }
    }
}

impl TimeSeries {
    /// The series of `kind`.
    pub fn get(&self, kind: SeriesKind) -> &Series {
        match kind {
            SeriesKind::Speed => &self.speed,
            SeriesKind::Altitude => &self.altitude,
            SeriesKind::Battery => &self.battery,
            SeriesKind::Fuel => &self.fuel,
            SeriesKind::Temperature => &self.temperature,
            SeriesKind::FixValid => &self.fix_valid,
            SeriesKind::Ignition => &self.ignition,
            SeriesKind::ReportInterval => &self.report_interval,
            SeriesKind::HeartbeatInterval => &self.heartbeat_interval,
        }
    }

    fn get_mut(&mut self, kind: SeriesKind) -> &mut Series {
        match kind {
            SeriesKind::Speed => &mut self.speed,
            SeriesKind::Altitude => &mut self.altitude,
            SeriesKind::Battery => &mut self.battery,
            SeriesKind::Fuel => &mut self.fuel,
            SeriesKind::Temperature => &mut self.temperature,
            SeriesKind::FixValid => &mut self.fix_valid,
            SeriesKind::Ignition => &mut self.ignition,
            SeriesKind::ReportInterval => &mut self.report_interval,
            SeriesKind::HeartbeatInterval => &mut self.heartbeat_interval,
        }
    }

    /// Every series, in [`SeriesKind::ALL`] order (empty ones included).
    pub fn iter(&self) -> impl Iterator<Item = &Series> {
        SeriesKind::ALL.into_iter().map(|k| self.get(k))
    }

    /// The frame of this device nearest in time to `t` (seconds since the Unix epoch), over
    /// every frame of the device including the server's answers.
    pub fn nearest_frame(&self, t: f64) -> Option<u64> {
        self.nearest(t).map(|p| p.1)
    }

    /// Time and frame of the frame of this device nearest in time to `t`.
    pub fn nearest(&self, t: f64) -> Option<(f64, u64)> {
        let i = nearest_index(&self.timeline, |p| p.0, self.timeline_sorted, t)?;
        self.timeline.get(i).copied()
    }

    /// First and last time of any frame of the device.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        range(self.timeline.iter().map(|p| p.0))
    }

    /// Number of frames on the timeline.
    pub fn frame_count(&self) -> usize {
        self.timeline.len()
    }

    pub(crate) fn push(&mut self, kind: SeriesKind, t: f64, value: f64, frame: u64) {
        self.get_mut(kind).push(t, value, frame);
    }

    pub(crate) fn frame(&mut self, t: f64, frame: u64) {
        if !t.is_finite() {
            return;
        }
        if self.timeline.last().is_some_and(|p| p.0 > t) {
            self.timeline_sorted = false;
        }
        self.timeline.push((t, frame));
    }

    /// Records a report at `t` and its interval from the previous one.
    pub(crate) fn report(&mut self, t: f64, frame: u64) {
        if let Some(prev) = self.last_report.replace(t) {
            self.push(SeriesKind::ReportInterval, t, t - prev, frame);
        }
    }

    /// Records a heartbeat at `t` and its interval from the previous one.
    pub(crate) fn heartbeat(&mut self, t: f64, frame: u64) {
        if let Some(prev) = self.last_heartbeat.replace(t) {
            self.push(SeriesKind::HeartbeatInterval, t, t - prev, frame);
        }
    }
}

/// Index of the item nearest to `t` by `key`: the earlier one on a tie, the first of several
/// at the same time.
pub(crate) fn nearest_index<T>(
    items: &[T],
    key: impl Fn(&T) -> f64,
    sorted: bool,
    t: f64,
) -> Option<usize> {
    if t.is_nan() || items.is_empty() {
        return None;
    }
    if !sorted {
        return items
            .iter()
            .map(|x| (key(x) - t).abs())
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
    }
    let after = items.partition_point(|x| key(x) < t);
    let pick = match (after.checked_sub(1), items.get(after)) {
        (Some(b), Some(a)) => {
            let db = items.get(b).map_or(f64::INFINITY, |x| (t - key(x)).abs());
            if (key(a) - t).abs() < db { after } else { b }
        }
        (Some(b), None) => b,
        (None, Some(_)) => after,
        (None, None) => return None,
    };
    // Of several items at the same time, the first.
    let k = items.get(pick).map(&key)?;
    Some(items.partition_point(|x| key(x) < k))
}

fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}
