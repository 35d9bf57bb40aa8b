//! Tracks ready for the map exports (GPX, KML, GeoJSON, PNG): each device's
//! [`Track`](crate::model::tracks::Track) with its name, colour and segments.
//!
//! A track is cut into segments where the device changed connection (a new flow: it
//! reconnected, so what lies between is unknown) and where it was silent longer than
//! [`DEFAULT_SILENCE_S`] (by the points' own times), so that no line is drawn across a gap in
//! what the device reported.

use std::ops::Range;

use crate::model::tracks::{AlarmEvent, Track, TrackPoint, device_rgb};
use crate::present::time::fmt_ts;

/// Points further apart in time than this start a new segment, seconds.
pub const DEFAULT_SILENCE_S: f64 = 600.0;

/// One device's track for an export.
#[derive(Debug, Clone)]
pub struct DeviceTrack<'a> {
    /// The track.
    pub track: &'a Track,
    /// The device's name: its IMEI, or `no device`.
    pub name: String,
    /// Its colour, as on the window's map.
    pub colour: [u8; 3],
    /// Ranges of [`Track::points`], in order, covering every point.
    pub segments: Vec<Range<usize>>,
}

impl DeviceTrack<'_> {
    /// The points of segment `s`.
    pub fn segment(&self, s: &Range<usize>) -> &[TrackPoint] {
        self.track.points().get(s.clone()).unwrap_or(&[])
    }

    /// The device's alarms that carried a position, with it.
    pub fn placed_alarms(&self) -> impl Iterator<Item = (&AlarmEvent, &TrackPoint)> {
        self.track.alarms().iter().filter_map(|a| {
            let p = self.track.points().get(a.point? as usize)?;
            Some((a, p))
        })
    }
}

/// The tracks to export: every track with a placed point, cut into segments. `flow_of` gives a
/// frame's flow (the window: its frame store; `export`: what it noted while running);
/// `silence_s` is the longest time between two points of one segment.
pub fn device_tracks<'a>(
    tracks: impl IntoIterator<Item = &'a Track>,
    flow_of: &dyn Fn(u64) -> Option<u32>,
    silence_s: f64,
) -> Vec<DeviceTrack<'a>> {
    tracks
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(|t| DeviceTrack {
            track: t,
            name: t
                .device()
                .map_or_else(|| "no device".to_string(), |d| d.to_string()),
            colour: device_rgb(t.ordinal()),
            segments: segments(t.points(), flow_of, silence_s),
        })
        .collect()
}

/// Cuts `points` where the flow changes or more than `silence_s` seconds pass.
pub fn segments(
    points: &[TrackPoint],
    flow_of: &dyn Fn(u64) -> Option<u32>,
    silence_s: f64,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<(Option<u32>, Option<i64>)> = None;
    for (i, p) in points.iter().enumerate() {
        let here = (flow_of(p.frame()), point_time_ms(p));
        if let Some((flow, t)) = prev {
            let silent = match (t, here.1) {
                (Some(a), Some(b)) => (b - a).abs() as f64 > silence_s * 1000.0,
                _ => false,
            };
            if flow != here.0 || silent {
                out.push(start..i);
                start = i;
            }
        }
        prev = Some(here);
    }
    if start < points.len() {
        out.push(start..points.len());
    }
    out
}

/// When a point was taken, ms since the epoch: the device's fix time (UTC), else the capture
/// time.
pub fn point_time_ms(p: &TrackPoint) -> Option<i64> {
    p.fix_time_ms()
        .or(p.t_ns().map(|t| t.div_euclid(1_000_000)))
}

/// An alarm's time, ms: its point's time, else its capture time.
pub fn alarm_time_ms(a: &AlarmEvent, p: Option<&TrackPoint>) -> Option<i64> {
    p.and_then(point_time_ms)
        .or(a.t_ns.map(|t| t.div_euclid(1_000_000)))
}

/// A time in ms as RFC 3339 UTC (`2024-05-01T10:00:00Z`), as GPX, KML and GeoJSON readers take
/// it.
pub fn fmt_time_ms(ms: i64) -> Option<String> {
    ms.checked_mul(1_000_000).map(fmt_ts)
}

/// Speed in km/h as m/s, when it is a speed (finite, not negative).
pub fn speed_ms(kmh: Option<f32>) -> Option<f64> {
    kmh.filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| f64::from(v) / 3.6)
}

/// A longitude in `[-180, 180)` (GPX excludes 180; it is the same meridian as -180).
pub fn lon_half_open(lon: f64) -> f64 {
    if lon >= 180.0 { lon - 360.0 } else { lon }
}

/// `[r, g, b]` as `#rrggbb`.
pub fn hex_colour([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(frame: u64, secs: i64) -> TrackPoint {
        TrackPoint::new(frame, 1.0, 1.0).with_times(None, Some(secs * 1000))
    }

    #[test]
    fn segments_split_at_new_flows_and_long_silences() {
        let points = [pt(0, 0), pt(1, 10), pt(2, 20), pt(3, 2000), pt(4, 2010)];
        let flow = |f: u64| Some(if f < 2 { 1 } else { 2 });
        assert_eq!(segments(&points, &flow, 600.0), vec![0..2, 2..3, 3..5]);
        assert_eq!(segments(&points, &|_| Some(1), 1e9), vec![0..5]);
        assert!(segments(&[], &|_| None, 1.0).is_empty());
    }
}
