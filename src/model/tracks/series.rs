//! Time series of one device for the plots, over capture time.
//!
//! Every frame of the device with a time is put on its timeline, `(t, frame)`, `t` in seconds
//! since the Unix epoch (capture time; when a frame has none, as in a raw byte stream, the fix
//! time in UTC; frames with neither are not plotted). A series' sample is the place of its frame
//! on that timeline and an `f32` value: eight bytes, where a `[t, value]` pair and a frame number
//! took 24 (the window holds every sample of every device; a 1 GiB capture has tens of millions).
//! [`Series`] is a view that gives back `[t, value]` and the frame of each sample, so that a
//! point under the cursor leads back to its frame. Samples come in the order frames arrive,
//! which is capture time order; lookups stay correct (and linear) if they are not.

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

    /// Position in [`SeriesKind::ALL`] (the declaration order).
    fn index(self) -> usize {
        self as usize
    }

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

/// One sample of a series: where its frame is on the device's timeline, and the value.
///
/// Eight bytes: the time and frame number are the timeline's (every sample belongs to a frame
/// already on it), and values arrive as `f32` (speed, vitals) or are small (0/1 flags, intervals
/// in seconds, where `f32` keeps a millisecond up to about two hours and 8 ms at a day).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    /// Index into [`TimeSeries::timeline`].
    at: u32,
    /// The value (always finite).
    value: f32,
}

/// The samples of one kind.
#[derive(Debug, Clone, PartialEq)]
struct Samples {
    samples: Vec<Sample>,
    /// Whether the samples' times never decrease.
    sorted: bool,
}

impl Default for Samples {
    fn default() -> Self {
        Self {
            samples: Vec::new(),
            sorted: true,
        }
    }
}

/// One series of a device, as a view over its samples and the device's timeline.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// What it measures.
    pub kind: SeriesKind,
    samples: &'a Samples,
    timeline: &'a [(f64, u64)],
}

impl<'a> Series<'a> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.samples.len()
    }

    /// True when there is no sample.
    pub fn is_empty(&self) -> bool {
        self.samples.samples.is_empty()
    }

    fn entry(&self, s: &Sample) -> (f64, u64) {
        self.timeline
            .get(s.at as usize)
            .copied()
            .unwrap_or((f64::NAN, u64::MAX))
    }

    /// Sample `i` as `[t, value]`: seconds since the Unix epoch, and the value.
    pub fn point(&self, i: usize) -> Option<[f64; 2]> {
        let s = self.samples.samples.get(i)?;
        Some([self.entry(s).0, f64::from(s.value)])
    }

    /// Every sample as `[t, value]`, in arrival order.
    pub fn points(&self) -> impl ExactSizeIterator<Item = [f64; 2]> + 'a {
        let me = *self;
        me.samples
            .samples
            .iter()
            .map(move |s| [me.entry(s).0, f64::from(s.value)])
    }

    /// Frame index of sample `i`.
    pub fn frame(&self, i: usize) -> Option<u64> {
        let s = self.samples.samples.get(i)?;
        self.timeline.get(s.at as usize).map(|e| e.1)
    }

    /// Frame index of every sample, parallel to [`Series::points`].
    pub fn frames(&self) -> impl ExactSizeIterator<Item = u64> + 'a {
        let me = *self;
        me.samples.samples.iter().map(move |s| me.entry(s).1)
    }

    /// Index of the sample nearest in time to `t` (the earlier one on a tie, the first of
    /// several at the same time), `None` when empty or `t` is NaN. Binary search while samples
    /// are in time order.
    pub fn nearest(&self, t: f64) -> Option<usize> {
        nearest_index(
            &self.samples.samples,
            |s| self.entry(s).0,
            self.samples.sorted,
            t,
        )
    }

    /// Frame of the sample nearest in time to `t`.
    pub fn nearest_frame(&self, t: f64) -> Option<u64> {
        self.nearest(t).and_then(|i| self.frame(i))
    }

    /// Smallest and largest value, `None` when empty.
    pub fn value_range(&self) -> Option<(f64, f64)> {
        range(self.samples.samples.iter().map(|s| f64::from(s.value)))
    }

    /// First and last time, `None` when empty.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        range(self.points().map(|p| p[0]))
    }
}

/// All series of one device, and the time of every frame of it for the shared cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    /// Per kind, in [`SeriesKind::ALL`] order.
    kinds: [Samples; SeriesKind::ALL.len()],
    /// `(t, frame)` of every frame of the device, both directions.
    timeline: Vec<(f64, u64)>,
    timeline_sorted: bool,
    last_report: Option<f64>,
    last_heartbeat: Option<f64>,
}

impl Default for TimeSeries {
    fn default() -> Self {
        Self {
            kinds: Default::default(),
            timeline: Vec::new(),
            timeline_sorted: true,
            last_report: None,
            last_heartbeat: None,
        }
    }
}

impl TimeSeries {
    /// The series of `kind`.
    pub fn get(&self, kind: SeriesKind) -> Series<'_> {
        static EMPTY: Samples = Samples {
            samples: Vec::new(),
            sorted: true,
        };
        Series {
            kind,
            samples: self.kinds.get(kind.index()).unwrap_or(&EMPTY),
            timeline: &self.timeline,
        }
    }

    /// Every series, in [`SeriesKind::ALL`] order (empty ones included).
    pub fn iter(&self) -> impl Iterator<Item = Series<'_>> {
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

    /// Adds a sample of `kind` to the frame last put on the timeline ([`TimeSeries::frame`]);
    /// ignored unless `value` is finite (as an `f32`) and a frame is there.
    pub(crate) fn push(&mut self, kind: SeriesKind, value: f64) {
        let value = value as f32;
        let Some(last) = self.timeline.len().checked_sub(1) else {
            return;
        };
        let (Ok(at), true) = (u32::try_from(last), value.is_finite()) else {
            return;
        };
        let t = self.timeline.get(last).map_or(f64::NAN, |e| e.0);
        let timeline = &self.timeline;
        let Some(k) = self.kinds.get_mut(kind.index()) else {
            return;
        };
        if let Some(prev) = k.samples.last()
            && timeline.get(prev.at as usize).is_some_and(|e| e.0 > t)
        {
            k.sorted = false;
        }
        k.samples.push(Sample { at, value });
    }

    /// Puts a frame on the timeline; ignored when `t` is not finite (and then so are its
    /// samples).
    pub(crate) fn frame(&mut self, t: f64, frame: u64) -> bool {
        if !t.is_finite() {
            return false;
        }
        if self.timeline.last().is_some_and(|p| p.0 > t) {
            self.timeline_sorted = false;
        }
        self.timeline.push((t, frame));
        true
    }

    /// Records a report at `t` (the frame last put on the timeline) and its interval from the
    /// previous one.
    pub(crate) fn report(&mut self, t: f64) {
        if let Some(prev) = self.last_report.replace(t) {
            self.push(SeriesKind::ReportInterval, t - prev);
        }
    }

    /// Records a heartbeat at `t` and its interval from the previous one.
    pub(crate) fn heartbeat(&mut self, t: f64) {
        if let Some(prev) = self.last_heartbeat.replace(t) {
            self.push(SeriesKind::HeartbeatInterval, t - prev);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_index_in_all_order() {
        for (i, k) in SeriesKind::ALL.into_iter().enumerate() {
            assert_eq!(k.index(), i, "{k:?}");
        }
    }
}
