//! GPX 1.1 (<https://www.topografix.com/GPX/1/1/>), valid against its schema: a track
//! (`trk`) per device named by its IMEI, a track segment (`trkseg`) per
//! [segment](super::map::segments), a waypoint (`wpt`) per alarm that carried a position.
//!
//! Each point has its time (the fix time, else the capture time) and, where the device sent
//! them, its speed (m/s) and course in a Garmin `TrackPointExtension` (v2), which GPX 1.1
//! leaves to extensions and which GPS tools read. A last-known position (an invalid fix) is
//! kept, marked `<fix>none</fix>`.

use std::io::{self, Write};

use quick_xml::Writer;

use super::map::{DeviceTrack, alarm_time_ms, fmt_time_ms, lon_half_open, point_time_ms, speed_ms};
use super::xml::{self, coord, element};
use crate::model::tracks::TrackPoint;

/// The GPX 1.1 namespace.
pub const NAMESPACE: &str = "http://www.topografix.com/GPX/1/1";
/// Garmin's TrackPointExtension v2 namespace (speed, course).
pub const TPX_NAMESPACE: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2";

/// What a GPX file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GpxCount {
    /// Tracks (devices).
    pub tracks: usize,
    /// Track segments.
    pub segments: usize,
    /// Track points.
    pub points: usize,
    /// Waypoints (alarms).
    pub waypoints: usize,
}

/// Writes `devices` as GPX 1.1; `title` names the file (`metadata/name`).
pub fn write<W: Write>(out: W, devices: &[DeviceTrack<'_>], title: &str) -> io::Result<GpxCount> {
    let mut w = xml::start(out)?;
    let mut count = GpxCount::default();
    let creator = format!("bn407 {}", env!("CARGO_PKG_VERSION"));
    w.create_element("gpx")
        .with_attributes([
            ("version", "1.1"),
            ("creator", creator.as_str()),
            ("xmlns", NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd",
            ),
            ("xmlns:gpxtpx", TPX_NAMESPACE),
        ])
        .write_inner_content(|w| {
            w.create_element("metadata").write_inner_content(|w| {
                element(w, "name", title)?;
                element(w, "desc", "Exported by the BN-407 Analyzer")
            })?;
            for d in devices {
                for (a, p) in d.placed_alarms() {
                    waypoint(w, d, a, p)?;
                    count.waypoints += 1;
                }
            }
            for d in devices {
                track(w, d, &mut count)?;
            }
            Ok(())
        })?;
    w.get_mut().flush()?;
    Ok(count)
}

fn waypoint<W: Write>(
    w: &mut Writer<W>,
    d: &DeviceTrack<'_>,
    a: &crate::model::tracks::AlarmEvent,
    p: &TrackPoint,
) -> io::Result<()> {
    let (lat, lon) = (coord(p.lat()), coord(lon_half_open(p.lon())));
    w.create_element("wpt")
        .with_attributes([("lat", lat.as_str()), ("lon", lon.as_str())])
        .write_inner_content(|w| {
            if let Some(t) = alarm_time_ms(a, Some(p)).and_then(fmt_time_ms) {
                element(w, "time", &t)?;
            }
            element(w, "name", &a.keyword)?;
            let meaning = a.meaning.map(|m| format!(" ({m})")).unwrap_or_default();
            let desc = format!("Alarm{meaning} from device {}, frame #{}", d.name, a.frame);
            element(w, "desc", &desc)?;
            element(w, "sym", "Flag, Red")?;
            element(w, "type", "alarm")
        })?;
    Ok(())
}

fn track<W: Write>(w: &mut Writer<W>, d: &DeviceTrack<'_>, count: &mut GpxCount) -> io::Result<()> {
    count.tracks += 1;
    w.create_element("trk").write_inner_content(|w| {
        element(w, "name", &d.name)?;
        let desc = format!(
            "{} positions ({} valid), {:.1} km",
            d.track.len(),
            d.track.valid_len(),
            d.track.length_m() / 1000.0
        );
        element(w, "desc", &desc)?;
        for s in &d.segments {
            count.segments += 1;
            w.create_element("trkseg").write_inner_content(|w| {
                for p in d.segment(s) {
                    point(w, p)?;
                    count.points += 1;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn point<W: Write>(w: &mut Writer<W>, p: &TrackPoint) -> io::Result<()> {
    let (lat, lon) = (coord(p.lat()), coord(lon_half_open(p.lon())));
    let speed = speed_ms(p.speed_kmh());
    let course = p
        .course()
        .filter(|c| c.is_finite() && (0.0..360.0).contains(c));
    w.create_element("trkpt")
        .with_attributes([("lat", lat.as_str()), ("lon", lon.as_str())])
        .write_inner_content(|w| {
            if let Some(t) = point_time_ms(p).and_then(fmt_time_ms) {
                element(w, "time", &t)?;
            }
            if !p.valid() {
                element(w, "fix", "none")?;
            }
            if speed.is_none() && course.is_none() {
                return Ok(());
            }
            w.create_element("extensions").write_inner_content(|w| {
                w.create_element("gpxtpx:TrackPointExtension")
                    .write_inner_content(|w| {
                        if let Some(v) = speed {
                            element(w, "gpxtpx:speed", &format!("{v:.2}"))?;
                        }
                        if let Some(c) = course {
                            element(w, "gpxtpx:course", &format!("{c:.1}"))?;
                        }
                        Ok(())
                    })?;
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}
