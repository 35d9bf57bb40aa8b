//! Mapbox Vector Tile (MVT 2.1) protobuf, read by hand in place: a tile's layers, their keys,
//! values and features as slices of the tile's bytes, and [`encode`] to write tiles.
//!
//! Why by hand and not with the `mvt-reader` crate: that crate reserves, for every ring and line
//! of a feature, as much memory as the whole feature's geometry and keeps it, so a tile of many
//! tiny rings asks for rings × length memory (a failed allocation aborts the program, it cannot
//! be caught); it also decodes whole layers, properties and all, before anything could be
//! capped, and one bad tag drops a whole layer. Here nothing is decoded until it is asked for,
//! and the work is bounded: at most [`MAX_TILE_BYTES`] of tile, [`MAX_LAYERS`] layers and
//! [`MAX_FEATURES`] features. A damaged protobuf is an error, never a panic.

#[doc(hidden)]
pub mod encode;

use super::varint::{self, VarintError};

/// Largest tile read, bytes (after decompression).
pub const MAX_TILE_BYTES: usize = 16 << 20;
/// Features looked at per tile, at most.
pub const MAX_FEATURES: usize = 200_000;
/// Layers per tile, at most (more is an error).
pub const MAX_LAYERS: usize = 256;
/// Keys kept per tile, at most (more are read as absent).
pub const MAX_KEYS: usize = 1 << 16;
/// Values kept per tile, at most (more are read as absent).
pub const MAX_VALUES: usize = 1 << 20;

/// Geometry type of points.
pub const POINT: u64 = 1;
/// Geometry type of lines.
pub const LINESTRING: u64 = 2;
/// Geometry type of polygons.
pub const POLYGON: u64 = 3;

/// A field's value, by wire type.
pub enum Wire<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 2: length-delimited bytes.
    Bytes(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
    /// Wire type 1.
    Fixed64(u64),
}

/// A protobuf message read field by field, in place.
pub struct Pb<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Pb<'a> {
    /// A reader of the message `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Pb { buf, pos: 0 }
    }

    /// True when every byte was read.
    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The next varint.
    pub fn varint(&mut self) -> Result<u64, String> {
        varint::read(self.buf, &mut self.pos).map_err(|e| match e {
            VarintError::CutShort => "vector tile cut short".to_string(),
            VarintError::TooLong => "vector tile: number too long".to_string(),
        })
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
    pub fn field(&mut self) -> Result<Option<(u64, Wire<'a>)>, String> {
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
pub struct Packed<'a> {
    pb: Pb<'a>,
    /// A number was damaged: the list ended early.
    pub bad: bool,
}

impl<'a> Packed<'a> {
    /// The numbers packed in `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
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

/// A layer of a tile, its parts still in the tile's bytes.
pub struct LayerRef<'a> {
    /// The layer's name.
    pub name: &'a [u8],
    /// Coordinates of the layer's square (4096 by default).
    pub extent: u32,
    /// Property keys.
    pub keys: Vec<&'a [u8]>,
    /// Property values (`Value` messages, read with [`value_str`] and [`value_int`]).
    pub values: Vec<&'a [u8]>,
    /// The features.
    pub features: Vec<FeatureRef<'a>>,
}

/// A feature of a layer, its parts still in the tile's bytes.
#[derive(Clone, Copy)]
pub struct FeatureRef<'a> {
    /// [`POINT`], [`LINESTRING`] or [`POLYGON`] (0: unknown).
    pub geom_type: u64,
    /// Packed key and value indices.
    pub tags: &'a [u8],
    /// Packed geometry commands.
    pub geometry: &'a [u8],
}

/// What a tile holds so far, against the bounds.
#[derive(Default)]
struct Counts {
    features: usize,
    keys: usize,
    values: usize,
}

/// The layers of a tile: an error when its protobuf is damaged or it has more than
/// [`MAX_LAYERS`] layers; past [`MAX_FEATURES`], [`MAX_KEYS`] and [`MAX_VALUES`] the rest is
/// left out.
pub fn parse_tile(b: &[u8]) -> Result<Vec<LayerRef<'_>>, String> {
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
pub fn value_str(v: &[u8]) -> Option<&str> {
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
pub fn value_int(v: &[u8]) -> Option<i64> {
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
