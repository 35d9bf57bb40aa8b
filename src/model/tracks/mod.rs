//! Tracks and time series per device, for the map and the plots.
//!
//! A [`TrackBuilder`] takes decoded frames one at a time ([`TrackBuilder::add`]) and keeps one
//! [`Track`] per device: the positions the device reported, in arrival order, with their
//! frame, capture time, validity, speed and alarm; the device's alarms (placed or not); and its
//! [`TimeSeries`] over capture time (speed, altitude, battery, fuel, temperature, fix validity,
//! ignition, intervals between reports and between heartbeats).
//!
//! Fixes at exactly 0°, 0° (what units send before their first fix) and fixes outside the
//! globe or not finite are not placed; the track counts them ([`Track::skipped`]).
//!
//! For drawing hundreds of thousands of points, each track keeps one index list per zoom level,
//! built as points arrive (Douglas–Peucker in Web Mercator, half a pixel at that zoom, see
//! `tracks/simplify.rs`); [`Track::simplified`] returns the cached list and never computes
//! anything. The first and last points, invalid fixes and alarms are in every list. The newest
//! points (up to [`CHUNK`] a track) stay unsimplified until [`TrackBuilder::finish`] or until
//! enough follow.
//!
//! The window can feed the builder from the loader (with [`TrackBuilder::add`]) or from its
//! frame store (with [`TrackBuilder::add_message`] and a frame's re-decoded summary).

mod series;
mod simplify;

use std::collections::BTreeMap;

/// Looked up for every frame: a fast hasher, randomly seeded.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub use series::{Series, SeriesKind, TimeSeries};
pub use simplify::Simplified;
#[doc(hidden)]
pub use simplify::segment_distance;
pub use simplify::{CHUNK, LEVELS, tolerance};

use crate::map::geo::{self, BBox};
use crate::pipeline::Decoded;
use crate::protocol::{AlarmClass, Direction, Imei, Kind, Message};

/// Track colours as RGB, one per device in first-appearance order ([`Track::ordinal`], cycled):
/// the window's map and plots and the exported maps (KML styles, PNG) use the same ones.
pub const DEVICE_RGB: [[u8; 3]; 8] = [
    [0x1f, 0x77, 0xb4],
    [0xd6, 0x27, 0x28],
    [0x2c, 0xa0, 0x2c],
    [0x94, 0x67, 0xbd],
    [0xff, 0x7f, 0x0e],
    [0x17, 0xbe, 0xcf],
    [0x8c, 0x56, 0x4b],
    [0xe3, 0x77, 0xc2],
];

/// The colour of the `i`-th device ([`Track::ordinal`]), from [`DEVICE_RGB`].
pub fn device_rgb(i: usize) -> [u8; 3] {
    DEVICE_RGB
        .get(i % DEVICE_RGB.len())
        .copied()
        .unwrap_or([0x80, 0x80, 0x80])
}

/// No time, in [`TrackPoint`]'s compact fields.
const NO_TIME: i64 = i64::MIN;

/// One placed position.
///
/// 56 bytes, read through its methods: times and speed are kept without `Option`'s tag (a
/// sentinel and NaN), and an alarm's keyword is the track's ([`Track::alarm_at`]), since a
/// capture of a fleet holds millions of points.
#[derive(Debug, Clone)]
pub struct TrackPoint {
    frame: u64,
    /// Capture time, ns since the Unix epoch, [`NO_TIME`] when none.
    t_ns: i64,
    /// Fix time, ms since the Unix epoch, [`NO_TIME`] when none.
    fix_time_ms: i64,
    lat: f64,
    lon: f64,
    /// km/h, NaN when none.
    speed_kmh: f32,
    /// Degrees, NaN when none.
    course: f32,
    alarm_class: Option<AlarmClass>,
    alarm: bool,
    valid: bool,
}

/// Equal when every field is: a missing speed or course (NaN inside) equals a missing one.
impl PartialEq for TrackPoint {
    fn eq(&self, o: &Self) -> bool {
        self.frame == o.frame
            && self.t_ns == o.t_ns
            && self.fix_time_ms == o.fix_time_ms
            && self.lat == o.lat
            && self.lon == o.lon
            && self.speed_kmh.to_bits() == o.speed_kmh.to_bits()
            && self.course.to_bits() == o.course.to_bits()
            && self.alarm_class == o.alarm_class
            && self.alarm == o.alarm
            && self.valid == o.valid
    }
}

impl TrackPoint {
    /// A valid position of frame `frame`, with no time, speed, course or alarm.
    pub fn new(frame: u64, lat: f64, lon: f64) -> Self {
        Self {
            frame,
            t_ns: NO_TIME,
            fix_time_ms: NO_TIME,
            lat,
            lon,
            speed_kmh: f32::NAN,
            course: f32::NAN,
            alarm_class: None,
            alarm: false,
            valid: true,
        }
    }

    /// With its capture time (ns) and fix time (ms) since the Unix epoch.
    pub fn with_times(mut self, t_ns: Option<i64>, fix_time_ms: Option<i64>) -> Self {
        self.t_ns = t_ns.unwrap_or(NO_TIME);
        self.fix_time_ms = fix_time_ms.unwrap_or(NO_TIME);
        self
    }

    /// With its speed (km/h) and course (degrees).
    pub fn with_motion(mut self, speed_kmh: Option<f32>, course: Option<f32>) -> Self {
        self.speed_kmh = speed_kmh.unwrap_or(f32::NAN);
        self.course = course.unwrap_or(f32::NAN);
        self
    }

    /// Valid, or a last-known position.
    pub fn with_valid(mut self, valid: bool) -> Self {
        self.valid = valid;
        self
    }

    /// Whether the report is an alarm, and what the frame's alarm is about.
    pub fn with_alarm(mut self, alarm: bool, class: Option<AlarmClass>) -> Self {
        self.alarm = alarm;
        self.alarm_class = class;
        self
    }

    /// Frame index in the run.
    pub fn frame(&self) -> u64 {
        self.frame
    }

    /// Capture time, ns since the Unix epoch.
    pub fn t_ns(&self) -> Option<i64> {
        (self.t_ns != NO_TIME).then_some(self.t_ns)
    }

    /// Fix time (UTC), ms since the Unix epoch, when the device's date is known.
    pub fn fix_time_ms(&self) -> Option<i64> {
        (self.fix_time_ms != NO_TIME).then_some(self.fix_time_ms)
    }

    /// Latitude, degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude, degrees.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// False for a last-known position (`V`).
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// Speed, km/h.
    pub fn speed_kmh(&self) -> Option<f32> {
        (!self.speed_kmh.is_nan()).then_some(self.speed_kmh)
    }

    /// Course, degrees.
    pub fn course(&self) -> Option<f32> {
        (!self.course.is_nan()).then_some(self.course)
    }

    /// True when the report is an alarm (its keyword: [`Track::alarm_at`]).
    pub fn is_alarm(&self) -> bool {
        self.alarm
    }

    /// What the frame's alarm is about.
    pub fn alarm_class(&self) -> Option<AlarmClass> {
        self.alarm_class
    }

    /// `(lon, lat)`.
    pub fn lon_lat(&self) -> (f64, f64) {
        (self.lon, self.lat)
    }

    /// The time to plot it at: capture time, else fix time; seconds since the Unix epoch.
    pub fn t_seconds(&self) -> Option<f64> {
        frame_time(self.t_ns(), self.fix_time_ms())
    }
}

/// An alarm frame of the device, with or without a position.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmEvent {
    /// Frame index.
    pub frame: u64,
    /// Capture time, ns since the Unix epoch.
    pub t_ns: Option<i64>,
    /// Keyword as sent.
    pub keyword: Box<str>,
    /// What it means (`SOS button`), when known.
    pub meaning: Option<&'static str>,
    /// What it is about.
    pub class: AlarmClass,
    /// Index into [`Track::points`] when the alarm carried a placeable fix.
    pub point: Option<u32>,
}

/// Fixes that were not placed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Exactly 0°, 0°.
    pub zero: u64,
    /// Not finite, or outside ±90° / ±180°.
    pub out_of_range: u64,
    /// Beyond the 4,294,967,295 points one track holds.
    pub over_capacity: u64,
}

/// One device's track, alarms and time series.
#[derive(Debug, Clone)]
pub struct Track {
    device: Option<Imei>,
    /// How many devices had a track before this one (first appearance order).
    ordinal: usize,
    points: Vec<TrackPoint>,
    /// Each point projected to Web Mercator world coordinates ([`geo::lonlat_to_world`]), once.
    world: Vec<(f64, f64)>,
    bbox: BBox,
    alarms: Vec<AlarmEvent>,
    skipped: Skipped,
    valid_points: usize,
    points_sorted: bool,
    length_m: f64,
    last_valid: Option<(f64, f64)>,
    levels: simplify::Levels,
    series: TimeSeries,
}

impl Track {
    fn new(device: Option<Imei>, ordinal: usize) -> Self {
        Self {
            device,
            ordinal,
            points: Vec::new(),
            world: Vec::new(),
            bbox: BBox::EMPTY,
            alarms: Vec::new(),
            skipped: Skipped::default(),
            valid_points: 0,
            points_sorted: true,
            length_m: 0.0,
            last_valid: None,
            levels: simplify::Levels::default(),
            series: TimeSeries::default(),
        }
    }

    /// The device (`None` for frames no IMEI could be attributed to).
    pub fn device(&self) -> Option<&Imei> {
        self.device.as_ref()
    }

    /// How many devices got a track before this one in its builder (first appearance
    /// order): a stable key for the device's colour while frames keep coming.
    pub fn ordinal(&self) -> usize {
        self.ordinal
    }

    /// Every placed position, in arrival order.
    pub fn points(&self) -> &[TrackPoint] {
        &self.points
    }

    /// Number of placed positions.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when nothing was placed.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Number of placed positions with a valid fix.
    pub fn valid_len(&self) -> usize {
        self.valid_points
    }

    /// Bounding box of all placed positions (empty when none).
    pub fn bbox(&self) -> BBox {
        self.bbox
    }

    /// The first position (the start marker).
    pub fn start(&self) -> Option<&TrackPoint> {
        self.points.first()
    }

    /// The last position (the end marker).
    pub fn end(&self) -> Option<&TrackPoint> {
        self.points.last()
    }

    /// Every alarm of the device, in arrival order.
    pub fn alarms(&self) -> &[AlarmEvent] {
        &self.alarms
    }

    /// The alarm placed at point `index` of [`Track::points`], if that point is an alarm.
    pub fn alarm_at(&self, index: usize) -> Option<&AlarmEvent> {
        let index = u32::try_from(index).ok()?;
        self.alarms.iter().find(|a| a.point == Some(index))
    }

    /// Fixes that were not placed.
    pub fn skipped(&self) -> Skipped {
        self.skipped
    }

    /// Length along consecutive valid fixes, metres (great circle).
    pub fn length_m(&self) -> f64 {
        self.length_m
    }

    /// The points to draw at `zoom` (fractional zooms round up; NaN means the finest level), as
    /// ascending indices into [`Track::points`]: a subsequence of the track that stays within
    /// a pixel of it (half a pixel but where chunks meet), always holding the first and last
    /// points, invalid fixes and alarms. Cached: costs nothing to call every frame.
    pub fn simplified(&self, zoom: f64) -> Simplified<'_> {
        self.levels.get(zoom)
    }

    /// The points of [`Track::simplified`].
    pub fn simplified_points(&self, zoom: f64) -> impl Iterator<Item = &TrackPoint> {
        self.simplified(zoom)
            .into_iter()
            .filter_map(|i| self.points.get(i as usize))
    }

    /// Every point in Web Mercator world coordinates (`[0, 1]²`), in the order of
    /// [`Track::points`]: projected once, for drawing.
    pub fn world(&self) -> &[(f64, f64)] {
        &self.world
    }

    /// The time series of the device.
    pub fn series(&self) -> &TimeSeries {
        &self.series
    }

    /// Index of the position nearest in time to `t` (seconds since the Unix epoch; capture
    /// time, else fix time), for the map's marker under the shared time cursor.
    pub fn nearest_point(&self, t: f64) -> Option<usize> {
        let key = |p: &TrackPoint| p.t_seconds().unwrap_or(f64::INFINITY);
        series::nearest_index(&self.points, key, self.points_sorted, t)
    }

    /// Simplifies the newest points now (see the [module documentation](self)).
    pub fn finish(&mut self) {
        let world = &self.world;
        self.levels.settle(&|i| world_of(world, i));
    }

    fn place(&mut self, point: TrackPoint) -> Option<u32> {
        let (lon, lat) = point.lon_lat();
        if lon == 0.0 && lat == 0.0 {
            self.skipped.zero += 1;
            return None;
        }
        if !(lon.is_finite() && lat.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            self.skipped.out_of_range += 1;
            return None;
        }
        let Ok(index) = u32::try_from(self.points.len()) else {
            self.skipped.over_capacity += 1;
            return None;
        };
        if index == u32::MAX {
            self.skipped.over_capacity += 1;
            return None;
        }
        if point.valid {
            if let Some(prev) = self.last_valid {
                self.length_m += geo::haversine_m(prev, (lon, lat));
            }
            self.last_valid = Some((lon, lat));
            self.valid_points += 1;
        }
        let forced = index == 0 || !point.valid || point.alarm;
        let t = point.t_seconds();
        let prev_t = self.points.last().map(TrackPoint::t_seconds);
        self.points_sorted &= match (prev_t, t) {
            (None, Some(_)) => true,
            (Some(Some(a)), Some(b)) => a <= b,
            _ => false,
        };
        self.bbox.expand(lon, lat);
        self.points.push(point);
        self.world.push(geo::lonlat_to_world(lon, lat));
        if self.levels.push(index, forced) {
            self.finish();
        }
        Some(index)
    }
}

/// Projected position of point `i` (the origin for an index out of range, which cannot occur).
fn world_of(world: &[(f64, f64)], i: u32) -> (f64, f64) {
    world.get(i as usize).copied().unwrap_or((0.0, 0.0))
}

/// Seconds since the Unix epoch from a capture time in ns, else a fix time in ms.
fn frame_time(t_ns: Option<i64>, fix_ms: Option<i64>) -> Option<f64> {
    t_ns.map(|t| t as f64 / 1e9)
        .or_else(|| fix_ms.map(|t| t as f64 / 1e3))
}

/// Builds the tracks of a run, one frame at a time.
///
/// The tracks stay where they were created. A hash index finds a frame's track (a frame of the
/// same device as the one before, a report and its answer, costs a comparison), and a small
/// ordered index, written once per device, lists them by device.
#[derive(Debug, Clone, Default)]
pub struct TrackBuilder {
    tracks: Vec<Track>,
    /// Where each device's track is in `tracks`, ordered by device.
    index: BTreeMap<Option<Imei>, usize>,
    /// The same, for the look-up of every frame.
    lookup: HashMap<Option<Imei>, usize>,
    /// The device of the last frame and its track.
    last: Option<(Option<Imei>, usize)>,
}

impl TrackBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one decoded frame.
    pub fn add(&mut self, d: &Decoded<'_>) {
        self.add_message(d.index, d.ts, d.direction, d.device, &d.message, d.bytes);
    }

    /// Takes one frame given by its parts (for callers that keep frames elsewhere, such as the
    /// window's frame store): its index, capture time (ns), direction, device, summary and bytes
    /// (used only to read the alarm keyword).
    pub fn add_message(
        &mut self,
        frame: u64,
        ts: Option<i64>,
        direction: Direction,
        device: Option<Imei>,
        message: &Message,
        bytes: &[u8],
    ) {
        let at = match self.last {
            Some((d, at)) if d == device => at,
            _ => {
                let next = self.tracks.len();
                let at = *self.lookup.entry(device).or_insert(next);
                if at == next {
                    self.tracks.push(Track::new(device, next));
                    self.index.insert(device, next);
                }
                self.last = Some((device, at));
                at
            }
        };
        let Some(track) = self.tracks.get_mut(at) else {
            return;
        };
        let fix_ms = message.fix.and_then(|f| f.time);
        // A frame's samples go with it on the device's timeline, so only when it is there.
        let t = frame_time(ts, fix_ms).filter(|&t| track.series.frame(t, frame));
        if direction == Direction::ToDevice {
            return;
        }
        let alarm: Option<Box<str>> = message.alarm.then(|| {
            let text = message.keyword_text(bytes).unwrap_or("");
            let text = if text.is_empty() {
                message.keyword_meaning.unwrap_or("alarm")
            } else {
                text
            };
            Box::from(text)
        });
        let mut placed = None;
        if let Some(fix) = message.fix {
            placed = track.place(
                TrackPoint::new(frame, fix.lat, fix.lon)
                    .with_times(ts, fix.time)
                    .with_valid(fix.valid)
                    .with_motion(fix.speed_kmh, fix.course)
                    .with_alarm(alarm.is_some(), message.alarm_class),
            );
        }
        if let Some(keyword) = alarm {
            track.alarms.push(AlarmEvent {
                frame,
                t_ns: ts,
                keyword,
                meaning: message.keyword_meaning,
                class: message.alarm_class.unwrap_or(AlarmClass::Other),
                point: placed,
            });
        }
        let Some(t) = t else { return };
        let s = &mut track.series;
        match message.kind {
            Kind::Report => s.report(t),
            Kind::Heartbeat => s.heartbeat(t),
            _ => {}
        }
        if let Some(fix) = message.fix {
            s.push(SeriesKind::FixValid, if fix.valid { 1.0 } else { 0.0 });
            if let Some(v) = fix.speed_kmh {
                s.push(SeriesKind::Speed, f64::from(v));
            }
        }
        let v = &message.vitals;
        for (kind, value) in [
            (SeriesKind::Altitude, v.altitude),
            (SeriesKind::Battery, v.battery),
            (SeriesKind::Fuel, v.fuel),
            (SeriesKind::Temperature, v.temperature),
        ] {
            if let Some(value) = value {
                s.push(kind, f64::from(value));
            }
        }
        if let Some(acc) = v.acc {
            s.push(SeriesKind::Ignition, if acc { 1.0 } else { 0.0 });
        }
    }

    /// Simplifies the newest points of every track; call when a file is loaded (adding more
    /// frames afterwards is fine).
    pub fn finish(&mut self) {
        for t in &mut self.tracks {
            t.finish();
        }
    }

    /// Every device's track, ordered by IMEI (the track of frames without a device first).
    pub fn tracks(&self) -> impl Iterator<Item = &Track> {
        self.index.values().filter_map(|&i| self.tracks.get(i))
    }

    /// The track of `device` (`None`: frames no IMEI could be attributed to).
    pub fn track(&self, device: Option<&Imei>) -> Option<&Track> {
        self.lookup
            .get(&device.copied())
            .and_then(|&i| self.tracks.get(i))
    }

    /// Number of devices.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    /// True when no frame was added.
    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// Bounding box of every track.
    pub fn bbox(&self) -> BBox {
        self.tracks
            .iter()
            .fold(BBox::EMPTY, |b, t| b.union(&t.bbox))
    }

    /// The frame of any device nearest in time to `t` (seconds since the Unix epoch).
    pub fn nearest_frame(&self, t: f64) -> Option<u64> {
        self.tracks
            .iter()
            .filter_map(|tr| tr.series.nearest(t))
            .map(|(ft, f)| ((ft - t).abs(), f))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, f)| f)
    }

    /// The tracks, ordered as [`TrackBuilder::tracks`].
    pub fn into_tracks(self) -> Vec<Track> {
        let mut tracks: Vec<Option<Track>> = self.tracks.into_iter().map(Some).collect();
        self.index
            .values()
            .filter_map(|&i| tracks.get_mut(i).and_then(Option::take))
            .collect()
    }
}
