//! What marks the tracks: each track's start (a green dot) and end (a dark square), its alarms
//! (diamonds coloured by kind, their keyword beside them), the selected point, the time cursor
//! shared with the plots, the hovered point and its tooltip.

use eframe::egui::{self, Color32, FontId, Rect, Shape, Stroke, Ui};

use super::{Canvas, Hover, MAX_LABELS, PointRef};
use crate::gui::shared::{alarm_colour, device_name};
use crate::model::tracks::{Track, TrackBuilder, TrackPoint};
use crate::present::time::fmt_ts;
use crate::present::units::{fmt_position_fine, fmt_speed};

/// The keywords written beside alarms this frame: how many so far (at most [`MAX_LABELS`]),
/// their colour and their background's.
pub(super) struct AlarmLabels {
    pub(super) written: usize,
    pub(super) text: Color32,
    pub(super) background: Color32,
}

/// The start, end and alarms of `track`; an alarm nearer to the pointer than the point found
/// so far becomes the hover's nearest. Keywords are written while `labels` has room.
pub(super) fn draw(
    canvas: &Canvas<'_>,
    track: &Track,
    hover: &mut Hover,
    labels: &mut AlarmLabels,
) {
    let Canvas { painter, rect, .. } = *canvas;
    let at = |p: &TrackPoint| canvas.at(p);
    let white = Stroke::new(2.0, Color32::WHITE);
    if let Some(p) = track.start() {
        painter.circle(at(p), 6.0, Color32::from_rgb(0x2e, 0x9e, 0x3e), white);
    }
    if let Some(p) = track.end()
        && track.len() > 1
    {
        let r = Rect::from_center_size(at(p), egui::vec2(11.0, 11.0));
        painter.rect(
            r,
            1.0,
            Color32::from_rgb(0x20, 0x20, 0x20),
            white,
            egui::StrokeKind::Outside,
        );
    }
    let points = track.points();
    for alarm in track.alarms() {
        let Some(i) = alarm.point else { continue };
        let Some(p) = points.get(i as usize) else {
            continue;
        };
        let s = at(p);
        if !rect.expand(10.0).contains(s) {
            continue;
        }
        let text = alarm.meaning.unwrap_or(&alarm.keyword);
        let colour = alarm_colour(Some(alarm.class));
        let d = 8.0;
        painter.add(Shape::convex_polygon(
            vec![
                s + egui::vec2(0.0, -d),
                s + egui::vec2(d, 0.0),
                s + egui::vec2(0.0, d),
                s + egui::vec2(-d, 0.0),
            ],
            colour,
            Stroke::new(1.5, Color32::WHITE),
        ));
        if labels.written < MAX_LABELS {
            labels.written += 1;
            let galley =
                painter.layout_no_wrap(text.to_string(), FontId::proportional(12.0), labels.text);
            let pos = s + egui::vec2(14.0, -galley.size().y / 2.0);
            let bg = Rect::from_min_size(pos, galley.size()).expand(2.0);
            painter.rect_filled(bg, 3.0, labels.background);
            painter.galley(pos, galley, labels.text);
        }
        if let Some(ptr) = hover.pointer {
            // Alarms win over ordinary points at the same place.
            let dist = (ptr.distance(s) - 2.0).max(0.0);
            hover.offer(dist, track, i as usize, p.frame(), s);
        }
    }
}

/// A ring around the selected frame's point.
pub(super) fn selection(canvas: &Canvas<'_>, p: &TrackPoint, colour: Color32) {
    let s = canvas.at(p);
    canvas
        .painter
        .circle_stroke(s, 10.0, Stroke::new(5.0, Color32::WHITE));
    canvas
        .painter
        .circle_stroke(s, 10.0, Stroke::new(3.0, colour));
}

/// The time cursor (the time hovered here or in the plots, `t` seconds): a ring at each shown
/// track's point nearest in time, for the tracks that span `t`.
pub(super) fn time_cursor<'a>(
    canvas: &Canvas<'_>,
    tracks: impl Iterator<Item = &'a Track>,
    t: f64,
) {
    let painter = canvas.painter;
    for track in tracks {
        let in_range = track
            .series()
            .time_range()
            .is_some_and(|(a, b)| t >= a && t <= b);
        if !in_range {
            continue;
        }
        if let Some(p) = track.nearest_point(t).and_then(|i| track.points().get(i)) {
            let s = canvas.at(p);
            // A ring, so that the marker under it stays visible.
            painter.circle_stroke(s, 9.0, Stroke::new(4.0, Color32::BLACK));
            painter.circle_stroke(s, 9.0, Stroke::new(2.5, Color32::from_rgb(255, 190, 0)));
        }
    }
}

/// The point `pref` of `tracks`, if there is one.
pub(super) fn point<'a>(tracks: &'a TrackBuilder, pref: &PointRef) -> Option<&'a TrackPoint> {
    tracks
        .track(pref.device.as_ref())
        .and_then(|t| t.points().get(pref.point))
}

/// The hovered point's tooltip: its frame, device, times, speed, keyword, alarm (`alarm`, the
/// keyword of the alarm at the point) and position.
pub(super) fn tooltip(
    ui: &mut Ui,
    pref: &PointRef,
    p: &TrackPoint,
    keyword: Option<String>,
    alarm: Option<&str>,
) {
    ui.strong(format!("Frame #{}", pref.frame + 1));
    ui.label(format!("Device {}", device_name(pref.device.as_ref())));
    match p.t_ns() {
        Some(t) => ui.label(format!("Captured {}", fmt_ts(t))),
        None => ui.label("No capture time"),
    };
    if let Some(ms) = p.fix_time_ms() {
        ui.label(format!("Fix time {}", fmt_ts(ms.saturating_mul(1_000_000))));
    }
    match p.speed_kmh() {
        Some(v) => ui.label(format!("Speed {}", fmt_speed(f64::from(v)))),
        None => ui.label("No speed"),
    };
    if let Some(k) = keyword {
        ui.label(format!("Keyword {k}"));
    }
    if let Some(a) = alarm.filter(|_| p.is_alarm()) {
        ui.colored_label(alarm_colour(p.alarm_class()), format!("Alarm: {a}"));
    }
    ui.label(fmt_position_fine(p.lat(), p.lon()));
    if !p.valid() {
        ui.weak("Last-known position (invalid fix)");
    }
    ui.weak("Click to select the frame");
}
