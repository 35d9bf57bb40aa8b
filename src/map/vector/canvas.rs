//! Drawing a tile: features turned into fills and stroked lines by the style, clipped to the
//! image plus a margin, bucketed by draw order, and rasterised by tiny-skia (anti-aliased,
//! polygons filled even-odd so that holes show whatever their winding) within a budget of
//! work; the labels gathered on the way.

use std::collections::BTreeMap;

use tiny_skia::{
    FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Stroke, StrokeDash, Transform,
};

use super::labels::{Label, LabelSpec, MAX_LABELS, label_layer, label_pos, label_spec};
use super::palette::{Palette, Rgb};
use super::props::LayerProps;
use super::style::{LineSpec, Look, Styler, layer_kind, zoom_scale};
use super::{Bad, Frame, SubSquare, decode_parts};
use crate::map::geometry::{P, bbox, clip_line, clip_ring, length};
use crate::map::image::Image;
use crate::map::mvt::{LayerRef, POINT};

/// Work per tile (an estimate of the rasteriser's steps, see [`Canvas::spend`]), in units of
/// the image's area: about half a second of drawing at worst.
const WORK_BUDGET: f64 = 256.0;
/// Length of dashed lines per tile, in units of the image's side; past it they are solid.
const MAX_DASHED: f64 = 400.0;

pub(super) struct Bucket {
    pub(super) spec: LineSpec,
    pub(super) path: PathBuilder,
    pub(super) length: f64,
}

pub(super) struct Canvas {
    pub(super) size: u32,
    pub(super) sub: SubSquare,
    /// Clip square: the image plus a margin for line caps.
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) fills: Vec<(u16, Path, Rgb)>,
    pub(super) lines: BTreeMap<u16, Bucket>,
    pub(super) vertices: usize,
    /// Pixels filled or stroked so far, and the most allowed.
    pub(super) work: f64,
    pub(super) budget: f64,
    /// A bound was reached: nothing more is added.
    pub(super) full: bool,
    /// Labels so far (at most twice [`MAX_LABELS`], trimmed to the best as they come).
    pub(super) labels: Vec<Label>,
}

impl Canvas {
    pub(super) fn new(size: u32, sub: SubSquare) -> Self {
        let side = f64::from(size);
        let margin = 48.0 * side / 512.0 + 2.0;
        Canvas {
            size,
            sub,
            lo: -margin,
            hi: side + margin,
            fills: Vec::new(),
            lines: BTreeMap::new(),
            vertices: 0,
            work: 0.0,
            budget: WORK_BUDGET * side * side,
            full: false,
            labels: Vec::new(),
        }
    }

    pub(super) fn layer(&mut self, layer: &LayerRef, pal: &Palette, zoom: f32) {
        let kind = layer_kind(layer.name);
        let labelled = label_layer(layer.name);
        if kind.is_none() && labelled.is_none() || layer.extent == 0 {
            return;
        }
        let props_of = LayerProps::new(layer);
        let frame = Frame::new(layer.extent, self.sub, self.size);
        let px = self.size as f32 / 512.0;
        let styler = Styler {
            pal,
            zoom,
            s: zoom_scale(zoom) * px,
            px,
        };
        for f in &layer.features {
            if self.full {
                return;
            }
            if f.geometry.is_empty() {
                continue;
            }
            let props = props_of.of(f.tags);
            let look = kind
                .filter(|_| f.geom_type != POINT)
                .and_then(|k| styler.look(k, f.geom_type, &props));
            let label = labelled.and_then(|l| label_spec(l, f.geom_type, &props, zoom));
            if look.is_none() && label.is_none() {
                continue;
            }
            let parts = match decode_parts(f.geometry, f.geom_type, &frame, &mut self.vertices) {
                Ok(parts) => parts,
                Err(Bad::Damaged) => continue,
                Err(Bad::Budget) => {
                    self.full = true;
                    return;
                }
            };
            if let Some(spec) = label {
                self.label(spec, f.geom_type, &parts);
            }
            match look {
                None => {}
                Some(Look::Fill {
                    order,
                    color,
                    outline,
                }) => self.polygon(&parts, order, color, outline),
                Some(Look::Lines(specs)) => {
                    for spec in specs.into_iter().flatten() {
                        self.lines_of(&parts, spec);
                    }
                }
            }
        }
    }

    /// Adds the label of a feature, if it falls inside the image.
    pub(super) fn label(&mut self, spec: LabelSpec, geom: u64, parts: &[Vec<P>]) {
        let Some((x, y)) = label_pos(geom, parts, f64::from(self.size)) else {
            return;
        };
        self.labels.push(Label {
            pos: [x as f32, y as f32],
            text: spec.text.to_string(),
            rank: spec.rank,
            kind: spec.kind,
        });
        if self.labels.len() >= 2 * MAX_LABELS {
            self.trim_labels();
        }
    }

    /// Keeps the [`MAX_LABELS`] labels of highest rank (the first of equal ones), best first.
    pub(super) fn trim_labels(&mut self) {
        self.labels.sort_by_key(|l| std::cmp::Reverse(l.rank));
        self.labels.truncate(MAX_LABELS);
    }

    pub(super) fn polygon(
        &mut self,
        rings: &[Vec<P>],
        order: u16,
        color: Rgb,
        outline: Option<LineSpec>,
    ) {
        let (lo, hi) = (self.lo, self.hi);
        let side = f64::from(self.size);
        let mut pb = PathBuilder::new();
        let mut area_box = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        let mut rows = 0.0;
        for ring in rings {
            let b = bbox(ring);
            if b.2 < lo || b.0 > hi || b.3 < lo || b.1 > hi {
                continue;
            }
            let inside = b.0 >= lo && b.2 <= hi && b.1 >= lo && b.3 <= hi;
            let clipped;
            let ring: &[P] = if inside {
                ring
            } else {
                clipped = clip_ring(ring, lo, hi);
                &clipped
            };
            let mut points = ring.iter();
            let Some(&(x, y)) = points.next() else {
                continue;
            };
            if ring.len() < 3 {
                continue;
            }
            // The rasteriser visits every row an edge crosses (4 sub-rows with anti-aliasing).
            rows += ring
                .iter()
                .zip(ring.iter().cycle().skip(1))
                .map(|(a, b)| (b.1 - a.1).abs() + 1.0)
                .sum::<f64>();
            let b = bbox(ring);
            area_box = (
                area_box.0.min(b.0),
                area_box.1.min(b.1),
                area_box.2.max(b.2),
                area_box.3.max(b.3),
            );
            pb.move_to(x as f32, y as f32);
            for &(x, y) in points {
                pb.line_to(x as f32, y as f32);
            }
            pb.close();
        }
        let Some(path) = pb.finish() else {
            return;
        };
        let w = (area_box.2.min(side) - area_box.0.max(0.0)).max(0.0);
        let h = (area_box.3.min(side) - area_box.1.max(0.0)).max(0.0);
        let vertices: usize = rings.iter().map(Vec::len).sum();
        if !self.spend(w * h + 4.0 * rows + 200.0 + 20.0 * vertices as f64) {
            return;
        }
        self.fills.push((order, path, color));
        if let Some(spec) = outline {
            let closed: Vec<Vec<P>> = rings
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(&first) = r.first() {
                        r.push(first);
                    }
                    r
                })
                .collect();
            self.lines_of(&closed, spec);
        }
    }

    pub(super) fn lines_of(&mut self, lines: &[Vec<P>], spec: LineSpec) {
        let (lo, hi) = (self.lo, self.hi);
        for line in lines {
            let b = bbox(line);
            if b.2 < lo || b.0 > hi || b.3 < lo || b.1 > hi {
                continue;
            }
            let inside = b.0 >= lo && b.2 <= hi && b.1 >= lo && b.3 <= hi;
            let pieces = if inside {
                vec![line.clone()]
            } else {
                clip_line(line, lo, hi)
            };
            for piece in pieces {
                let len = length(&piece);
                let width = f64::from(spec.width.max(1.0));
                if !self.spend(len * (width + 4.0) + piece.len() as f64 * (100.0 + 20.0 * width)) {
                    return;
                }
                let bucket = self.lines.entry(spec.order).or_insert_with(|| Bucket {
                    spec,
                    path: PathBuilder::new(),
                    length: 0.0,
                });
                bucket.length += len;
                let mut points = piece.iter();
                if let Some(&(x, y)) = points.next() {
                    bucket.path.move_to(x as f32, y as f32);
                    for &(x, y) in points {
                        bucket.path.line_to(x as f32, y as f32);
                    }
                }
            }
        }
    }

    /// Counts `pixels` of work, an estimate of tiny-skia's steps measured on worst cases (a
    /// fill: its box, 4 per row each edge crosses, 20 per vertex and 200; a stroke: its length
    /// times its width plus 4, and per vertex 100 plus 20 times the width, for the joins);
    /// false (and nothing more is drawn) past the budget.
    pub(super) fn spend(&mut self, pixels: f64) -> bool {
        self.work += pixels.max(0.0);
        if self.work > self.budget {
            self.full = true;
        }
        !self.full
    }

    pub(super) fn finish(mut self, pal: &Palette) -> Result<(Image, Vec<Label>), String> {
        self.trim_labels();
        let mut pixmap = Pixmap::new(self.size, self.size)
            .ok_or_else(|| "cannot make an image of that size".to_string())?;
        let [r, g, b] = pal.land;
        pixmap.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
        self.fills.sort_by_key(|f| f.0);
        let mut fills = self.fills.into_iter().peekable();
        let dash_limit = MAX_DASHED * f64::from(self.size);
        for (order, bucket) in self.lines {
            while let Some((_, path, color)) = fills.next_if(|f| f.0 <= order) {
                fill(&mut pixmap, &path, color);
            }
            stroke(&mut pixmap, bucket, dash_limit);
        }
        for (_, path, color) in fills {
            fill(&mut pixmap, &path, color);
        }
        let side = self.size as usize;
        let image = Image::premultiplied([side, side], pixmap.take())
            .ok_or_else(|| "image of the wrong size".to_string())?;
        Ok((image, self.labels))
    }
}

pub(super) fn paint(color: Rgb) -> Paint<'static> {
    let [r, g, b] = color;
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    paint
}

pub(super) fn fill(pixmap: &mut Pixmap, path: &Path, color: Rgb) {
    pixmap.fill_path(
        path,
        &paint(color),
        FillRule::EvenOdd,
        Transform::identity(),
        None,
    );
}

pub(super) fn stroke(pixmap: &mut Pixmap, bucket: Bucket, dash_limit: f64) {
    let spec = bucket.spec;
    let too_long = bucket.length > dash_limit;
    if spec.dash.is_some() && too_long && spec.optional {
        return;
    }
    let Some(path) = bucket.path.finish() else {
        return;
    };
    let dash = spec
        .dash
        .filter(|_| !too_long)
        .and_then(|(on, off)| StrokeDash::new(vec![on.max(0.5), off.max(0.5)], 0.0));
    let stroke = Stroke {
        width: spec.width.max(0.1),
        line_cap: if spec.round {
            LineCap::Round
        } else {
            LineCap::Butt
        },
        line_join: if spec.round {
            LineJoin::Round
        } else {
            LineJoin::Miter
        },
        dash,
        ..Stroke::default()
    };
    pixmap.stroke_path(
        &path,
        &paint(spec.color),
        &stroke,
        Transform::identity(),
        None,
    );
}
