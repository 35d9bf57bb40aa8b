//! Drawing vector tiles (Mapbox Vector Tile, MVT 2.1) into images on the CPU.
//!
//! walkers draws vector tiles only through wgpu, and the window uses glow (and the tests run
//! headless), so a vector `.pmtiles` file is shown by drawing each tile into an
//! [`egui::ColorImage`] here, with [`tiny_skia`] doing the anti-aliased fills and strokes. The
//! map then treats the images like raster tiles.
//!
//! **Decoding.** The protobuf of a tile is read by hand (about a hundred lines below) rather than
//! with the `mvt-reader` crate: that crate reserves, for every ring and line of a feature, as
//! much memory as the whole feature's geometry and keeps it, so a tile of many tiny rings asks
//! for rings × length memory (a failed allocation aborts the program, it cannot be caught); it
//! also decodes whole layers, properties and all, before anything could be capped, and one bad
//! tag drops a whole layer. Here the tile is read in place (slices into the bytes), only the
//! properties the style needs are looked at, and the work is bounded: at most
//! [`MAX_TILE_BYTES`] of tile, [`MAX_FEATURES`] features and [`MAX_VERTICES`] vertices per
//! tile, and a budget of pixels filled and stroked. Past a bound drawing stops and the image
//! drawn so far is returned. A tile whose protobuf is damaged gives an error; a feature whose
//! geometry is damaged (unknown command, missing coordinates, absurd coordinates) is left out.
//!
//! **Geometry.** Coordinates are in the layer's extent (4096 by default); the geometry commands
//! (MoveTo, LineTo, ClosePath, zigzag-encoded deltas) are turned into pixel coordinates with one
//! scale and offset, which also picks a sub-square of the tile for over-zoom ([`SubSquare`]:
//! the tile of a deeper zoom is drawn from its covering tile at full resolution). Everything is
//! clipped to the image plus a margin before tiny-skia sees it (polygons ring by ring,
//! Sutherland–Hodgman; lines segment by segment, Liang–Barsky), so coordinates stay small.
//! Polygons (exterior rings and holes of a feature together) are filled with the even-odd rule,
//! so holes show what is underneath whatever their winding.
//!
//! **Style.** Built in, a light one close to the OpenStreetMap look and a dark one (dark land,
//! dark blue water, muted roads). It knows two schemas by layer name and the `kind` /
//! `pmap:kind` / `kind_detail` / `class` / `subclass` properties: Protomaps basemaps (`earth`,
//! `water`, `landuse`, `landcover`, `natural`, `roads`, `transit`, `buildings`, `boundaries`)
//! and OpenMapTiles / OpenFreeMap (`water`, `waterway`, `landcover`, `landuse`, `park`,
//! `transportation`, `building`, `boundary`, `aeroway`); the Shortbread names (`ocean`,
//! `water_polygons`, `water_lines`, `land`, `streets`) map onto the same drawing. Drawn in this
//! order whatever the order of the layers in the tile: land, landuse and landcover (greens,
//! greys, by kind), water, waterways, aeroways, buildings (with an outline from zoom 15),
//! roads (all casings first, then the fills from minor to motorway; paths and tracks dashed),
//! railways (grey with a light dash), ferries, boundaries (dashed). Line widths grow with the
//! zoom. Points (`places`, `pois`) and unknown layers are not drawn; a line of an unknown class
//! in a road layer is a thin grey line.
//!
//! **Labels.** tiny-skia draws no glyphs, so names are not drawn into the image: while the tile
//! is decoded its names are collected as [`Label`]s (text, position in the image's pixels,
//! rank, [`LabelKind`]) and returned beside the image; the map writes them with egui's fonts
//! over the tiles ([`crate::gui::map`]). Labelled, from the `name` property (trimmed, at most
//! [`MAX_LABEL_CHARS`] characters): place points (`places` / `place`) at their point, ranked by
//! `kind` / `kind_detail` / `class` (country, region, city, town, village, suburb,
//! neighbourhood, others) and `population`, left out while `min_zoom` is more than a level
//! deeper; street names (lines of `roads` / `transportation` / `transportation_name`) from
//! display zoom 14 (major roads 13), half-way along the feature's longest piece inside the
//! image, ranked by road class below places; water and park names (polygons or points of
//! `water` / `water_name` / `landuse` / `park`) from zoom 13, in the middle of the part of the
//! feature's box inside the image. A label outside the image (also of an over-zoomed
//! [`SubSquare`]) is dropped; at most [`MAX_LABELS`] per tile, the highest ranked. House
//! numbers, POIs and icons are not labelled, and street names are horizontal, not along the
//! street.
//!
//! **Limits.** The style is fixed (no MapLibre style JSON). Tunnels and bridges are drawn like
//! other roads.

use std::collections::BTreeMap;

use eframe::egui::{Color32, ColorImage};
use tiny_skia::{
    FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Stroke, StrokeDash, Transform,
};

/// Largest tile read, bytes (after decompression).
pub const MAX_TILE_BYTES: usize = 16 << 20;
/// Features looked at per tile, at most.
pub const MAX_FEATURES: usize = 200_000;
/// Vertices decoded per tile, at most; past this drawing stops.
pub const MAX_VERTICES: usize = 500_000;
/// Deepest over-zoom of a tile (a sub-square `2^MAX_DZ` times smaller than the tile).
pub const MAX_DZ: u8 = 24;
/// Largest image side, pixels.
pub const MAX_SIZE: u32 = 4096;
/// Layers per tile, at most (more is an error).
const MAX_LAYERS: usize = 256;
/// Keys kept per tile, at most (more are read as absent).
const MAX_KEYS: usize = 1 << 16;
/// Values kept per tile, at most (more are read as absent).
const MAX_VALUES: usize = 1 << 20;
/// Work per tile (an estimate of the rasteriser's steps, see [`Canvas::spend`]), in units of
/// the image's area: about half a second of drawing at worst.
const WORK_BUDGET: f64 = 256.0;
/// Length of dashed lines per tile, in units of the image's side; past it they are solid.
const MAX_DASHED: f64 = 400.0;
/// Labels returned per tile, at most (the highest ranked are kept).
pub const MAX_LABELS: usize = 300;
/// Characters of a label's text, at most (longer names are not labelled).
pub const MAX_LABEL_CHARS: usize = 64;
/// Display zoom from which street names are labelled (major roads one level earlier).
const STREET_LABEL_ZOOM: f32 = 14.0;
/// Display zoom from which water and park areas are labelled.
const AREA_LABEL_ZOOM: f32 = 13.0;

/// What a label names; the map picks the label's look by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LabelKind {
    /// A place: country, region, city, town, village, suburb, neighbourhood.
    Place,
    /// A street or road.
    Street,
    /// A river, lake, pond or sea.
    Water,
    /// A park or other named land use.
    Park,
}

/// A name to write on the map: where, what, and how important.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Position in the image's pixels (`0..size` both ways): the place's point, the middle of
    /// a street's longest piece in the image, or the middle of an area's box in the image.
    pub pos: [f32; 2],
    /// The name (1 to [`MAX_LABEL_CHARS`] characters).
    pub text: String,
    /// Importance: higher first (countries and cities over suburbs over streets and areas).
    pub rank: u8,
    /// What it names.
    pub kind: LabelKind,
}

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
) -> Result<(ColorImage, Vec<Label>), String> {
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

// ---------------------------------------------------------------------------------------------
// Protobuf

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
    Fixed64(u64),
}

struct Pb<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Pb<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Pb { buf, pos: 0 }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| "vector tile cut short".to_string())?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("vector tile: number too long".to_string())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.pos.checked_add(n))
            .ok_or_else(|| "vector tile cut short".to_string())?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| "vector tile cut short".to_string())?;
        self.pos = end;
        Ok(s)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        <[u8; N]>::try_from(self.take(N as u64)?).map_err(|_| "vector tile cut short".to_string())
    }

    /// The next field: its number and value; `None` at the end.
    fn field(&mut self) -> Result<Option<(u64, Wire<'a>)>, String> {
        if self.at_end() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err("vector tile: damaged (field 0)".to_string());
        }
        let wire = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => Wire::Fixed64(u64::from_le_bytes(self.fixed::<8>()?)),
            2 => {
                let n = self.varint()?;
                Wire::Bytes(self.take(n)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(self.fixed::<4>()?)),
            other => return Err(format!("vector tile: damaged (wire type {other})")),
        };
        Ok(Some((number, wire)))
    }
}

/// Packed `uint32`s (tags, geometry). A damaged number ends the list and sets `bad`.
struct Packed<'a> {
    pb: Pb<'a>,
    bad: bool,
}

impl<'a> Packed<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Packed {
            pb: Pb::new(buf),
            bad: false,
        }
    }
}

impl Iterator for Packed<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.bad || self.pb.at_end() {
            return None;
        }
        match self.pb.varint() {
            // uint32 fields keep the low 32 bits of the number.
            Ok(v) => Some(v as u32),
            Err(_) => {
                self.bad = true;
                None
            }
        }
    }
}

struct LayerRef<'a> {
    name: &'a [u8],
    extent: u32,
    keys: Vec<&'a [u8]>,
    values: Vec<&'a [u8]>,
    features: Vec<FeatureRef<'a>>,
}

#[derive(Clone, Copy)]
struct FeatureRef<'a> {
    geom_type: u64,
    tags: &'a [u8],
    geometry: &'a [u8],
}

/// What a tile holds so far, against the bounds.
#[derive(Default)]
struct Counts {
    features: usize,
    keys: usize,
    values: usize,
}

fn parse_tile(b: &[u8]) -> Result<Vec<LayerRef<'_>>, String> {
    let mut pb = Pb::new(b);
    let mut layers = Vec::new();
    let mut counts = Counts::default();
    while let Some((number, wire)) = pb.field()? {
        if let (3, Wire::Bytes(l)) = (number, wire) {
            if layers.len() == MAX_LAYERS {
                return Err(format!("vector tile: more than {MAX_LAYERS} layers"));
            }
            layers.push(parse_layer(l, &mut counts)?);
        }
    }
    Ok(layers)
}

fn parse_layer<'a>(b: &'a [u8], counts: &mut Counts) -> Result<LayerRef<'a>, String> {
    let mut layer = LayerRef {
        name: &[],
        extent: 4096,
        keys: Vec::new(),
        values: Vec::new(),
        features: Vec::new(),
    };
    let mut pb = Pb::new(b);
    while let Some((number, wire)) = pb.field()? {
        match (number, wire) {
            (1, Wire::Bytes(name)) => layer.name = name,
            (2, Wire::Bytes(f)) => {
                let f = parse_feature(f)?;
                if counts.features < MAX_FEATURES {
                    counts.features += 1;
                    layer.features.push(f);
                }
            }
            (3, Wire::Bytes(k)) if counts.keys < MAX_KEYS => {
                counts.keys += 1;
                layer.keys.push(k);
            }
            (4, Wire::Bytes(v)) if counts.values < MAX_VALUES => {
                counts.values += 1;
                layer.values.push(v);
            }
            (5, Wire::Varint(e)) => layer.extent = u32::try_from(e).unwrap_or(0),
            _ => {}
        }
    }
    Ok(layer)
}

fn parse_feature(b: &[u8]) -> Result<FeatureRef<'_>, String> {
    let mut f = FeatureRef {
        geom_type: 0,
        tags: &[],
        geometry: &[],
    };
    let mut pb = Pb::new(b);
    while let Some((number, wire)) = pb.field()? {
        match (number, wire) {
            (2, Wire::Bytes(t)) => f.tags = t,
            (3, Wire::Varint(t)) => f.geom_type = t,
            (4, Wire::Bytes(g)) => f.geometry = g,
            _ => {}
        }
    }
    Ok(f)
}

/// A `Value` message read as text, if it holds a string.
fn value_str(v: &[u8]) -> Option<&str> {
    let mut pb = Pb::new(v);
    let mut out = None;
    while let Ok(Some((number, wire))) = pb.field() {
        if let (1, Wire::Bytes(s)) = (number, wire) {
            out = std::str::from_utf8(s).ok();
        }
    }
    out
}

/// A `Value` message read as a whole number, if it holds a number.
fn value_int(v: &[u8]) -> Option<i64> {
    let mut pb = Pb::new(v);
    let mut out = None;
    while let Ok(Some((number, wire))) = pb.field() {
        out = match (number, wire) {
            (2, Wire::Fixed32(f)) => finite_int(f64::from(f32::from_bits(f))),
            (3, Wire::Fixed64(d)) => finite_int(f64::from_bits(d)),
            (4 | 5, Wire::Varint(i)) => Some(i as i64),
            (6, Wire::Varint(s)) => Some(((s >> 1) as i64) ^ -((s & 1) as i64)),
            (1, Wire::Bytes(s)) => std::str::from_utf8(s).ok().and_then(|s| s.parse().ok()),
            _ => out,
        };
    }
    out
}

fn finite_int(f: f64) -> Option<i64> {
    (f.is_finite() && f.abs() < 1e15).then_some(f as i64)
}

// ---------------------------------------------------------------------------------------------
// Properties

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Kind,
    Detail,
    Class,
    Subclass,
    AdminLevel,
    Name,
    Population,
    MinZoom,
}

fn role(key: &[u8]) -> Option<Role> {
    match key {
        b"kind" | b"pmap:kind" => Some(Role::Kind),
        b"kind_detail" | b"pmap:kind_detail" => Some(Role::Detail),
        b"class" => Some(Role::Class),
        b"subclass" => Some(Role::Subclass),
        b"admin_level" => Some(Role::AdminLevel),
        b"name" => Some(Role::Name),
        b"population" => Some(Role::Population),
        b"min_zoom" | b"pmap:min_zoom" => Some(Role::MinZoom),
        _ => None,
    }
}

#[derive(Default)]
struct Props<'a> {
    kind: Option<&'a str>,
    detail: Option<&'a str>,
    class: Option<&'a str>,
    subclass: Option<&'a str>,
    admin_level: Option<i64>,
    name: Option<&'a str>,
    population: Option<i64>,
    min_zoom: Option<i64>,
}

/// A layer's value as the style reads it: text, or a whole number.
#[derive(Default, Clone, Copy)]
struct Value<'a> {
    text: Option<&'a str>,
    int: Option<i64>,
}

/// Values longer than this (bytes) are not read: no kind or class name is that long.
const MAX_VALUE_BYTES: usize = 1024;
/// Key/value pairs of one feature read at most (real features carry a few dozen).
const MAX_TAG_PAIRS: usize = 256;

impl<'a> Props<'a> {
    fn read(tags: &[u8], roles: &[Option<Role>], values: &[Value<'a>]) -> Self {
        let mut p = Props::default();
        let mut it = Packed::new(tags);
        for _ in 0..MAX_TAG_PAIRS {
            let (Some(k), Some(v)) = (it.next(), it.next()) else {
                break;
            };
            let Some(role) = roles.get(k as usize).copied().flatten() else {
                continue;
            };
            let Some(value) = values.get(v as usize).copied() else {
                continue;
            };
            match role {
                Role::Kind => p.kind = value.text,
                Role::Detail => p.detail = value.text,
                Role::Class => p.class = value.text,
                Role::Subclass => p.subclass = value.text,
                Role::AdminLevel => p.admin_level = value.int,
                Role::Name => p.name = value.text,
                Role::Population => p.population = value.int,
                Role::MinZoom => p.min_zoom = value.int,
            }
        }
        p
    }

    /// The first of the given properties that `f` makes sense of.
    fn pick<T>(&self, order: &[Role], f: impl Fn(&str) -> Option<T>) -> Option<T> {
        order.iter().find_map(|r| {
            let s = match r {
                Role::Kind => self.kind,
                Role::Detail => self.detail,
                Role::Class => self.class,
                Role::Subclass => self.subclass,
                Role::AdminLevel | Role::Name | Role::Population | Role::MinZoom => None,
            };
            s.and_then(&f)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Style

type Rgb = [u8; 3];

/// The colours of a style.
struct Palette {
    land: Rgb,
    water: Rgb,
    waterway: Rgb,
    park: Rgb,
    forest: Rgb,
    grass: Rgb,
    farmland: Rgb,
    scrub: Rgb,
    wetland: Rgb,
    sand: Rgb,
    rock: Rgb,
    ice: Rgb,
    residential: Rgb,
    commercial: Rgb,
    industrial: Rgb,
    cemetery: Rgb,
    institution: Rgb,
    military: Rgb,
    parking: Rgb,
    pedestrian: Rgb,
    aerodrome: Rgb,
    sports: Rgb,
    building: Rgb,
    building_line: Rgb,
    /// Road fills, by [`RoadClass`] rank.
    road: [Rgb; 9],
    /// Road casings, by [`RoadClass`] rank.
    casing: [Rgb; 9],
    rail: Rgb,
    rail_dash: Rgb,
    runway: Rgb,
    apron: Rgb,
    ferry: Rgb,
    boundary: Rgb,
    unknown: Rgb,
}

const LIGHT: Palette = Palette {
    land: [0xf2, 0xef, 0xe9],
    water: [0xaa, 0xd3, 0xdf],
    waterway: [0xaa, 0xd3, 0xdf],
    park: [0xc8, 0xfa, 0xcc],
    forest: [0xad, 0xd1, 0x9e],
    grass: [0xcd, 0xeb, 0xb0],
    farmland: [0xee, 0xf0, 0xd5],
    scrub: [0xc8, 0xd7, 0xab],
    wetland: [0xd2, 0xe6, 0xd8],
    sand: [0xf5, 0xe9, 0xc6],
    rock: [0xe8, 0xe0, 0xd8],
    ice: [0xdd, 0xec, 0xec],
    residential: [0xe0, 0xdf, 0xdf],
    commercial: [0xf2, 0xda, 0xd9],
    industrial: [0xeb, 0xdb, 0xe8],
    cemetery: [0xaa, 0xcb, 0xaf],
    institution: [0xff, 0xff, 0xe5],
    military: [0xf3, 0xe3, 0xdd],
    parking: [0xee, 0xee, 0xee],
    pedestrian: [0xdd, 0xdd, 0xe8],
    aerodrome: [0xe9, 0xe7, 0xe2],
    sports: [0xdf, 0xfc, 0xe2],
    building: [0xd9, 0xd0, 0xc9],
    building_line: [0xc4, 0xb6, 0xab],
    road: [
        [0xfa, 0x80, 0x72], // path
        [0x99, 0x66, 0x00], // track
        [0xff, 0xff, 0xff], // service
        [0xff, 0xff, 0xff], // minor
        [0xff, 0xff, 0xff], // tertiary
        [0xf7, 0xfa, 0xbf], // secondary
        [0xfc, 0xd6, 0xa4], // primary
        [0xf9, 0xb2, 0x9c], // trunk
        [0xe8, 0x92, 0xa2], // motorway
    ],
    casing: [
        [0xf2, 0xef, 0xe9],
        [0xf2, 0xef, 0xe9],
        [0xbb, 0xbb, 0xbb],
        [0xbb, 0xbb, 0xbb],
        [0x8f, 0x8f, 0x8f],
        [0x70, 0x7d, 0x05],
        [0xa0, 0x6b, 0x00],
        [0xc8, 0x4e, 0x2f],
        [0xdc, 0x2a, 0x67],
    ],
    rail: [0x70, 0x70, 0x70],
    rail_dash: [0xff, 0xff, 0xff],
    runway: [0xbb, 0xbb, 0xcc],
    apron: [0xda, 0xda, 0xe0],
    ferry: [0x66, 0x66, 0xff],
    boundary: [0x8d, 0x61, 0x8b],
    unknown: [0xb0, 0xb0, 0xb0],
};

const DARK: Palette = Palette {
    land: [0x1e, 0x21, 0x24],
    water: [0x19, 0x30, 0x49],
    waterway: [0x1f, 0x3a, 0x58],
    park: [0x1f, 0x35, 0x26],
    forest: [0x1b, 0x30, 0x21],
    grass: [0x22, 0x36, 0x28],
    farmland: [0x26, 0x2a, 0x22],
    scrub: [0x24, 0x30, 0x20],
    wetland: [0x1f, 0x31, 0x30],
    sand: [0x36, 0x32, 0x2a],
    rock: [0x2d, 0x2c, 0x2a],
    ice: [0x2b, 0x34, 0x38],
    residential: [0x25, 0x27, 0x2b],
    commercial: [0x2e, 0x27, 0x29],
    industrial: [0x2b, 0x26, 0x30],
    cemetery: [0x21, 0x32, 0x2a],
    institution: [0x2f, 0x2d, 0x24],
    military: [0x31, 0x28, 0x26],
    parking: [0x2a, 0x2b, 0x2f],
    pedestrian: [0x2c, 0x2c, 0x34],
    aerodrome: [0x27, 0x28, 0x2b],
    sports: [0x21, 0x35, 0x27],
    building: [0x34, 0x37, 0x3c],
    building_line: [0x2a, 0x2c, 0x30],
    road: [
        [0x6e, 0x55, 0x52], // path
        [0x6b, 0x5a, 0x3e], // track
        [0x44, 0x48, 0x4d], // service
        [0x4b, 0x4f, 0x55], // minor
        [0x5d, 0x61, 0x67], // tertiary
        [0x76, 0x74, 0x5a], // secondary
        [0x85, 0x77, 0x57], // primary
        [0x8f, 0x71, 0x55], // trunk
        [0x9a, 0x6b, 0x5f], // motorway
    ],
    casing: [
        [0x1e, 0x21, 0x24],
        [0x1e, 0x21, 0x24],
        [0x16, 0x18, 0x1a],
        [0x16, 0x18, 0x1a],
        [0x16, 0x18, 0x1a],
        [0x3c, 0x3b, 0x2a],
        [0x45, 0x3c, 0x27],
        [0x4a, 0x35, 0x26],
        [0x4a, 0x2f, 0x29],
    ],
    rail: [0x6a, 0x6d, 0x72],
    rail_dash: [0x2a, 0x2c, 0x30],
    runway: [0x44, 0x45, 0x4e],
    apron: [0x32, 0x33, 0x39],
    ferry: [0x4b, 0x5f, 0x9e],
    boundary: [0x7d, 0x6a, 0x8f],
    unknown: [0x55, 0x58, 0x5c],
};

/// What a layer holds, by its name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LayerKind {
    Earth,
    Land,
    Water,
    Waterway,
    Roads,
    Transit,
    Buildings,
    Boundaries,
    Aeroway,
}

fn layer_kind(name: &[u8]) -> Option<LayerKind> {
    Some(match name {
        b"earth" => LayerKind::Earth,
        b"landuse" | b"landcover" | b"natural" | b"park" | b"land" | b"sites" => LayerKind::Land,
        b"water" | b"ocean" | b"water_polygons" => LayerKind::Water,
        b"waterway" | b"waterways" | b"water_lines" => LayerKind::Waterway,
        b"roads" | b"transportation" | b"streets" => LayerKind::Roads,
        b"transit" => LayerKind::Transit,
        b"buildings" | b"building" => LayerKind::Buildings,
        b"boundaries" | b"boundary" => LayerKind::Boundaries,
        b"aeroway" => LayerKind::Aeroway,
        _ => return None,
    })
}

/// Draw order, smallest first. Fills of one order keep the order of the tile.
mod order {
    pub const EARTH: u16 = 10;
    pub const LAND: u16 = 100; // + rank 0..=3
    pub const WATER: u16 = 200;
    pub const WATERWAY: u16 = 210; // + rank 0..=2
    pub const APRON: u16 = 220;
    pub const RUNWAY_AREA: u16 = 221;
    pub const RUNWAY: u16 = 225; // + 0 taxiway, 1 runway
    pub const BUILDING: u16 = 300;
    pub const BUILDING_LINE: u16 = 301;
    pub const CASING: u16 = 400; // + road rank
    pub const UNKNOWN_LINE: u16 = 419;
    pub const ROAD: u16 = 420; // + road rank
    pub const RAIL: u16 = 450;
    pub const RAIL_DASH: u16 = 451;
    pub const FERRY: u16 = 455;
    pub const BOUNDARY: u16 = 500; // + 0 other, 1 region, 2 country
}

/// Road classes, from the least to the most important (declaration order is drawing order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum RoadClass {
    Path,
    Track,
    Service,
    Minor,
    Tertiary,
    Secondary,
    Primary,
    Trunk,
    Motorway,
}

impl RoadClass {
    fn rank(self) -> usize {
        self as usize
    }

    /// Width at zoom 14 on a 512-pixel tile.
    fn width(self) -> f32 {
        match self {
            RoadClass::Path => 1.1,
            RoadClass::Track => 1.3,
            RoadClass::Service => 2.0,
            RoadClass::Minor => 3.0,
            RoadClass::Tertiary => 4.0,
            RoadClass::Secondary => 4.5,
            RoadClass::Primary => 5.0,
            RoadClass::Trunk => 5.5,
            RoadClass::Motorway => 6.0,
        }
    }
}

enum Line {
    Road(RoadClass),
    Rail,
    Ferry,
    Unknown,
}

fn road_line(s: &str) -> Option<Line> {
    use RoadClass as R;
    Some(Line::Road(match s {
        "motorway" | "motorway_link" | "highway" => R::Motorway,
        "trunk" | "trunk_link" => R::Trunk,
        "primary" | "primary_link" | "major_road" => R::Primary,
        "secondary" | "secondary_link" | "medium_road" => R::Secondary,
        "tertiary" | "tertiary_link" => R::Tertiary,
        "minor" | "minor_road" | "residential" | "unclassified" | "living_street" | "road"
        | "pedestrian" | "busway" | "bus_guideway" | "raceway" => R::Minor,
        "service" | "other" | "driveway" | "parking_aisle" => R::Service,
        "track" => R::Track,
        "path" | "footway" | "cycleway" | "bridleway" | "steps" | "corridor" | "sidewalk"
        | "crossing" | "pier" => R::Path,
        "rail" | "railway" | "transit" | "light_rail" | "subway" | "tram" | "narrow_gauge"
        | "funicular" | "monorail" | "preserved" | "disused" | "miniature" => {
            return Some(Line::Rail);
        }
        "ferry" => return Some(Line::Ferry),
        _ => return None,
    }))
}

#[derive(Clone, Copy)]
enum Land {
    Urban,
    Residential,
    Commercial,
    Industrial,
    Military,
    Farmland,
    Forest,
    Grass,
    Scrub,
    Wetland,
    Sand,
    Rock,
    Ice,
    Park,
    Cemetery,
    Sports,
    Institution,
    Aerodrome,
    Parking,
    Pedestrian,
}

fn land_class(s: &str) -> Option<Land> {
    Some(match s {
        "urban_area" | "urban" | "built_up" => Land::Urban,
        "residential" | "neighbourhood" | "suburb" | "quarter" => Land::Residential,
        "commercial" | "retail" => Land::Commercial,
        "industrial" | "railway" | "garages" | "quarry" | "landfill" | "brownfield" | "works"
        | "construction" | "port" => Land::Industrial,
        "military" | "naval_base" | "danger_area" => Land::Military,
        "farmland"
        | "farm"
        | "farmyard"
        | "orchard"
        | "vineyard"
        | "allotments"
        | "greenhouse_horticulture"
        | "plant_nursery"
        | "agriculture"
        | "crop" => Land::Farmland,
        "forest" | "wood" => Land::Forest,
        "grass" | "grassland" | "meadow" | "village_green" | "recreation_ground" | "flowerbed"
        | "fell" => Land::Grass,
        "scrub" | "heath" | "shrubland" => Land::Scrub,
        "wetland" | "marsh" | "swamp" | "bog" | "mud" | "reedbed" => Land::Wetland,
        "sand" | "beach" | "dune" => Land::Sand,
        "rock" | "bare_rock" | "scree" | "barren" | "shingle" => Land::Rock,
        "ice" | "glacier" => Land::Ice,
        "park" | "garden" | "playground" | "nature_reserve" | "national_park"
        | "protected_area" | "dog_park" | "golf_course" | "zoo" | "theme_park" | "camp_site" => {
            Land::Park
        }
        "cemetery" | "grave_yard" => Land::Cemetery,
        "pitch" | "stadium" | "sports_centre" | "track" | "swimming_pool" => Land::Sports,
        "hospital" | "school" | "university" | "college" | "kindergarten" | "library"
        | "education" => Land::Institution,
        "aerodrome" | "airport" | "airfield" => Land::Aerodrome,
        "parking" => Land::Parking,
        "pedestrian" | "platform" | "square" => Land::Pedestrian,
        _ => return None,
    })
}

impl Land {
    fn look(self, p: &Palette) -> (u16, Rgb) {
        let (rank, color) = match self {
            Land::Urban => (0, p.residential),
            Land::Residential => (0, p.residential),
            Land::Commercial => (0, p.commercial),
            Land::Industrial => (0, p.industrial),
            Land::Military => (0, p.military),
            Land::Aerodrome => (0, p.aerodrome),
            Land::Farmland => (1, p.farmland),
            Land::Forest => (1, p.forest),
            Land::Grass => (1, p.grass),
            Land::Scrub => (1, p.scrub),
            Land::Wetland => (1, p.wetland),
            Land::Sand => (1, p.sand),
            Land::Rock => (1, p.rock),
            Land::Ice => (1, p.ice),
            Land::Park => (2, p.park),
            Land::Cemetery => (2, p.cemetery),
            Land::Sports => (2, p.sports),
            Land::Institution => (2, p.institution),
            Land::Parking => (3, p.parking),
            Land::Pedestrian => (3, p.pedestrian),
        };
        (order::LAND + rank, color)
    }
}

/// How one line bucket is stroked.
#[derive(Clone, Copy)]
struct LineSpec {
    order: u16,
    color: Rgb,
    width: f32,
    /// On and off lengths.
    dash: Option<(f32, f32)>,
    round: bool,
    /// Left out (rather than drawn solid) when there is too much of it to dash.
    optional: bool,
}

impl LineSpec {
    fn solid(order: u16, color: Rgb, width: f32) -> Self {
        LineSpec {
            order,
            color,
            width,
            dash: None,
            round: true,
            optional: false,
        }
    }
}

/// What a feature becomes.
enum Look {
    Fill {
        order: u16,
        color: Rgb,
        outline: Option<LineSpec>,
    },
    Lines([Option<LineSpec>; 2]),
}

/// Geometry types of MVT.
const POINT: u64 = 1;
const LINESTRING: u64 = 2;
const POLYGON: u64 = 3;

/// The width factor at a zoom: moderate growth, about x1.35 per level around zoom 14.
fn zoom_scale(zoom: f32) -> f32 {
    1.35f32.powf(zoom - 14.0).clamp(0.25, 4.0)
}

struct Styler<'p> {
    pal: &'p Palette,
    zoom: f32,
    /// Zoom scale times image scale (size / 512).
    s: f32,
    /// Image scale alone.
    px: f32,
}

impl Styler<'_> {
    fn look(&self, layer: LayerKind, geom: u64, p: &Props) -> Option<Look> {
        use Role::{Class, Detail, Kind, Subclass};
        let pal = self.pal;
        let fill = |order, color| {
            Some(Look::Fill {
                order,
                color,
                outline: None,
            })
        };
        match (layer, geom) {
            (LayerKind::Earth, POLYGON) => fill(order::EARTH, pal.land),
            (LayerKind::Land, POLYGON) => {
                let land = p.pick(&[Kind, Class, Subclass, Detail], land_class)?;
                let (order, color) = land.look(pal);
                fill(order, color)
            }
            (LayerKind::Water, POLYGON) => fill(order::WATER, pal.water),
            (LayerKind::Water | LayerKind::Waterway, LINESTRING) => {
                let (rank, width) = p
                    .pick(&[Kind, Class, Detail], |s| match s {
                        "river" => Some((2, 2.5)),
                        "canal" => Some((1, 2.0)),
                        _ => None,
                    })
                    .unwrap_or((0, 1.0));
                let w = (width * self.s).max(0.6 * self.px);
                Some(Look::Lines([
                    Some(LineSpec::solid(order::WATERWAY + rank, pal.waterway, w)),
                    None,
                ]))
            }
            (LayerKind::Aeroway, POLYGON) => {
                match p.pick(&[Kind, Class, Detail], |s| match s {
                    "apron" | "helipad" => Some(order::APRON),
                    "runway" | "taxiway" => Some(order::RUNWAY_AREA),
                    "aerodrome" | "airport" => Some(order::LAND),
                    _ => None,
                })? {
                    order::APRON => fill(order::APRON, pal.apron),
                    order::RUNWAY_AREA => fill(order::RUNWAY_AREA, pal.runway),
                    _ => fill(order::LAND, pal.aerodrome),
                }
            }
            (LayerKind::Aeroway | LayerKind::Land, LINESTRING) => {
                let runway = p.pick(&[Kind, Class, Detail], |s| match s {
                    "runway" => Some(true),
                    "taxiway" => Some(false),
                    _ => None,
                })?;
                let (rank, width) = if runway { (1, 6.0) } else { (0, 2.0) };
                let w = (width * self.s).max(0.8 * self.px);
                Some(Look::Lines([
                    Some(LineSpec {
                        round: false,
                        ..LineSpec::solid(order::RUNWAY + rank, pal.runway, w)
                    }),
                    None,
                ]))
            }
            (LayerKind::Buildings, POLYGON) => Some(Look::Fill {
                order: order::BUILDING,
                color: pal.building,
                outline: (self.zoom >= 15.0).then(|| LineSpec {
                    round: false,
                    ..LineSpec::solid(order::BUILDING_LINE, pal.building_line, 0.8 * self.px)
                }),
            }),
            (LayerKind::Roads | LayerKind::Transit, LINESTRING) => {
                let line = p
                    .pick(&[Detail, Kind, Class, Subclass], road_line)
                    .unwrap_or(Line::Unknown);
                Some(Look::Lines(self.line(line)))
            }
            (LayerKind::Boundaries, LINESTRING) => {
                let level = p
                    .admin_level
                    .or_else(|| {
                        p.pick(&[Kind, Detail, Class], |s| match s {
                            "country" => Some(2),
                            "region" | "state" | "disputed" => Some(4),
                            _ => None,
                        })
                    })
                    .unwrap_or(8);
                let (rank, width) = match level {
                    ..=2 => (2, 1.8),
                    3..=4 => (1, 1.3),
                    _ => (0, 0.9),
                };
                let w = width * self.px * self.s.clamp(0.8, 1.6);
                Some(Look::Lines([
                    Some(LineSpec {
                        dash: Some((w * 4.0, w * 2.5)),
                        round: false,
                        ..LineSpec::solid(order::BOUNDARY + rank, pal.boundary, w)
                    }),
                    None,
                ]))
            }
            _ => None,
        }
    }

    fn line(&self, line: Line) -> [Option<LineSpec>; 2] {
        let pal = self.pal;
        match line {
            Line::Road(class) => {
                let rank = class.rank();
                let color = pal.road.get(rank).copied().unwrap_or(pal.unknown);
                let casing_color = pal.casing.get(rank).copied().unwrap_or(pal.unknown);
                let w = (class.width() * self.s).max(0.6 * self.px);
                let rank16 = rank as u16;
                match class {
                    RoadClass::Path | RoadClass::Track => {
                        let w = w.max(self.px);
                        [
                            Some(LineSpec {
                                dash: Some((w * 2.5, w * 1.5)),
                                round: false,
                                ..LineSpec::solid(order::ROAD + rank16, color, w)
                            }),
                            None,
                        ]
                    }
                    _ => {
                        // Casings from zoom 12 (thin lines look doubled below), for service
                        // roads from zoom 15.
                        let from = if class == RoadClass::Service {
                            15.0
                        } else {
                            12.0
                        };
                        let casing = (self.zoom >= from).then(|| {
                            LineSpec::solid(
                                order::CASING + rank16,
                                casing_color,
                                w + 2.0 * (1.0 * self.s).max(0.5 * self.px),
                            )
                        });
                        [
                            casing,
                            Some(LineSpec::solid(order::ROAD + rank16, color, w)),
                        ]
                    }
                }
            }
            Line::Rail => {
                let w = (1.6 * self.s).max(0.8 * self.px);
                let dash = (self.zoom >= 13.0).then(|| LineSpec {
                    dash: Some((w * 3.0, w * 3.0)),
                    round: false,
                    optional: true,
                    ..LineSpec::solid(order::RAIL_DASH, pal.rail_dash, w * 0.5)
                });
                [
                    Some(LineSpec {
                        round: false,
                        ..LineSpec::solid(order::RAIL, pal.rail, w)
                    }),
                    dash,
                ]
            }
            Line::Ferry => {
                let w = (1.0 * self.s).max(0.7 * self.px);
                [
                    Some(LineSpec {
                        dash: Some((w * 4.0, w * 3.0)),
                        round: false,
                        ..LineSpec::solid(order::FERRY, pal.ferry, w)
                    }),
                    None,
                ]
            }
            Line::Unknown => [
                Some(LineSpec::solid(
                    order::UNKNOWN_LINE,
                    pal.unknown,
                    0.8 * self.px,
                )),
                None,
            ],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Geometry

type P = (f64, f64);

/// Why a feature's geometry was not used.
enum Bad {
    /// The geometry is damaged: the feature is left out.
    Damaged,
    /// The tile's vertex budget is spent: drawing stops.
    Budget,
}

/// Tile coordinates to pixels.
struct Frame {
    k: f64,
    ox: f64,
    oy: f64,
    /// Largest tile coordinate (either sign) taken as sane.
    limit: i64,
}

impl Frame {
    fn new(extent: u32, sub: SubSquare, size: u32) -> Self {
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

    fn px(&self, x: i64, y: i64) -> P {
        (x as f64 * self.k - self.ox, y as f64 * self.k - self.oy)
    }
}

fn zigzag(v: u32) -> i64 {
    i64::from((v >> 1) as i32 ^ -((v & 1) as i32))
}

/// The parts (rings of a polygon, or lines) of a feature's geometry, in pixels.
fn decode_parts(
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
                    x = x.saturating_add(zigzag(dx));
                    y = y.saturating_add(zigzag(dy));
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

/// Bounding box of points: `(min x, min y, max x, max y)`.
fn bbox(points: &[P]) -> (f64, f64, f64, f64) {
    points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
    )
}

/// A ring clipped to the square `lo..=hi` (Sutherland–Hodgman).
fn clip_ring(ring: &[P], lo: f64, hi: f64) -> Vec<P> {
    let mut out = ring.to_vec();
    for edge in 0..4 {
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else {
            return out;
        };
        let inside = |p: P| match edge {
            0 => p.0 >= lo,
            1 => p.0 <= hi,
            2 => p.1 >= lo,
            _ => p.1 <= hi,
        };
        // Only called with one point inside and one outside, so the divisor is not zero.
        let cross = |a: P, b: P| -> P {
            match edge {
                0 | 1 => {
                    let x = if edge == 0 { lo } else { hi };
                    let t = (x - a.0) / (b.0 - a.0);
                    (x, a.1 + t * (b.1 - a.1))
                }
                _ => {
                    let y = if edge == 2 { lo } else { hi };
                    let t = (y - a.1) / (b.1 - a.1);
                    (a.0 + t * (b.0 - a.0), y)
                }
            }
        };
        let mut prev = last;
        for &cur in &input {
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (true, false) => out.push(cross(prev, cur)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

/// A segment clipped to the square `lo..=hi` (Liang–Barsky): its ends, and whether the start
/// is the segment's own start.
fn clip_segment(a: P, b: P, lo: f64, hi: f64) -> Option<(P, P, bool)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - lo),
        (dx, hi - a.0),
        (-dy, a.1 - lo),
        (dy, hi - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    Some((at(t0), at(t1), t0 == 0.0))
}

/// A line clipped to the square `lo..=hi`: the pieces inside.
fn clip_line(line: &[P], lo: f64, hi: f64) -> Vec<Vec<P>> {
    let mut pieces = Vec::new();
    let mut cur: Vec<P> = Vec::new();
    for w in line.windows(2) {
        let (Some(&a), Some(&b)) = (w.first(), w.get(1)) else {
            continue;
        };
        match clip_segment(a, b, lo, hi) {
            Some((p, q, from_start)) => {
                if !from_start || cur.is_empty() {
                    if cur.len() >= 2 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() >= 2 {
                    pieces.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        pieces.push(cur);
    }
    pieces
}

fn length(line: &[P]) -> f64 {
    line.windows(2)
        .filter_map(|w| Some((w.first()?, w.get(1)?)))
        .map(|(a, b)| (b.0 - a.0).hypot(b.1 - a.1))
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Labels

/// Layers whose named features are labelled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LabelLayer {
    Places,
    Roads,
    Water,
    Green,
}

fn label_layer(name: &[u8]) -> Option<LabelLayer> {
    Some(match name {
        b"places" | b"place" => LabelLayer::Places,
        b"roads" | b"transportation_name" | b"transportation" | b"streets" => LabelLayer::Roads,
        b"water" | b"water_name" => LabelLayer::Water,
        b"landuse" | b"park" => LabelLayer::Green,
        _ => return None,
    })
}

/// What a named feature is labelled as, before its geometry is looked at.
struct LabelSpec<'a> {
    text: &'a str,
    rank: u8,
    kind: LabelKind,
}

/// The rank of a place by its kind or class.
fn place_rank(s: &str) -> Option<u8> {
    Some(match s {
        "country" => 240,
        "region" | "state" | "province" => 225,
        "city" => 205,
        "town" => 185,
        "locality" => 170,
        "village" => 155,
        "macrohood" | "borough" | "suburb" => 135,
        "quarter" | "neighbourhood" | "neighborhood" => 125,
        "hamlet" | "isolated_dwelling" | "farm" => 110,
        _ => return None,
    })
}

/// Shortest piece of a street (pixels of a 512-pixel image) worth a label.
const MIN_STREET_PX: f64 = 24.0;
/// Smallest area (longest side of its box in the image, pixels of a 512-pixel image) worth a
/// label.
const MIN_AREA_PX: f64 = 24.0;

/// The label a feature of `layer` gets at display zoom `zoom`, if any: it needs a `name`
/// (trimmed, 1 to [`MAX_LABEL_CHARS`] characters, no control characters), a geometry its
/// layer labels, and a zoom deep enough (its `min_zoom` at most one level deeper).
fn label_spec<'a>(layer: LabelLayer, geom: u64, p: &Props<'a>, zoom: f32) -> Option<LabelSpec<'a>> {
    use Role::{Class, Detail, Kind, Subclass};
    let text = p.name.map(str::trim).filter(|t| {
        !t.is_empty() && t.chars().count() <= MAX_LABEL_CHARS && !t.chars().any(char::is_control)
    })?;
    if p.min_zoom.is_some_and(|m| m as f64 > f64::from(zoom) + 1.0) {
        return None;
    }
    let (rank, kind) = match (layer, geom) {
        (LabelLayer::Places, POINT) => {
            let base = p.pick(&[Detail, Class, Kind], place_rank).unwrap_or(100);
            // Within a class the larger places first: up to 14 more for ten million people.
            let bonus = p
                .population
                .filter(|&n| n > 0)
                .map_or(0, |n| ((n as f64).log10() * 2.0).clamp(0.0, 14.0) as u8);
            (base.saturating_add(bonus), LabelKind::Place)
        }
        (LabelLayer::Roads, LINESTRING) => {
            let class = match p.pick(&[Detail, Kind, Class, Subclass], road_line) {
                Some(Line::Road(c)) => c,
                None | Some(Line::Unknown) => RoadClass::Minor,
                Some(Line::Rail | Line::Ferry) => return None,
            };
            let from = if class >= RoadClass::Primary {
                STREET_LABEL_ZOOM - 1.0
            } else {
                STREET_LABEL_ZOOM
            };
            if zoom < from {
                return None;
            }
            let rank = u8::try_from(class.rank()).unwrap_or(0);
            (40 + 4 * rank.min(8), LabelKind::Street)
        }
        (LabelLayer::Water, POINT) => (95, LabelKind::Water),
        (LabelLayer::Water, POLYGON) if zoom >= AREA_LABEL_ZOOM => (90, LabelKind::Water),
        (LabelLayer::Green, POINT | POLYGON) if zoom >= AREA_LABEL_ZOOM => (80, LabelKind::Park),
        _ => return None,
    };
    Some(LabelSpec { text, rank, kind })
}

/// The point `at` pixels along `line` (its end if shorter).
fn point_along(line: &[P], mut at: f64) -> Option<P> {
    for w in line.windows(2) {
        let (Some(&a), Some(&b)) = (w.first(), w.get(1)) else {
            continue;
        };
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        if at <= len && len > 0.0 {
            let t = at / len;
            return Some((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
        at -= len;
    }
    line.last().copied()
}

/// Where the label of a feature goes in a `size` by `size` image, from its parts in pixels: a
/// point inside the image; half-way along the longest piece of a line inside the image; the
/// middle of the part of a polygon's box inside the image. `None` when nothing (or too little)
/// of the feature is inside.
fn label_pos(geom: u64, parts: &[Vec<P>], size: f64) -> Option<P> {
    let scale = size / 512.0;
    match geom {
        POINT => parts
            .iter()
            .filter_map(|p| p.first().copied())
            .find(|p| p.0 >= 0.0 && p.0 < size && p.1 >= 0.0 && p.1 < size),
        LINESTRING => {
            let mut best: Option<(f64, Vec<P>)> = None;
            for part in parts {
                for piece in clip_line(part, 0.0, size) {
                    let len = length(&piece);
                    if best.as_ref().is_none_or(|b| len > b.0) {
                        best = Some((len, piece));
                    }
                }
            }
            let (len, piece) = best?;
            if len < MIN_STREET_PX * scale {
                return None;
            }
            let p = point_along(&piece, len / 2.0)?;
            (p.0 >= 0.0 && p.0 < size && p.1 >= 0.0 && p.1 < size).then_some(p)
        }
        POLYGON => {
            let b = parts
                .iter()
                .map(|r| bbox(r))
                .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |a, b| {
                    (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3))
                });
            let (x0, y0, x1, y1) = (b.0.max(0.0), b.1.max(0.0), b.2.min(size), b.3.min(size));
            let (w, h) = (x1 - x0, y1 - y0);
            (w > 0.0 && h > 0.0 && w.max(h) >= MIN_AREA_PX * scale)
                .then_some(((x0 + x1) / 2.0, (y0 + y1) / 2.0))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

struct Bucket {
    spec: LineSpec,
    path: PathBuilder,
    length: f64,
}

struct Canvas {
    size: u32,
    sub: SubSquare,
    /// Clip square: the image plus a margin for line caps.
    lo: f64,
    hi: f64,
    fills: Vec<(u16, Path, Rgb)>,
    lines: BTreeMap<u16, Bucket>,
    vertices: usize,
    /// Pixels filled or stroked so far, and the most allowed.
    work: f64,
    budget: f64,
    /// A bound was reached: nothing more is added.
    full: bool,
    /// Labels so far (at most twice [`MAX_LABELS`], trimmed to the best as they come).
    labels: Vec<Label>,
}

impl Canvas {
    fn new(size: u32, sub: SubSquare) -> Self {
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

    fn layer(&mut self, layer: &LayerRef, pal: &Palette, zoom: f32) {
        let kind = layer_kind(layer.name);
        let labelled = label_layer(layer.name);
        if kind.is_none() && labelled.is_none() || layer.extent == 0 {
            return;
        }
        let roles: Vec<Option<Role>> = layer.keys.iter().map(|k| role(k)).collect();
        // Each value read once for the whole layer (features point to them many times over);
        // a value longer than any kind or class name is not read at all.
        let values: Vec<Value<'_>> = layer
            .values
            .iter()
            .map(|v| {
                if v.len() > MAX_VALUE_BYTES {
                    Value::default()
                } else {
                    Value {
                        text: value_str(v),
                        int: value_int(v),
                    }
                }
            })
            .collect();
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
            let props = Props::read(f.tags, &roles, &values);
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
    fn label(&mut self, spec: LabelSpec, geom: u64, parts: &[Vec<P>]) {
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
    fn trim_labels(&mut self) {
        self.labels.sort_by_key(|l| std::cmp::Reverse(l.rank));
        self.labels.truncate(MAX_LABELS);
    }

    fn polygon(&mut self, rings: &[Vec<P>], order: u16, color: Rgb, outline: Option<LineSpec>) {
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

    fn lines_of(&mut self, lines: &[Vec<P>], spec: LineSpec) {
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
    fn spend(&mut self, pixels: f64) -> bool {
        self.work += pixels.max(0.0);
        if self.work > self.budget {
            self.full = true;
        }
        !self.full
    }

    fn finish(mut self, pal: &Palette) -> Result<(ColorImage, Vec<Label>), String> {
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
        let pixels: Vec<Color32> = pixmap
            .data()
            .chunks_exact(4)
            .map(|p| match p {
                [r, g, b, a] => Color32::from_rgba_premultiplied(*r, *g, *b, *a),
                _ => Color32::TRANSPARENT,
            })
            .collect();
        if pixels.len() != side * side {
            return Err("image of the wrong size".to_string());
        }
        Ok((ColorImage::new([side, side], pixels), self.labels))
    }
}

fn paint(color: Rgb) -> Paint<'static> {
    let [r, g, b] = color;
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    paint
}

fn fill(pixmap: &mut Pixmap, path: &Path, color: Rgb) {
    pixmap.fill_path(
        path,
        &paint(color),
        FillRule::EvenOdd,
        Transform::identity(),
        None,
    );
}

fn stroke(pixmap: &mut Pixmap, bucket: Bucket, dash_limit: f64) {
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

/// A small MVT encoder for tests (protobuf written by hand).
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub(crate) mod encode {
    /// A feature's geometry, in tile coordinates.
    pub enum Geom {
        /// Rings: exteriors clockwise (y down), holes counter-clockwise.
        Polygon(Vec<Vec<(i32, i32)>>),
        /// Lines.
        Lines(Vec<Vec<(i32, i32)>>),
        /// One point.
        Point(i32, i32),
    }

    /// A layer: name, extent, features with string properties.
    pub struct Layer {
        pub name: &'static str,
        pub extent: u32,
        pub features: Vec<(Geom, Vec<(&'static str, &'static str)>)>,
    }

    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    pub fn field_bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
        varint(out, field << 3 | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }

    pub fn field_varint(out: &mut Vec<u8>, field: u64, v: u64) {
        varint(out, field << 3);
        varint(out, v);
    }

    fn zz(v: i32) -> u32 {
        ((v << 1) ^ (v >> 31)) as u32
    }

    /// Geometry type and command integers.
    pub fn geometry(g: &Geom) -> (u64, Vec<u32>) {
        let mut out = Vec::new();
        let (mut cx, mut cy) = (0, 0);
        let mut part = |out: &mut Vec<u32>, pts: &[(i32, i32)], close: bool| {
            for (i, &(x, y)) in pts.iter().enumerate() {
                if i == 0 {
                    out.push(1 | 1 << 3);
                } else if i == 1 {
                    out.push(2 | ((pts.len() as u32 - 1) << 3));
                }
                out.push(zz(x - cx));
                out.push(zz(y - cy));
                (cx, cy) = (x, y);
            }
            if close {
                out.push(7 | 1 << 3);
            }
        };
        match g {
            Geom::Polygon(rings) => {
                for r in rings {
                    part(&mut out, r, true);
                }
                (3, out)
            }
            Geom::Lines(lines) => {
                for l in lines {
                    part(&mut out, l, false);
                }
                (2, out)
            }
            Geom::Point(x, y) => {
                part(&mut out, &[(*x, *y)], false);
                (1, out)
            }
        }
    }

    fn packed(v: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for &x in v {
            varint(&mut out, u64::from(x));
        }
        out
    }

    /// The tile holding `layers`.
    pub fn tile(layers: &[Layer]) -> Vec<u8> {
        let mut out = Vec::new();
        for l in layers {
            let mut keys: Vec<&str> = Vec::new();
            let mut values: Vec<&str> = Vec::new();
            let mut body = Vec::new();
            field_varint(&mut body, 15, 2);
            field_bytes(&mut body, 1, l.name.as_bytes());
            for (g, props) in &l.features {
                let mut tags = Vec::new();
                for (k, v) in props {
                    let ki = keys.iter().position(|x| x == k).unwrap_or_else(|| {
                        keys.push(k);
                        keys.len() - 1
                    });
                    let vi = values.iter().position(|x| x == v).unwrap_or_else(|| {
                        values.push(v);
                        values.len() - 1
                    });
                    tags.push(ki as u32);
                    tags.push(vi as u32);
                }
                let (t, geom) = geometry(g);
                let mut f = Vec::new();
                field_bytes(&mut f, 2, &packed(&tags));
                field_varint(&mut f, 3, t);
                field_bytes(&mut f, 4, &packed(&geom));
                field_bytes(&mut body, 2, &f);
            }
            for k in &keys {
                field_bytes(&mut body, 3, k.as_bytes());
            }
            for v in &values {
                let mut val = Vec::new();
                field_bytes(&mut val, 1, v.as_bytes());
                field_bytes(&mut body, 4, &val);
            }
            field_varint(&mut body, 5, u64::from(l.extent));
            field_bytes(&mut out, 3, &body);
        }
        out
    }

    /// An axis-aligned square ring, clockwise with y down (an exterior).
    pub fn square(x0: i32, y0: i32, x1: i32, y1: i32) -> Vec<(i32, i32)> {
        vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    }

    /// The same square counter-clockwise (a hole).
    pub fn hole(x0: i32, y0: i32, x1: i32, y1: i32) -> Vec<(i32, i32)> {
        vec![(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    }

    /// The test scene, Protomaps names: land everywhere, water left of x = 1536, a major road
    /// along y = 2560, a building (2600..3600, 400..1400) with a hole (2900..3300, 700..1100),
    /// a place point and an unknown layer's line along y = 3600.
    pub fn scene() -> Vec<u8> {
        tile(&[
            Layer {
                name: "earth",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![square(-64, -64, 4160, 4160)]),
                    vec![("kind", "earth")],
                )],
            },
            Layer {
                name: "water",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![square(-64, -64, 1536, 4160)]),
                    vec![("kind", "water")],
                )],
            },
            Layer {
                name: "roads",
                extent: 4096,
                features: vec![(
                    Geom::Lines(vec![vec![(-64, 2560), (2000, 2560), (4160, 2560)]]),
                    vec![("kind", "major_road"), ("kind_detail", "primary")],
                )],
            },
            Layer {
                name: "buildings",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![
                        square(2600, 400, 3600, 1400),
                        hole(2900, 700, 3300, 1100),
                    ]),
                    vec![("kind", "building")],
                )],
            },
            Layer {
                name: "places",
                extent: 4096,
                features: vec![(Geom::Point(3000, 3000), vec![("kind", "locality")])],
            },
            Layer {
                name: "mystery",
                extent: 4096,
                features: vec![(
                    Geom::Lines(vec![vec![(0, 3600), (4096, 3600)]]),
                    vec![("kind", "what")],
                )],
            },
        ])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::encode::{Geom, Layer, scene, square, tile};
    use super::*;
    use proptest::prelude::*;

    fn rgb(img: &ColorImage, x: usize, y: usize) -> Rgb {
        let c = img.pixels[y * img.size[0] + x];
        [c.r(), c.g(), c.b()]
    }

    fn save_png(img: &ColorImage, path: &std::path::Path) {
        let raw: Vec<u8> = img.pixels.iter().flat_map(|c| c.to_array()).collect();
        image::RgbaImage::from_raw(img.size[0] as u32, img.size[1] as u32, raw)
            .unwrap()
            .save(path)
            .unwrap();
    }

    fn check_scene(dark: bool) {
        let pal = if dark { &DARK } else { &LIGHT };
        let img = render(&scene(), 14, SubSquare::WHOLE, 512, dark).unwrap().0;
        assert_eq!(img.size, [512, 512]);
        // Water left of x = 1536 / 8 = 192 px.
        assert_eq!(rgb(&img, 50, 100), pal.water);
        assert_eq!(rgb(&img, 185, 400), pal.water);
        assert_eq!(rgb(&img, 200, 100), pal.land);
        // The road along y = 2560 / 8 = 320 px, over land and over water.
        assert_eq!(rgb(&img, 400, 320), pal.road[RoadClass::Primary.rank()]);
        assert_eq!(rgb(&img, 100, 320), pal.road[RoadClass::Primary.rank()]);
        assert_ne!(rgb(&img, 400, 310), pal.road[RoadClass::Primary.rank()]);
        // Land elsewhere; the unknown layer's line (y = 450 px) and the point are not drawn.
        assert_eq!(rgb(&img, 450, 450), pal.land);
        assert_eq!(rgb(&img, 300, 450), pal.land);
        assert_eq!(rgb(&img, 375, 375), pal.land);
        // The building (325..450, 50..175 px) and its hole (362..412, 87..137 px).
        assert_eq!(rgb(&img, 340, 150), pal.building);
        assert_eq!(rgb(&img, 430, 70), pal.building);
        assert_eq!(rgb(&img, 387, 112), pal.land);
        assert_ne!(pal.water, pal.land);
        assert_ne!(pal.building, pal.land);
    }

    #[test]
    fn holes_show_whatever_their_winding() {
        // An old (MVT 1) tile may wind a hole like its outside: even-odd still leaves it open.
        let t = tile(&[Layer {
            name: "building",
            extent: 4096,
            features: vec![(
                Geom::Polygon(vec![
                    square(1000, 1000, 3000, 3000),
                    square(1500, 1500, 2500, 2500),
                ]),
                vec![],
            )],
        }]);
        let img = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0;
        assert_eq!(rgb(&img, 150, 150), LIGHT.building);
        assert_eq!(rgb(&img, 256, 256), LIGHT.land);
    }

    #[test]
    fn draws_water_roads_and_buildings_with_holes_light() {
        check_scene(false);
    }

    #[test]
    fn draws_water_roads_and_buildings_with_holes_dark() {
        check_scene(true);
        // Dark really is dark.
        let img = render(&scene(), 14, SubSquare::WHOLE, 512, true).unwrap().0;
        let [r, g, b] = rgb(&img, 450, 450);
        assert!(u32::from(r) + u32::from(g) + u32::from(b) < 3 * 60);
    }

    #[test]
    fn over_zoom_draws_a_quarter_at_full_resolution() {
        let pal = &LIGHT;
        let road = pal.road[RoadClass::Primary.rank()];
        // Tile (z + 1) of the bottom-left quarter: tile x 0..2048, y 2048..4096, scale 1/4.
        let sub = SubSquare { dz: 1, x: 0, y: 1 };
        let img = render(&scene(), 14, sub, 512, false).unwrap().0;
        // The water edge moves from 192 px to 384 px, the road from y = 320 px to y = 128 px.
        assert_eq!(rgb(&img, 375, 50), pal.water);
        assert_eq!(rgb(&img, 393, 50), pal.land);
        assert_eq!(rgb(&img, 450, 128), road);
        assert_eq!(rgb(&img, 450, 300), pal.land);
        // The road is wider at the deeper zoom: 2 to 3 px off its middle is still road.
        assert_eq!(rgb(&img, 450, 130), road);
        let whole = render(&scene(), 14, SubSquare::WHOLE, 512, false)
            .unwrap()
            .0;
        assert_ne!(rgb(&whole, 450, 322), road);
        // The top-right quarter: no water, the building four times larger with its hole.
        let sub = SubSquare { dz: 1, x: 1, y: 0 };
        let img = render(&scene(), 14, sub, 512, false).unwrap().0;
        assert_eq!(rgb(&img, 10, 10), pal.land);
        assert_eq!(rgb(&img, 150, 120), pal.building);
        assert_eq!(rgb(&img, 263, 225), pal.land);
        assert_eq!(rgb(&img, 380, 340), pal.building);
        // Two levels deeper: the square of tile x 1024..1536 touches the water edge at 512 px.
        let sub = SubSquare { dz: 3, x: 2, y: 0 };
        let img = render(&scene(), 14, sub, 512, false).unwrap().0;
        assert_eq!(rgb(&img, 505, 10), pal.water);
        let sub = SubSquare { dz: 3, x: 3, y: 0 };
        let img = render(&scene(), 14, sub, 512, false).unwrap().0;
        assert_eq!(rgb(&img, 5, 10), pal.land);
    }

    #[test]
    fn reads_the_openmaptiles_schema() {
        let t = tile(&[
            Layer {
                name: "landcover",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![square(0, 0, 2048, 2048)]),
                    vec![("class", "wood"), ("subclass", "forest")],
                )],
            },
            Layer {
                name: "park",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![square(2048, 0, 4096, 2048)]),
                    vec![("class", "park")],
                )],
            },
            Layer {
                name: "water",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![square(0, 2048, 2048, 4096)]),
                    vec![("class", "lake")],
                )],
            },
            Layer {
                name: "transportation",
                extent: 4096,
                features: vec![
                    (
                        Geom::Lines(vec![vec![(0, 1024), (4096, 1024)]]),
                        vec![("class", "motorway")],
                    ),
                    (
                        Geom::Lines(vec![vec![(3076, 0), (3076, 4096)]]),
                        vec![("class", "minor")],
                    ),
                ],
            },
            Layer {
                name: "building",
                extent: 4096,
                features: vec![(Geom::Polygon(vec![square(2400, 2400, 2800, 2800)]), vec![])],
            },
        ]);
        let pal = &LIGHT;
        let img = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0;
        assert_eq!(rgb(&img, 50, 50), pal.forest);
        assert_eq!(rgb(&img, 300, 50), pal.park);
        assert_eq!(rgb(&img, 50, 300), pal.water);
        assert_eq!(rgb(&img, 300, 500), pal.land);
        assert_eq!(rgb(&img, 325, 325), pal.building);
        assert_eq!(rgb(&img, 100, 128), pal.road[RoadClass::Motorway.rank()]);
        // The minor road along x = 384.5 px, 3 px wide, with a 1 px casing each side.
        assert_eq!(rgb(&img, 384, 400), pal.road[RoadClass::Minor.rank()]);
        assert_eq!(rgb(&img, 386, 400), pal.casing[RoadClass::Minor.rank()]);
        assert_eq!(rgb(&img, 382, 400), pal.casing[RoadClass::Minor.rank()]);
        assert_eq!(rgb(&img, 388, 400), pal.land);
        // Where they cross the motorway is on top.
        assert_eq!(rgb(&img, 384, 128), pal.road[RoadClass::Motorway.rank()]);
    }

    #[test]
    fn damaged_geometry_is_left_out_and_bounds_hold() {
        // An unknown command in one feature, an absurd coordinate in another: both left out,
        // the good feature drawn.
        let mut bad = Vec::new();
        encode::field_bytes(&mut bad, 2, &[]);
        let mut t = tile(&[Layer {
            name: "water",
            extent: 4096,
            features: vec![
                (Geom::Polygon(vec![square(0, 0, 1000, 1000)]), vec![]),
                (Geom::Polygon(vec![square(2000, 0, 1 << 30, 1000)]), vec![]),
            ],
        }]);
        // A third feature: geometry "command 5".
        let mut f = Vec::new();
        encode::field_varint(&mut f, 3, 3);
        encode::field_bytes(&mut f, 4, &[5, 0, 0]);
        let mut layer = Vec::new();
        encode::field_bytes(&mut layer, 1, b"water");
        encode::field_bytes(&mut layer, 2, &f);
        encode::field_bytes(&mut t, 3, &layer);
        let img = render(&t, 14, SubSquare::WHOLE, 256, false).unwrap().0;
        assert_eq!(rgb(&img, 20, 20), LIGHT.water);
        assert_eq!(rgb(&img, 200, 20), LIGHT.land);

        // More vertices than allowed: drawing stops, the image comes back.
        let zigzag: Vec<(i32, i32)> = (0..(MAX_VERTICES as i32 + 1000))
            .map(|i| ((i % 4096), if i % 2 == 0 { 100 } else { 3000 }))
            .collect();
        let t = tile(&[Layer {
            name: "roads",
            extent: 4096,
            features: vec![(Geom::Lines(vec![zigzag]), vec![("kind", "path")])],
        }]);
        assert_eq!(
            render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0.size,
            [512, 512]
        );

        // Many polygons over the whole tile: the fill budget stops them.
        let many: Vec<_> = (0..5000)
            .map(|_| (Geom::Polygon(vec![square(-10, -10, 4106, 4106)]), vec![]))
            .collect();
        let t = tile(&[Layer {
            name: "water",
            extent: 4096,
            features: many,
        }]);
        let start = std::time::Instant::now();
        let img = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap().0;
        assert_eq!(rgb(&img, 100, 100), LIGHT.water);
        // A polygon of edges each crossing the whole image, and a wide road turning back at
        // every vertex: rasterising all of either took seconds; the budget stops them.
        let zigzag: Vec<(i32, i32)> = (0..(MAX_VERTICES as i32 - 10))
            .map(|i| (i % 4000, if i % 2 == 0 { 0 } else { 4096 }))
            .collect();
        let t = tile(&[Layer {
            name: "water",
            extent: 4096,
            features: vec![(Geom::Polygon(vec![zigzag]), vec![])],
        }]);
        assert!(render(&t, 14, SubSquare::WHOLE, 512, false).is_ok());
        let scribble: Vec<(i32, i32)> = (0..(MAX_VERTICES as i32 - 10))
            .map(|i| ((i / 8) % 4000, 2000 + (i % 2) * 8 + (i / 32000) * 100))
            .collect();
        let t = tile(&[Layer {
            name: "roads",
            extent: 4096,
            features: vec![(Geom::Lines(vec![scribble]), vec![("kind", "major_road")])],
        }]);
        assert!(render(&t, 18, SubSquare::WHOLE, 512, false).is_ok());
        assert!(start.elapsed() < std::time::Duration::from_secs(3));

        // Bad arguments and a tile too large are errors, not panics.
        assert!(render(&scene(), 14, SubSquare::WHOLE, 0, false).is_err());
        assert!(render(&scene(), 14, SubSquare::WHOLE, MAX_SIZE + 1, false).is_err());
        let out_of_range = SubSquare { dz: 1, x: 2, y: 0 };
        assert!(render(&scene(), 14, out_of_range, 256, false).is_err());
        let too_deep = SubSquare {
            dz: MAX_DZ + 1,
            x: 0,
            y: 0,
        };
        assert!(render(&scene(), 14, too_deep, 256, false).is_err());
        assert!(
            render(
                &vec![0u8; MAX_TILE_BYTES + 1],
                14,
                SubSquare::WHOLE,
                64,
                false
            )
            .is_err()
        );
        // Millions of empty layers would take gigabytes of bookkeeping: refused.
        let empty_layers = [0x1a, 0x00].repeat(4_000_000);
        let e = render(&empty_layers, 14, SubSquare::WHOLE, 64, false).unwrap_err();
        assert!(e.contains("layers"), "{e}");
    }

    #[test]
    fn the_deepest_over_zoom_and_extents_do_not_break() {
        let deep = SubSquare {
            dz: MAX_DZ,
            x: (1 << MAX_DZ) - 1,
            y: 0,
        };
        let img = render(&scene(), 14, deep, 64, false).unwrap().0;
        assert_eq!(rgb(&img, 32, 32), LIGHT.land);
        for extent in [0, 1, 256, u32::MAX] {
            let t = tile(&[Layer {
                name: "water",
                extent,
                features: vec![(Geom::Polygon(vec![square(0, 0, 1, 1)]), vec![])],
            }]);
            assert!(render(&t, 0, SubSquare::WHOLE, 64, true).is_ok());
        }
    }

    #[test]
    fn truncated_tiles_give_errors_not_panics() {
        let t = scene();
        let mut errors = 0;
        for n in 0..t.len() {
            if render(&t[..n], 14, SubSquare::WHOLE, 64, false).is_err() {
                errors += 1;
            }
        }
        // Almost every cut ends inside a field.
        assert!(errors > t.len() / 2, "{errors} of {}", t.len());
        assert!(render(&t[..t.len() - 1], 14, SubSquare::WHOLE, 64, false).is_err());
        let damaged = [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00];
        let e = render(&damaged, 14, SubSquare::WHOLE, 64, false).unwrap_err();
        assert!(e.contains("cut short"), "{e}");
    }

    /// Named features: two places, a primary road, a river, and names the map must not get.
    fn named_scene() -> Vec<u8> {
        tile(&[
            Layer {
                name: "places",
                extent: 4096,
                features: vec![
                    (
                        Geom::Point(1000, 1000),
                        vec![
                            ("kind", "locality"),
                            ("kind_detail", "city"),
                            ("name", "Cidade Fictícia"),
                        ],
                    ),
                    (
                        Geom::Point(3000, 1000),
                        vec![("kind", "neighbourhood"), ("name", "Bairro Sintético")],
                    ),
                    // No name, an empty one, one too long, one outside the tile.
                    (Geom::Point(2000, 500), vec![("kind", "locality")]),
                    (Geom::Point(2100, 500), vec![("name", "  ")]),
                    (
                        Geom::Point(2200, 500),
                        vec![(
                            "name",
                            "an overly long name of more than sixty-four characters, which is left out",
                        )],
                    ),
                    (Geom::Point(-50, 500), vec![("name", "Outside")]),
                ],
            },
            Layer {
                name: "roads",
                extent: 4096,
                features: vec![
                    (
                        Geom::Lines(vec![vec![(0, 1800), (4096, 1800)]]),
                        vec![
                            ("kind", "major_road"),
                            ("kind_detail", "primary"),
                            ("name", "Avenida A"),
                        ],
                    ),
                    // Too short a piece in the image for a label.
                    (
                        Geom::Lines(vec![vec![(4000, 3000), (4200, 3000)]]),
                        vec![("kind", "minor_road"), ("name", "Beco")],
                    ),
                ],
            },
            Layer {
                name: "water",
                extent: 4096,
                features: vec![(
                    Geom::Polygon(vec![square(0, 3072, 2048, 4096)]),
                    vec![("kind", "water"), ("name", "Rio (synthetic)")],
                )],
            },
        ])
    }

    fn found<'a>(labels: &'a [Label], text: &str) -> Option<&'a Label> {
        labels.iter().find(|l| l.text == text)
    }

    #[test]
    fn labels_places_streets_and_water_where_they_are() {
        let (_, labels) = render(&named_scene(), 14, SubSquare::WHOLE, 512, false).unwrap();
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        // Best first: the city, the neighbourhood, the water, the road.
        assert_eq!(
            texts,
            [
                "Cidade Fictícia",
                "Bairro Sintético",
                "Rio (synthetic)",
                "Avenida A"
            ]
        );
        let city = found(&labels, "Cidade Fictícia").unwrap();
        assert_eq!((city.pos, city.kind), ([125.0, 125.0], LabelKind::Place));
        let quarter = found(&labels, "Bairro Sintético").unwrap();
        assert_eq!(quarter.pos, [375.0, 125.0]);
        assert!(city.rank > quarter.rank);
        // The middle of the road's piece in the image, and of the water's box.
        let road = found(&labels, "Avenida A").unwrap();
        assert_eq!((road.pos, road.kind), ([256.0, 225.0], LabelKind::Street));
        let river = found(&labels, "Rio (synthetic)").unwrap();
        assert_eq!((river.pos, river.kind), ([128.0, 448.0], LabelKind::Water));
        assert!(quarter.rank > river.rank && river.rank > road.rank);
        // Farther out only the places: streets from zoom 13 (major roads), areas from 13.
        let (_, labels) = render(&named_scene(), 12, SubSquare::WHOLE, 512, false).unwrap();
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Cidade Fictícia", "Bairro Sintético"]);
        // The dark style labels the same; the image size scales the positions.
        let (_, labels) = render(&named_scene(), 14, SubSquare::WHOLE, 256, true).unwrap();
        assert_eq!(
            found(&labels, "Bairro Sintético").unwrap().pos,
            [187.5, 62.5]
        );
    }

    #[test]
    fn over_zoom_moves_labels_and_drops_those_outside() {
        // The top-right quarter (tile x 2048..4096, y 0..2048) drawn at 512 pixels.
        let sub = SubSquare { dz: 1, x: 1, y: 0 };
        let (_, labels) = render(&named_scene(), 14, sub, 512, false).unwrap();
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Bairro Sintético", "Avenida A"]);
        assert_eq!(
            found(&labels, "Bairro Sintético").unwrap().pos,
            [238.0, 250.0]
        );
        assert_eq!(found(&labels, "Avenida A").unwrap().pos, [256.0, 450.0]);
        // The bottom-left quarter: the water fills its bottom half.
        let sub = SubSquare { dz: 1, x: 0, y: 1 };
        let (_, labels) = render(&named_scene(), 14, sub, 512, false).unwrap();
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Rio (synthetic)"]);
        assert_eq!(labels[0].pos, [256.0, 384.0]);
        // Deep in the middle of the tile: nothing named there.
        let sub = SubSquare {
            dz: 6,
            x: 40,
            y: 40,
        };
        let (_, labels) = render(&named_scene(), 14, sub, 512, false).unwrap();
        assert!(labels.is_empty(), "{labels:?}");
    }

    #[test]
    fn labels_are_capped_keeping_the_best() {
        // 10,000 named villages, then one city: at most the cap, the city among them.
        let mut features: Vec<_> = (0..10_000)
            .map(|i| {
                (
                    Geom::Point(i % 4096, (i * 7) % 4096),
                    vec![("kind", "village"), ("name", "Aldeia")],
                )
            })
            .collect();
        features.push((
            Geom::Point(2048, 2048),
            vec![("kind", "city"), ("name", "Cidade")],
        ));
        let t = tile(&[Layer {
            name: "place",
            extent: 4096,
            features,
        }]);
        let (_, labels) = render(&t, 14, SubSquare::WHOLE, 512, false).unwrap();
        assert_eq!(labels.len(), MAX_LABELS);
        assert_eq!(labels[0].text, "Cidade");
        assert_eq!(labels[0].pos, [256.0, 256.0]);
        assert!(
            labels
                .iter()
                .all(|l| l.text.chars().count() <= MAX_LABEL_CHARS)
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000),
                                    dz in 0u8..4, dark in any::<bool>()) {
            let _ = render(&bytes, 14, SubSquare { dz, x: 0, y: 0 }, 64, dark);
        }

        #[test]
        fn damaged_tiles_never_panic(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
                                     cut in any::<usize>()) {
            let mut t = scene();
            for (at, b) in changes {
                let n = t.len();
                t[at % n] = b;
            }
            let n = t.len();
            t.truncate(n - cut % (n / 4));
            let _ = render(&t, 14, SubSquare { dz: 1, x: 1, y: 1 }, 128, false);
        }
    }

    /// Draws tiles of the synthetic sample (`examples/make_vector_pmtiles.rs`, or the file in
    /// `BN407_PMTILES`) into PNG files in the temporary directory, to look at:
    /// `cargo test --release --lib render_sample -- --ignored --nocapture`.
    #[test]
    #[ignore = "needs samples/lisbon-synthetic.pmtiles (cargo run --release --example make_vector_pmtiles); writes PNG files to look at"]
    fn render_sample_to_png() {
        let path = std::env::var("BN407_PMTILES")
            .unwrap_or_else(|_| "samples/lisbon-synthetic.pmtiles".to_string());
        let mut pm = super::super::PmTiles::open(std::path::Path::new(&path)).unwrap();
        assert!(pm.is_vector());
        // Central Lisbon, and the riverside.
        let tile_of = |z: u8, lat: f64, lon: f64| {
            let n = f64::from(1u32 << z);
            let lat = f64::to_radians(lat);
            let x = ((lon + 180.0) / 360.0 * n) as u32;
            let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
            (x, y)
        };
        let centre = (38.725, -9.15);
        let river = (38.697, -9.165);
        for (z, (lat, lon), dark, name) in [
            (10, centre, false, "z10"),
            (12, centre, false, "z12"),
            (13, centre, false, "z13"),
            (14, centre, false, "z14"),
            (15, centre, false, "z15"),
            (15, centre, true, "z15-dark"),
            (17, centre, false, "z17"),
            (13, river, true, "river-z13-dark"),
            (16, river, false, "river-z16"),
        ] {
            let (x, y) = tile_of(z, lat, lon);
            let start = std::time::Instant::now();
            let img = pm.tile_image(z, x, y, dark).unwrap().unwrap().0;
            let ms = start.elapsed().as_millis();
            let out = std::env::temp_dir().join(format!("bn407-vector-{name}.png"));
            save_png(&img, &out);
            println!("{} ({z}/{x}/{y}, {ms} ms)", out.display());
        }
    }
}
