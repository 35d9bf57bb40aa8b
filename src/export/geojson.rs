//! GeoJSON (RFC 7946), built with the `geojson` crate's types: a `FeatureCollection` with a
//! `LineString` feature per [segment](super::map::segments) of each device (a `Point` for a
//! one-point segment) and a `Point` feature per alarm that carried a position. Positions are
//! `[longitude, latitude]`, as the RFC orders them, to six decimals (about 10 cm).
//!
//! Properties say what each feature is (`kind`: `track`, `alarm`), whose it is (`imei`) and
//! when; `stroke` and `marker-color` give the device's colour, as geojson.io and other viewers
//! of the "simplestyle" convention draw it.

use std::io::{self, Write};

use ::geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use super::map::{DeviceTrack, alarm_time_ms, fmt_time_ms, hex_colour, point_time_ms};
use crate::model::tracks::TrackPoint;

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn position(p: &TrackPoint) -> [f64; 2] {
    [round6(p.lon()), round6(p.lat())]
}

fn time(ms: Option<i64>) -> JsonValue {
    ms.and_then(fmt_time_ms)
        .map_or(JsonValue::Null, JsonValue::String)
}

fn feature(geometry: Geometry, properties: JsonObject) -> Feature {
    Feature {
        geometry: Some(geometry),
        properties: Some(properties),
        ..Feature::default()
    }
}

/// The features of `devices`.
pub fn collection(devices: &[DeviceTrack<'_>]) -> FeatureCollection {
    let mut features = Vec::new();
    for d in devices {
        let colour = hex_colour(d.colour);
        for (n, s) in d.segments.iter().enumerate() {
            let points = d.segment(s);
            let geometry = match points {
                [one] => Geometry::new_point(position(one)),
                _ => Geometry::new_line_string(points.iter().map(position)),
            };
            let mut p = JsonObject::new();
            p.insert("kind".into(), "track".into());
            p.insert("imei".into(), d.name.clone().into());
            p.insert("segment".into(), n.into());
            p.insert("points".into(), points.len().into());
            p.insert(
                "valid_points".into(),
                points.iter().filter(|p| p.valid()).count().into(),
            );
            let times = points.iter().filter_map(point_time_ms);
            p.insert("start".into(), time(times.clone().min()));
            p.insert("end".into(), time(times.max()));
            p.insert("stroke".into(), colour.clone().into());
            p.insert("stroke-width".into(), 3.into());
            features.push(feature(geometry, p));
        }
        for (a, pt) in d.placed_alarms() {
            let mut p = JsonObject::new();
            p.insert("kind".into(), "alarm".into());
            p.insert("imei".into(), d.name.clone().into());
            p.insert("keyword".into(), a.keyword.to_string().into());
            p.insert(
                "meaning".into(),
                a.meaning.map_or(JsonValue::Null, |m| m.into()),
            );
            p.insert("time".into(), time(alarm_time_ms(a, Some(pt))));
            p.insert("frame".into(), a.frame.into());
            p.insert("marker-color".into(), colour.clone().into());
            p.insert("marker-symbol".into(), "danger".into());
            features.push(feature(Geometry::new_point(position(pt)), p));
        }
    }
    FeatureCollection::new(features)
}

/// Writes `devices` as a GeoJSON FeatureCollection; returns the features written.
pub fn write<W: Write>(mut out: W, devices: &[DeviceTrack<'_>]) -> io::Result<usize> {
    let fc = collection(devices);
    serde_json::to_writer(&mut out, &fc).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(fc.features.len())
}
