//! The map as a PNG image, for a customer e-mail: the tracks over the built-in offline basemap
//! ([`crate::map::basemap`], Natural Earth coastlines and borders), drawn on the CPU with
//! tiny-skia, no network. Web Mercator as on the window's map, fitted to the tracks; each
//! device in its map colour, start (white dot) and end (filled dot) marked, last-known
//! positions as hollow grey dots, alarms as red diamonds with their keyword, a legend, a scale
//! bar and the basemap's attribution.

use std::io;

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash,
    Transform,
};

use super::glyphs::Font;
use super::map::DeviceTrack;
use crate::map::basemap::{self, LineKind};
use crate::map::geo::{self, BBox, View};

/// Default image size, pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1200, 800);
/// Largest side accepted, pixels.
pub const MAX_SIDE: u32 = 8192;
/// Smallest side accepted, pixels.
pub const MIN_SIDE: u32 = 64;
/// Closest zoom the image fits to (a lone point is shown at this zoom).
const MAX_ZOOM: f64 = 16.0;
/// Free border around the tracks, pixels.
const PADDING: f64 = 56.0;
/// Devices listed in the legend at most.
const MAX_LEGEND: usize = 10;
/// Longest alarm label, characters.
const MAX_LABEL: usize = 24;

const BACKGROUND: [u8; 3] = [0xf2, 0xf0, 0xeb];
const COASTLINE: [u8; 3] = [0x5b, 0x84, 0xb1];
const BORDER: [u8; 3] = [0xa8, 0x9f, 0x96];
const ALARM: [u8; 3] = [0xe0, 0x1b, 0x24];
const INVALID: [u8; 3] = [0x8a, 0x8a, 0x8a];
const INK: [u8; 3] = [0x22, 0x22, 0x22];

fn colour([r, g, b]: [u8; 3]) -> Color {
    Color::from_rgba8(r, g, b, 255)
}

fn paint(rgb: [u8; 3]) -> Paint<'static> {
    let mut p = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    p.set_color(colour(rgb));
    p
}

fn stroke(width: f32) -> Stroke {
    Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

/// Projects `(lon, lat)` into image pixels for a view.
struct Projection {
    zoom: f64,
    origin: (f64, f64),
}

impl Projection {
    fn new(view: View, width: u32, height: u32) -> Self {
        let (cx, cy) = geo::lonlat_to_pixel(view.lon, view.lat, view.zoom);
        Self {
            zoom: view.zoom,
            origin: (cx - f64::from(width) / 2.0, cy - f64::from(height) / 2.0),
        }
    }
    fn px(&self, lon: f64, lat: f64) -> (f32, f32) {
        let (x, y) = geo::lonlat_to_pixel(lon, lat, self.zoom);
        ((x - self.origin.0) as f32, (y - self.origin.1) as f32)
    }
    fn lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        geo::pixel_to_lonlat(x + self.origin.0, y + self.origin.1, self.zoom)
    }
}

fn circle(
    pixmap: &mut Pixmap,
    (x, y): (f32, f32),
    r: f32,
    fill: Option<[u8; 3]>,
    ring: Option<([u8; 3], f32)>,
) {
    let Some(path) = PathBuilder::from_circle(x, y, r) else {
        return;
    };
    if let Some(f) = fill {
        pixmap.fill_path(
            &path,
            &paint(f),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
    if let Some((c, w)) = ring {
        pixmap.stroke_path(&path, &paint(c), &stroke(w), Transform::identity(), None);
    }
}

/// Draws `devices` into a `width` × `height` image (each side clamped to
/// [`MIN_SIDE`]..=[`MAX_SIDE`]) and encodes it as PNG.
pub fn render(devices: &[DeviceTrack<'_>], width: u32, height: u32) -> io::Result<Vec<u8>> {
    let (w, h) = (
        width.clamp(MIN_SIDE, MAX_SIDE),
        height.clamp(MIN_SIDE, MAX_SIDE),
    );
    let pixmap = draw(devices, w, h)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "cannot make the image"))?;
    let img = image::RgbaImage::from_raw(w, h, pixmap.take())
        .ok_or_else(|| io::Error::other("image buffer of the wrong size"))?;
    let mut png = Vec::new();
    img.write_to(&mut io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(io::Error::other)?;
    Ok(png)
}

/// Draws the image (every pixel opaque, so tiny-skia's premultiplied pixels are plain RGBA).
fn draw(devices: &[DeviceTrack<'_>], w: u32, h: u32) -> Option<Pixmap> {
    let mut pixmap = Pixmap::new(w, h)?;
    pixmap.fill(colour(BACKGROUND));
    let bbox = devices
        .iter()
        .fold(BBox::EMPTY, |b, d| b.union(&d.track.bbox()));
    let view =
        geo::fit_bounds(&bbox, f64::from(w), f64::from(h), PADDING, MAX_ZOOM).unwrap_or(View {
            lon: 0.0,
            lat: 20.0,
            zoom: (f64::from(w) / geo::TILE_SIZE).log2().max(0.0),
        });
    let proj = Projection::new(view, w, h);
    basemap_lines(&mut pixmap, &proj, w, h);
    let font = Font::builtin();
    for d in devices {
        track(&mut pixmap, &proj, d);
    }
    for d in devices {
        for (a, p) in d.placed_alarms() {
            let at = proj.px(p.lon(), p.lat());
            alarm(&mut pixmap, at);
            if let Some(f) = &font {
                let label: String = a
                    .keyword
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_LABEL)
                    .collect();
                f.draw(
                    &mut pixmap,
                    &label,
                    at.0 + 11.0,
                    at.1 + 5.0,
                    14.0,
                    colour(ALARM),
                );
            }
        }
    }
    if let Some(f) = &font {
        legend(&mut pixmap, f, devices);
        scale_bar(&mut pixmap, f, &proj, view, h);
        let text = basemap::ATTRIBUTION;
        let tw = f.width(text, 11.0);
        f.draw(
            &mut pixmap,
            text,
            w as f32 - tw - 6.0,
            h as f32 - 6.0,
            11.0,
            colour(INK),
        );
    }
    Some(pixmap)
}

fn basemap_lines(pixmap: &mut Pixmap, proj: &Projection, w: u32, h: u32) {
    let (lon0, lat0) = proj.lonlat(0.0, f64::from(h));
    let (lon1, lat1) = proj.lonlat(f64::from(w), 0.0);
    let seen = BBox::new(lon0, lat0, lon1, lat1).padded(0.1);
    let dash = StrokeDash::new(vec![5.0, 3.0], 0.0);
    for line in basemap::world().lines_in(&seen) {
        let mut pb = PathBuilder::new();
        for (i, &(lon, lat)) in line.points.iter().enumerate() {
            let (x, y) = proj.px(lon, lat);
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        let Some(path) = pb.finish() else { continue };
        let (rgb, mut s) = match line.kind {
            LineKind::Coastline => (COASTLINE, stroke(1.4)),
            LineKind::Border => (BORDER, stroke(1.0)),
        };
        if line.kind == LineKind::Border {
            s.dash = dash.clone();
        }
        pixmap.stroke_path(&path, &paint(rgb), &s, Transform::identity(), None);
    }
}

fn track(pixmap: &mut Pixmap, proj: &Projection, d: &DeviceTrack<'_>) {
    for s in &d.segments {
        let points = d.segment(s);
        let mut pb = PathBuilder::new();
        for (i, p) in points.iter().enumerate() {
            let (x, y) = proj.px(p.lon(), p.lat());
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        if points.len() == 1
            && let Some(p) = points.first()
        {
            circle(pixmap, proj.px(p.lon(), p.lat()), 3.5, Some(d.colour), None);
        }
        if let Some(path) = pb.finish() {
            let id = Transform::identity();
            pixmap.stroke_path(&path, &paint([255, 255, 255]), &stroke(6.0), id, None);
            pixmap.stroke_path(&path, &paint(d.colour), &stroke(3.2), id, None);
        }
    }
    for p in d.track.points().iter().filter(|p| !p.valid()) {
        circle(
            pixmap,
            proj.px(p.lon(), p.lat()),
            3.0,
            Some([255, 255, 255]),
            Some((INVALID, 1.5)),
        );
    }
    if let Some(p) = d.track.start() {
        circle(
            pixmap,
            proj.px(p.lon(), p.lat()),
            6.5,
            Some([255, 255, 255]),
            Some((d.colour, 3.0)),
        );
    }
    if let Some(p) = d.track.end() {
        circle(
            pixmap,
            proj.px(p.lon(), p.lat()),
            6.5,
            Some(d.colour),
            Some(([255, 255, 255], 2.0)),
        );
    }
}

fn alarm(pixmap: &mut Pixmap, (x, y): (f32, f32)) {
    let r = 8.0;
    let mut pb = PathBuilder::new();
    pb.move_to(x, y - r);
    pb.line_to(x + r, y);
    pb.line_to(x, y + r);
    pb.line_to(x - r, y);
    pb.close();
    if let Some(path) = pb.finish() {
        let id = Transform::identity();
        pixmap.fill_path(&path, &paint(ALARM), FillRule::Winding, id, None);
        pixmap.stroke_path(&path, &paint([255, 255, 255]), &stroke(2.0), id, None);
    }
}

fn legend(pixmap: &mut Pixmap, font: &Font, devices: &[DeviceTrack<'_>]) {
    let shown = devices.len().min(MAX_LEGEND);
    if shown == 0 {
        return;
    }
    let more = devices.len() - shown;
    let line_h = 20.0;
    let rows = shown + usize::from(more > 0);
    let text_w = devices
        .iter()
        .take(shown)
        .map(|d| font.width(&d.name, 13.0))
        .fold(0.0f32, f32::max);
    let box_h = rows as f32 * line_h + 10.0;
    if let Some(r) = Rect::from_xywh(10.0, 10.0, text_w + 52.0, box_h) {
        let mut bg = paint([255, 255, 255]);
        bg.set_color(Color::from_rgba8(255, 255, 255, 220));
        pixmap.fill_rect(r, &bg, Transform::identity(), None);
    }
    for (i, d) in devices.iter().take(shown).enumerate() {
        let y = 10.0 + 5.0 + line_h * (i as f32 + 0.5);
        let mut pb = PathBuilder::new();
        pb.move_to(18.0, y);
        pb.line_to(42.0, y);
        if let Some(path) = pb.finish() {
            pixmap.stroke_path(
                &path,
                &paint(d.colour),
                &stroke(4.0),
                Transform::identity(),
                None,
            );
        }
        font.draw(pixmap, &d.name, 48.0, y + 4.5, 13.0, colour(INK));
    }
    if more > 0 {
        let y = 10.0 + 5.0 + line_h * (shown as f32 + 0.5);
        font.draw(
            pixmap,
            &format!("and {more} more"),
            18.0,
            y + 4.5,
            13.0,
            colour(INK),
        );
    }
}

/// A round length for the scale bar: the largest 1, 2 or 5 × 10^n metres at most `max_m`.
fn nice_length(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|k| k * p)
        .find(|v| *v <= max_m)
        .unwrap_or(p)
}

fn scale_bar(pixmap: &mut Pixmap, font: &Font, proj: &Projection, view: View, h: u32) {
    let mpp = geo::metres_per_pixel(view.lat, proj.zoom);
    if !(mpp.is_finite() && mpp > 0.0) {
        return;
    }
    let metres = nice_length(mpp * 150.0);
    let px = (metres / mpp) as f32;
    let (x0, y) = (14.0, h as f32 - 18.0);
    let mut pb = PathBuilder::new();
    pb.move_to(x0, y - 6.0);
    pb.line_to(x0, y);
    pb.line_to(x0 + px, y);
    pb.line_to(x0 + px, y - 6.0);
    if let Some(path) = pb.finish() {
        let id = Transform::identity();
        pixmap.stroke_path(&path, &paint([255, 255, 255]), &stroke(4.5), id, None);
        pixmap.stroke_path(&path, &paint(INK), &stroke(2.0), id, None);
    }
    let label = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    font.draw(pixmap, &label, x0 + px + 8.0, y + 1.0, 13.0, colour(INK));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_lengths_are_round() {
        assert_eq!(nice_length(730.0), 500.0);
        assert_eq!(nice_length(2500.0), 2000.0);
        assert_eq!(nice_length(1.0), 1.0);
        assert_eq!(nice_length(f64::NAN), 1.0);
    }
}
