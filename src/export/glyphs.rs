//! Text for the map image: tiny-skia draws no glyphs, so their outlines are read from the font
//! egui ships (Ubuntu Light, from `epaint_default_fonts`) with skrifa and filled as paths.

use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// Collects a glyph's outline into a path, placed at an origin, y pointing down.
struct Pen {
    path: PathBuilder,
    x: f32,
    y: f32,
}

impl OutlinePen for Pen {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path.move_to(self.x + x, self.y - y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path.line_to(self.x + x, self.y - y);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.path
            .quad_to(self.x + cx0, self.y - cy0, self.x + x, self.y - y);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.path.cubic_to(
            self.x + cx0,
            self.y - cy0,
            self.x + cx1,
            self.y - cy1,
            self.x + x,
            self.y - y,
        );
    }
    fn close(&mut self) {
        self.path.close();
    }
}

/// A font to write with.
pub(super) struct Font {
    font: FontRef<'static>,
}

impl Font {
    /// The built-in font (`None` only if it could not be read).
    pub(super) fn builtin() -> Option<Font> {
        FontRef::new(epaint_default_fonts::UBUNTU_LIGHT)
            .ok()
            .map(|font| Font { font })
    }

    /// Lays out `text` at `px` from `(x, baseline)`: its outline and its advance width.
    fn layout(&self, text: &str, px: f32, x: f32, baseline: f32) -> (Option<tiny_skia::Path>, f32) {
        let size = Size::new(px);
        let charmap = self.font.charmap();
        let metrics = self.font.glyph_metrics(size, LocationRef::default());
        let outlines = self.font.outline_glyphs();
        let mut pen = Pen {
            path: PathBuilder::new(),
            x,
            y: baseline,
        };
        for c in text.chars() {
            let Some(gid) = charmap.map(c).or_else(|| charmap.map('?')) else {
                continue;
            };
            if let Some(g) = outlines.get(gid) {
                let _ = g.draw(
                    DrawSettings::unhinted(size, LocationRef::default()),
                    &mut pen,
                );
            }
            pen.x += metrics.advance_width(gid).unwrap_or(px * 0.5);
        }
        (pen.path.finish(), pen.x - x)
    }

    /// The width of `text` at `px`.
    pub(super) fn width(&self, text: &str, px: f32) -> f32 {
        self.layout(text, px, 0.0, 0.0).1
    }

    /// Writes `text` at `(x, baseline)` in `colour`, on a white halo so that it reads over the
    /// map; returns its width.
    pub(super) fn draw(
        &self,
        pixmap: &mut Pixmap,
        text: &str,
        x: f32,
        baseline: f32,
        px: f32,
        colour: Color,
    ) -> f32 {
        let (path, width) = self.layout(text, px, x, baseline);
        let Some(path) = path else {
            return width;
        };
        let mut paint = Paint {
            anti_alias: true,
            ..Paint::default()
        };
        paint.set_color(Color::from_rgba8(255, 255, 255, 230));
        let halo = Stroke {
            width: px * 0.22,
            line_join: tiny_skia::LineJoin::Round,
            ..Stroke::default()
        };
        pixmap.stroke_path(&path, &paint, &halo, Transform::identity(), None);
        paint.set_color(colour);
        pixmap.fill_path(
            &path,
            &paint,
            FillRule::Winding,
            Transform::identity(),
            None,
        );
        // Ubuntu Light is thin at map-label sizes: a hairline of the same colour thickens it.
        let bold = Stroke {
            width: px * 0.04,
            ..Stroke::default()
        };
        pixmap.stroke_path(&path, &paint, &bold, Transform::identity(), None);
        width
    }
}
