//! KML 2.2 (OGC, <http://www.opengis.net/kml/2.2>), as Google Earth opens it: a folder per
//! device with its track (a placemark whose `MultiGeometry` holds a `LineString` per
//! [segment](super::map::segments), a `Point` for a one-point segment, and the time span) and
//! a placemark per alarm that carried a position; a style per device in its map colour.

use std::io::{self, Write};

use quick_xml::Writer;

use super::map::{DeviceTrack, alarm_time_ms, fmt_time_ms, point_time_ms};
use super::xml::{self, coord, element};
use crate::model::tracks::TrackPoint;

/// The KML 2.2 namespace.
pub const NAMESPACE: &str = "http://www.opengis.net/kml/2.2";

/// KML's colour order: alpha, blue, green, red.
fn kml_colour([r, g, b]: [u8; 3]) -> String {
    format!("ff{b:02x}{g:02x}{r:02x}")
}

fn lon_lat(p: &TrackPoint) -> String {
    format!("{},{}", coord(p.lon()), coord(p.lat()))
}

/// Writes `devices` as KML; `title` names the document. Returns the placemarks written.
pub fn write<W: Write>(out: W, devices: &[DeviceTrack<'_>], title: &str) -> io::Result<usize> {
    let mut w = xml::start(out)?;
    let mut placemarks = 0;
    w.create_element("kml")
        .with_attribute(("xmlns", NAMESPACE))
        .write_inner_content(|w| {
            w.create_element("Document").write_inner_content(|w| {
                element(w, "name", title)?;
                for (i, d) in devices.iter().enumerate() {
                    style(w, i, d.colour)?;
                }
                for (i, d) in devices.iter().enumerate() {
                    placemarks += folder(w, i, d)?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    w.get_mut().flush()?;
    Ok(placemarks)
}

fn style<W: Write>(w: &mut Writer<W>, i: usize, rgb: [u8; 3]) -> io::Result<()> {
    let colour = kml_colour(rgb);
    let id = format!("device-{i}");
    w.create_element("Style")
        .with_attribute(("id", id.as_str()))
        .write_inner_content(|w| {
            w.create_element("IconStyle").write_inner_content(|w| {
                element(w, "color", &colour)?;
                element(w, "scale", "1.1")
            })?;
            w.create_element("LineStyle").write_inner_content(|w| {
                element(w, "color", &colour)?;
                element(w, "width", "3")
            })?;
            Ok(())
        })?;
    Ok(())
}

fn folder<W: Write>(w: &mut Writer<W>, i: usize, d: &DeviceTrack<'_>) -> io::Result<usize> {
    let style = format!("#device-{i}");
    let mut placemarks = 0;
    w.create_element("Folder").write_inner_content(|w| {
        element(w, "name", &d.name)?;
        w.create_element("Placemark").write_inner_content(|w| {
            element(w, "name", &format!("Track of {}", d.name))?;
            let desc = format!(
                "{} positions ({} valid), {:.1} km, {} segments",
                d.track.len(),
                d.track.valid_len(),
                d.track.length_m() / 1000.0,
                d.segments.len()
            );
            element(w, "description", &desc)?;
            let times = d.track.points().iter().filter_map(point_time_ms);
            let (begin, end) = (times.clone().min(), times.max());
            if let (Some(b), Some(e)) = (begin.and_then(fmt_time_ms), end.and_then(fmt_time_ms)) {
                w.create_element("TimeSpan").write_inner_content(|w| {
                    element(w, "begin", &b)?;
                    element(w, "end", &e)
                })?;
            }
            element(w, "styleUrl", &style)?;
            w.create_element("MultiGeometry").write_inner_content(|w| {
                for s in &d.segments {
                    geometry(w, d.segment(s))?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
        placemarks += 1;
        for (a, p) in d.placed_alarms() {
            w.create_element("Placemark").write_inner_content(|w| {
                element(w, "name", &a.keyword)?;
                let meaning = a.meaning.map(|m| format!(" ({m})")).unwrap_or_default();
                let desc = format!("Alarm{meaning} from device {}, frame #{}", d.name, a.frame);
                element(w, "description", &desc)?;
                if let Some(t) = alarm_time_ms(a, Some(p)).and_then(fmt_time_ms) {
                    w.create_element("TimeStamp")
                        .write_inner_content(|w| element(w, "when", &t))?;
                }
                element(w, "styleUrl", &style)?;
                w.create_element("Point")
                    .write_inner_content(|w| element(w, "coordinates", &lon_lat(p)))?;
                Ok(())
            })?;
            placemarks += 1;
        }
        Ok(())
    })?;
    Ok(placemarks)
}

fn geometry<W: Write>(w: &mut Writer<W>, points: &[TrackPoint]) -> io::Result<()> {
    let coords = points.iter().map(lon_lat).collect::<Vec<_>>().join(" ");
    if points.len() == 1 {
        w.create_element("Point")
            .write_inner_content(|w| element(w, "coordinates", &coords))?;
    } else {
        w.create_element("LineString").write_inner_content(|w| {
            element(w, "tessellate", "1")?;
            element(w, "coordinates", &coords)
        })?;
    }
    Ok(())
}
