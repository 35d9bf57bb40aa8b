//! The names of a vector file's tiles (streets, places, water, parks:
//! [`crate::map::vector::Label`]) written with egui's fonts with a halo, over the tiles and
//! under the tracks: the best ranked first, one left out when it would overlap one already
//! written or repeat the same name nearby (the same street in neighbouring tiles).

use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Shape};

use super::camera::Camera;
use crate::gui::tile_layer::TileLayer;
use crate::map::pmtiles::VECTOR_TILE_SIZE;
use crate::map::vector::{Label, LabelKind};

/// Map labels (names from a vector file's tiles) written per frame, at most.
const MAX_MAP_LABELS: usize = 200;
/// Labels looked at per frame, at most (the best first).
const MAX_LABEL_TRIES: usize = 3000;
/// Labels gathered from the tiles per frame, at most.
const MAX_LABEL_CANDIDATES: usize = 20_000;
/// A label repeating the text of one already written closer than this (screen pixels) is left
/// out: the same street or place in neighbouring tiles is written once.
const LABEL_REPEAT_PX: f32 = 400.0;

/// A label's font size and colour, and the colour of its halo.
fn label_look(label: &Label, dark: bool) -> (f32, Color32, Color32) {
    let size = match label.kind {
        LabelKind::Place if label.rank >= 180 => 15.0,
        LabelKind::Place if label.rank >= 150 => 13.5,
        LabelKind::Place => 12.5,
        LabelKind::Street | LabelKind::Water | LabelKind::Park => 11.0,
    };
    let colour = match (label.kind, dark) {
        (LabelKind::Place, false) => Color32::from_rgb(0x22, 0x22, 0x22),
        (LabelKind::Street, false) => Color32::from_rgb(0x44, 0x44, 0x44),
        (LabelKind::Water, false) => Color32::from_rgb(0x1d, 0x5a, 0x85),
        (LabelKind::Park, false) => Color32::from_rgb(0x2b, 0x64, 0x2b),
        (LabelKind::Place, true) => Color32::from_rgb(0xee, 0xee, 0xee),
        (LabelKind::Street, true) => Color32::from_rgb(0xc4, 0xc4, 0xc4),
        (LabelKind::Water, true) => Color32::from_rgb(0x8c, 0xc0, 0xe8),
        (LabelKind::Park, true) => Color32::from_rgb(0x9c, 0xcf, 0x9c),
    };
    let halo = if dark {
        Color32::from_black_alpha(210)
    } else {
        Color32::from_white_alpha(230)
    };
    (size, colour, halo)
}

/// The names of the tiles of `tiles` drawn this frame, as shapes: each tile's labels placed in
/// the world by their tile, the best (highest rank) first, a label left out when its box
/// overlaps one already written or it repeats one written nearby; at most [`MAX_MAP_LABELS`].
/// Each label is its halo (eight copies of the text in the halo colour) then its text.
pub(super) fn shapes(
    painter: &egui::Painter,
    cam: &Camera,
    rect: Rect,
    tiles: &TileLayer,
    dark: bool,
) -> Vec<Shape> {
    let size = f64::from(VECTOR_TILE_SIZE);
    let near = rect.expand(40.0);
    let mut candidates: Vec<(&Label, Pos2)> = Vec::new();
    'tiles: for ((z, x, y), labels) in tiles.drawn_labels() {
        let n = 2f64.powi(i32::from(z));
        for label in labels {
            let world = (
                (f64::from(x) + f64::from(label.pos[0]) / size) / n,
                (f64::from(y) + f64::from(label.pos[1]) / size) / n,
            );
            let p = cam.to_screen(rect, world);
            if near.contains(p) {
                candidates.push((label, p));
                if candidates.len() >= MAX_LABEL_CANDIDATES {
                    break 'tiles;
                }
            }
        }
    }
    // Best first; the rest of the order only keeps the choice steady from frame to frame.
    candidates.sort_by(|(a, p), (b, q)| {
        b.rank
            .cmp(&a.rank)
            .then_with(|| a.text.cmp(&b.text))
            .then_with(|| p.x.total_cmp(&q.x))
            .then_with(|| p.y.total_cmp(&q.y))
    });
    let mut placed: Vec<(Rect, &str, Pos2)> = Vec::new();
    let mut shapes = Vec::new();
    for (label, p) in candidates.into_iter().take(MAX_LABEL_TRIES) {
        if placed.len() >= MAX_MAP_LABELS {
            break;
        }
        if placed
            .iter()
            .any(|(_, t, q)| *t == label.text && q.distance(p) < LABEL_REPEAT_PX)
        {
            continue;
        }
        let (font, colour, halo) = label_look(label, dark);
        let galley = painter.layout_no_wrap(label.text.clone(), FontId::proportional(font), colour);
        let at = Align2::CENTER_CENTER
            .anchor_size(p, galley.size())
            .min
            .round();
        let text_rect = Rect::from_min_size(at, galley.size());
        let room = text_rect.expand2(egui::vec2(4.0, 2.0));
        if !rect.contains_rect(room) || placed.iter().any(|(r, ..)| r.intersects(room)) {
            continue;
        }
        for (dx, dy) in [
            (-1.0, 0.0),
            (1.0, 0.0),
            (0.0, -1.0),
            (0.0, 1.0),
            (-1.0, -1.0),
            (1.0, 1.0),
            (-1.0, 1.0),
            (1.0, -1.0),
        ] {
            shapes.push(Shape::galley_with_override_text_color(
                at + egui::vec2(dx, dy),
                galley.clone(),
                halo,
            ));
        }
        shapes.push(Shape::galley(at, galley, colour));
        placed.push((room, &label.text, p));
    }
    shapes
}
