//! Drawing vector tiles (Mapbox Vector Tile, MVT 2.1) into images on the CPU.
//!
//! walkers draws vector tiles only through wgpu, and the window uses glow (and the tests run
//! headless), so a vector `.pmtiles` file is shown by drawing each tile into an
//! [`Image`](crate::map::image::Image) here, with [`tiny_skia`] doing the anti-aliased fills and
//! strokes. The window then treats the images like raster tiles.
//!
//! One file a subject: the tile's protobuf is read in place by [`crate::map::mvt`]; a feature's
//! properties by [`props`]; what it becomes by the street [`style`] (colours in [`palette`]);
//! its geometry is turned into pixels here and clipped by [`crate::map::geometry`]; the
//! [`canvas`] draws; the names become [`labels`]. The work is bounded: at most
//! [`MAX_VERTICES`] vertices per tile and a budget of pixels filled and stroked; past a bound
//! drawing stops and the image drawn so far is returned. A tile whose protobuf is damaged gives
//! an error; a feature whose geometry is damaged (unknown command, missing coordinates, absurd
//! coordinates) is left out.
//!
//! **Geometry.** Coordinates are in the layer's extent (4096 by default); the geometry commands
//! (MoveTo, LineTo, ClosePath, zigzag-encoded deltas) are turned into pixel coordinates with one
//! scale and offset, which also picks a sub-square of the tile for over-zoom ([`SubSquare`]:
//! the tile of a deeper zoom is drawn from its covering tile at full resolution). Everything is
//! clipped to the image plus a margin before tiny-skia sees it (polygons ring by ring,
//! Sutherland–Hodgman; lines segment by segment, Liang–Barsky), so coordinates stay small.
//!
//! **Limits.** The style is fixed (no MapLibre style JSON).

mod canvas;
pub mod labels;
mod palette;
mod props;
mod style;
#[cfg(test)]
mod tests;

use canvas::Canvas;
pub use labels::{Label, LabelKind, MAX_LABEL_CHARS, MAX_LABELS};
use palette::{DARK, LIGHT};

use super::geometry::P;
use super::image::Image;
use super::mvt::{LINESTRING, MAX_TILE_BYTES, POLYGON, Packed, parse_tile};
use super::varint::unzigzag;

/// Vertices decoded per tile, at most; past this drawing stops.
pub const MAX_VERTICES: usize = 500_000;
/// Deepest over-zoom of a tile (a sub-square `2^MAX_DZ` times smaller than the tile).
pub const MAX_DZ: u8 = 24;
/// Largest image side, pixels.
pub const MAX_SIZE: u32 = 4096;

/// Which part of a tile is drawn: the square `(x, y)` of a `2^dz` by `2^dz` grid over the tile.
/// [`SubSquare::WHOLE`] is the whole tile; the tile `(z + dz, X, Y)` is the square
/// `(X mod 2^dz, Y mod 2^dz)` of its covering tile `(z, X >> dz, Y >> dz)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubSquare {
    /// How many zoom levels deeper than the tile (0 to [`MAX_DZ`]).
    pub dz: u8,
    /// Column in the grid, `0..2^dz`.
    pub x: u32,
    /// Row in the grid, `0..2^dz`.
    pub y: u32,
}

impl SubSquare {
    /// The whole tile.
    pub const WHOLE: SubSquare = SubSquare { dz: 0, x: 0, y: 0 };

    fn is_valid(self) -> bool {
        self.dz <= MAX_DZ && self.x >> self.dz == 0 && self.y >> self.dz == 0
    }
}

/// Draws the vector tile `mvt` (uncompressed MVT protobuf) of zoom `zoom` into a `size` by
/// `size` image: the whole tile, or the part `sub` of it enlarged to the full image (line
/// widths then follow zoom `zoom + sub.dz`). `dark` picks the dark style. Beside the image come
/// the tile's labels inside the image (at most [`MAX_LABELS`], highest rank first), for the
/// map to write with its own fonts.
pub fn render(
    mvt: &[u8],
    zoom: u8,
    sub: SubSquare,
    size: u32,
    dark: bool,
) -> Result<(Image, Vec<Label>), String> {
    if size == 0 || size > MAX_SIZE {
        return Err(format!("image size {size} (1 to {MAX_SIZE} pixels)"));
    }
    if !sub.is_valid() {
        return Err("vector tile: part of the tile out of range".to_string());
    }
    if mvt.len() > MAX_TILE_BYTES {
        return Err(format!(
            "vector tile larger than {} MiB",
            MAX_TILE_BYTES >> 20
        ));
    }
    let layers = parse_tile(mvt)?;
    let pal = if dark { &DARK } else { &LIGHT };
    let display_zoom = f32::from(zoom) + f32::from(sub.dz);
    let mut canvas = Canvas::new(size, sub);
    for layer in &layers {
        if canvas.full {
            break;
        }
        canvas.layer(layer, pal, display_zoom);
    }
    canvas.finish(pal)
}

/// Why a feature's geometry was not used.
pub(super) enum Bad {
    /// The geometry is damaged: the feature is left out.
    Damaged,
    /// The tile's vertex budget is spent: drawing stops.
    Budget,
}

/// Tile coordinates to pixels.
pub(super) struct Frame {
    k: f64,
    ox: f64,
    oy: f64,
    /// Largest tile coordinate (either sign) taken as sane.
    limit: i64,
}

impl Frame {
    pub(super) fn new(extent: u32, sub: SubSquare, size: u32) -> Self {
        let n = f64::from(1u32 << sub.dz.min(MAX_DZ));
        let size = f64::from(size);
        Frame {
            k: n * size / f64::from(extent),
            ox: f64::from(sub.x) * size,
            oy: f64::from(sub.y) * size,
            // Features may reach past the tile (a buffer); 16 extents around it is plenty.
            limit: i64::from(extent) * 16,
        }
    }

    pub(super) fn px(&self, x: i64, y: i64) -> P {
        (x as f64 * self.k - self.ox, y as f64 * self.k - self.oy)
    }
}

/// The parts (rings of a polygon, or lines) of a feature's geometry, in pixels.
pub(super) fn decode_parts(
    geometry: &[u8],
    geom_type: u64,
    frame: &Frame,
    vertices: &mut usize,
) -> Result<Vec<Vec<P>>, Bad> {
    let polygon = geom_type == POLYGON;
    let min_len = match geom_type {
        POLYGON => 3,
        LINESTRING => 2,
        _ => 1,
    };
    let mut parts: Vec<Vec<P>> = Vec::new();
    let mut cur: Vec<P> = Vec::new();
    let mut cur_sane = true;
    let (mut x, mut y) = (0i64, 0i64);
    let mut it = Packed::new(geometry);
    let flush = |cur: &mut Vec<P>, sane: &mut bool, parts: &mut Vec<Vec<P>>| {
        let part = std::mem::take(cur);
        if *sane && part.len() >= min_len {
            parts.push(part);
        }
        *sane = true;
    };
    while let Some(command) = it.next() {
        let id = command & 7;
        let count = command >> 3;
        match id {
            1 | 2 => {
                for i in 0..count {
                    let (Some(dx), Some(dy)) = (it.next(), it.next()) else {
                        return Err(Bad::Damaged);
                    };
                    x = x.saturating_add(unzigzag(u64::from(dx)));
                    y = y.saturating_add(unzigzag(u64::from(dy)));
                    *vertices += 1;
                    if *vertices > MAX_VERTICES {
                        return Err(Bad::Budget);
                    }
                    if id == 1 && (i == 0 || !polygon) {
                        flush(&mut cur, &mut cur_sane, &mut parts);
                    }
                    if x.abs() > frame.limit || y.abs() > frame.limit {
                        cur_sane = false;
                    }
                    let p = frame.px(x, y);
                    if !(p.0.is_finite() && p.1.is_finite()) {
                        cur_sane = false;
                    }
                    if cur.last() != Some(&p) {
                        cur.push(p);
                    }
                }
            }
            7 => {
                if polygon {
                    flush(&mut cur, &mut cur_sane, &mut parts);
                }
            }
            _ => return Err(Bad::Damaged),
        }
    }
    if it.bad {
        return Err(Bad::Damaged);
    }
    flush(&mut cur, &mut cur_sane, &mut parts);
    Ok(parts)
}
