//! Each device's track: a line in its own colour through its valid fixes, dots at its points
//! (hollow grey circles at last-known positions), only [`Track::simplified`] at the current
//! zoom and with runs of points off screen skipped.

use eframe::egui::{Color32, Pos2, Rect, Shape, Stroke};

use super::{Canvas, DOTS_BELOW, HOVER_RADIUS, Hover};
use crate::model::tracks::Track;

/// Draws `track` in `colour`; the point nearest to the pointer becomes the hover's nearest
/// when nearer than the one found so far.
pub(super) fn draw(canvas: &Canvas<'_>, track: &Track, colour: Color32, hover: &mut Hover) {
    let Canvas { painter, cam, rect } = *canvas;
    let clip = rect.expand(20.0);
    let stroke = Stroke::new(2.5, colour);
    let mut run: Vec<Pos2> = Vec::new();
    let mut prev: Option<Pos2> = None;
    let mut dots: Vec<(Pos2, bool)> = Vec::new();
    let mut too_many = false;
    let points = track.points();
    let world = track.world();
    for i in track.simplified(cam.zoom()) {
        let (Some(p), Some(w)) = (points.get(i as usize), world.get(i as usize)) else {
            continue;
        };
        let s = cam.to_screen(rect, *w);
        if clip.contains(s) {
            if dots.len() < DOTS_BELOW {
                dots.push((s, p.valid()));
            } else {
                too_many = true;
            }
            // Only points within reach pay for the square root.
            if let Some(d2) = hover.pointer.map(|ptr| ptr.distance_sq(s))
                && d2 <= HOVER_RADIUS * HOVER_RADIUS
            {
                hover.offer(d2.sqrt(), track, i as usize, p.frame(), s);
            }
        }
        if !p.valid() {
            continue;
        }
        let visible = prev.is_none_or(|q| Rect::from_two_pos(q, s).intersects(clip));
        if !visible && run.len() >= 2 {
            painter.add(Shape::line(std::mem::take(&mut run), stroke));
        }
        if !visible {
            run.clear();
        }
        if run.is_empty()
            && let Some(q) = prev
            && visible
        {
            run.push(q);
        }
        // Points within a pixel of the last one drawn add nothing to the line.
        if visible && run.last().is_none_or(|l| l.distance_sq(s) >= 1.0) {
            run.push(s);
        }
        prev = Some(s);
    }
    if run.len() >= 2 {
        painter.add(Shape::line(run, stroke));
    }
    let grey = Color32::from_gray(130);
    for (s, valid) in dots {
        if valid {
            if !too_many {
                painter.circle_filled(s, 2.5, colour);
            }
        } else {
            painter.circle_stroke(s, 4.0, Stroke::new(1.5, grey));
        }
    }
}
