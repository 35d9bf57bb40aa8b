//! The built-in basemap under the tiles: land, Natural Earth coastlines and borders
//! ([`crate::map::basemap`]), and the world's edge.

use eframe::egui::{self, Color32, Pos2, Rect, Shape, Stroke};

use super::camera::Camera;
use crate::map::basemap::{self, LineKind};
use crate::map::geo::{self, BBox};

/// The built-in basemap (land, coastlines, borders, the world's edge) as shapes, for the place
/// kept for it under the tiles.
pub(super) fn shapes(cam: &Camera, rect: Rect, dark: bool) -> Vec<Shape> {
    let (land, coast, border) = if dark {
        (
            Color32::from_rgb(0x1e, 0x24, 0x2b),
            Color32::from_rgb(0x5f, 0x86, 0xb0),
            Color32::from_rgb(0x6a, 0x5d, 0x70),
        )
    } else {
        (
            Color32::from_rgb(0xf2, 0xef, 0xe9),
            Color32::from_rgb(0x6f, 0x94, 0xc0),
            Color32::from_rgb(0xb4, 0x9e, 0xb8),
        )
    };
    let mut shapes = vec![Shape::rect_filled(rect, 0.0, land)];
    let (w0, h0) = cam.to_world(rect, rect.left_top());
    let (w1, h1) = cam.to_world(rect, rect.right_bottom());
    let (lon0, lat1) = geo::world_to_lonlat(w0.clamp(0.0, 1.0), h0);
    let (lon1, lat0) = geo::world_to_lonlat(w1.clamp(0.0, 1.0), h1);
    let view_box = BBox::new(lon0, lat0, lon1, lat1);
    let clip = rect.expand(4.0);
    for line in basemap::world().lines_in(&view_box) {
        let stroke = match line.kind {
            LineKind::Coastline => Stroke::new(1.2, coast),
            LineKind::Border => Stroke::new(0.8, border),
        };
        let mut pts: Vec<Pos2> = Vec::with_capacity(line.points.len());
        for &(lon, lat) in &line.points {
            let s = cam.to_screen(rect, geo::lonlat_to_world(lon, lat));
            // Skip points within a pixel of the previous one (a continent at zoom 1).
            if pts.last().is_some_and(|l| l.distance_sq(s) < 1.0) {
                continue;
            }
            pts.push(s);
        }
        if pts.len() >= 2 && Rect::from_points(&pts).intersects(clip) {
            shapes.push(Shape::line(pts, stroke));
        }
    }
    // The world's edge.
    let edge = Rect::from_min_max(
        cam.to_screen(rect, (0.0, 0.0)),
        cam.to_screen(rect, (1.0, 1.0)),
    );
    shapes.push(Shape::rect_stroke(
        edge,
        0.0,
        Stroke::new(1.0, coast.gamma_multiply(0.5)),
        egui::StrokeKind::Outside,
    ));
    shapes
}
