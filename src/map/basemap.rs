//! The built-in world basemap: coastlines and country borders that need no network, for
//! installers working offline. Made with Natural Earth (public domain,
//! <https://www.naturalearthdata.com>): the 1:50m Admin 0 country boundaries, as redistributed
//! in TopoJSON by the npm package `world-atlas` 2.0.2 and converted once by
//! `assets/make-basemap.mjs` into `assets/world-50m.bin` (about 320 KB, 1,958 lines, 80,355
//! points), which is compiled into the binary.
//!
//! # Format of `world-50m.bin` (version 1)
//!
//! All integers are little-endian; "varint" is LEB128 (7 bits a byte, low group first) and
//! "zigzag" maps 0, -1, 1, -2, ... to 0, 1, 2, 3, ...
//!
//! | what | encoding |
//! |---|---|
//! | magic | the 4 bytes `BNWM` |
//! | version | 1 byte, `1` |
//! | units per degree | varint (`10000`: coordinates are in 1e-4°, about 11 m) |
//! | line count | varint |
//! | each line: kind | 1 byte, `0` edge of land (coastline, lake shore), `1` border between two countries |
//! | each line: point count | varint, at least 2 |
//! | each line: points | per point a zigzag varint of the longitude delta then of the latitude delta, in units, from the previous point of the same line (the first point from 0, 0) |
//! | checksum | 4 bytes, FNV-1a 32 of every byte before it |
//!
//! Decoding checks the magic, version, checksum, counts and coordinate ranges and never
//! panics: a damaged asset gives an empty map and a [`BasemapError`] ([`world_error`]).
//! Decoded lines are cut into pieces of at most [`PIECE_POINTS`] points (consecutive pieces share
//! their end point) so that each piece's bounding box is tight and [`Basemap::lines_in`] returns
//! little that lies off screen.

use std::sync::OnceLock;

use super::geo::BBox;
use super::varint::{self, VarintError};

/// The asset, compiled in.
static WORLD_BIN: &[u8] = include_bytes!("../../assets/world-50m.bin");

/// Most points in one decoded [`Polyline`].
pub const PIECE_POINTS: usize = 64;

/// Size of a cell of the spatial index, degrees.
const CELL_DEG: f64 = 10.0;
const GRID_W: usize = 36;
const GRID_H: usize = 18;

/// What a basemap line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The edge of land: a coastline or the shore of a large lake.
    Coastline,
    /// A border between two countries.
    Border,
}

/// One basemap line.
#[derive(Debug, Clone, PartialEq)]
pub struct Polyline {
    /// Coastline or border.
    pub kind: LineKind,
    /// Bounding box of `points`.
    pub bbox: BBox,
    /// `(lon, lat)` degrees, at least two.
    pub points: Vec<(f64, f64)>,
}

/// Coastlines and borders with a spatial index.
#[derive(Debug, Clone, Default)]
pub struct Basemap {
    /// Every line, in asset order.
    pub lines: Vec<Polyline>,
    /// Index: for each 10° cell (row-major from the south-west), the lines whose box touches it.
    grid: Vec<Vec<u32>>,
}

/// Why the basemap asset could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BasemapError {
    /// It does not start with `BNWM`.
    #[error("basemap: not a basemap (bad magic)")]
    Magic,
    /// A version this build does not read.
    #[error("basemap: unsupported version {0}")]
    Version(u8),
    /// The checksum does not match.
    #[error("basemap: checksum mismatch (damaged asset)")]
    Checksum,
    /// It ends in the middle of something.
    #[error("basemap: truncated at byte {0}")]
    Truncated(usize),
    /// A value is out of range.
    #[error("basemap: bad value at byte {at}: {what}")]
    Invalid {
        /// Byte offset.
        at: usize,
        /// What is wrong.
        what: &'static str,
    },
}

static WORLD: OnceLock<(Basemap, Option<BasemapError>)> = OnceLock::new();

fn world_entry() -> &'static (Basemap, Option<BasemapError>) {
    WORLD.get_or_init(|| match Basemap::decode(WORLD_BIN) {
        Ok(map) => (map, None),
        Err(e) => (Basemap::default(), Some(e)),
    })
}

/// The built-in world map, decoded on first use (a few milliseconds) and kept for the life of
/// the program. Empty when the asset is damaged; [`world_error`] then says why.
pub fn world() -> &'static Basemap {
    &world_entry().0
}

/// Why [`world`] is empty, if it is.
pub fn world_error() -> Option<&'static BasemapError> {
    world_entry().1.as_ref()
}

/// Attribution to show with the basemap.
pub const ATTRIBUTION: &str = "Made with Natural Earth";

impl Basemap {
    /// Decodes a basemap in the format described in the [module documentation](self).
    pub fn decode(bytes: &[u8]) -> Result<Basemap, BasemapError> {
        let body_len = bytes
            .len()
            .checked_sub(4)
            .ok_or(BasemapError::Truncated(bytes.len()))?;
        let (body, sum) = bytes.split_at(body_len);
        if body.get(..4) != Some(b"BNWM".as_slice()) {
            return Err(BasemapError::Magic);
        }
        let stored = u32::from_le_bytes(sum.try_into().map_err(|_| BasemapError::Truncated(0))?);
        if fnv1a(body) != stored {
            return Err(BasemapError::Checksum);
        }
        let mut r = Reader {
            bytes: body,
            pos: 4,
        };
        let version = r.byte()?;
        if version != 1 {
            return Err(BasemapError::Version(version));
        }
        let units = r.varint()?;
        if !(1..=10_000_000).contains(&units) {
            return Err(r.invalid("units per degree"));
        }
        let units = units as f64;
        let count = r.varint()?;
        // Every line takes at least 6 bytes: no allocation larger than the input.
        if count > (body.len() / 6) as u64 {
            return Err(r.invalid("line count"));
        }
        let mut lines = Vec::new();
        let mut points: Vec<(f64, f64)> = Vec::new();
        for _ in 0..count {
            let kind = match r.byte()? {
                0 => LineKind::Coastline,
                1 => LineKind::Border,
                _ => return Err(r.invalid("line kind")),
            };
            let n = r.varint()?;
            if n < 2 || n > (body.len().saturating_sub(r.pos) / 2) as u64 {
                return Err(r.invalid("point count"));
            }
            points.clear();
            let (mut x, mut y) = (0i64, 0i64);
            for _ in 0..n {
                x = x.checked_add(r.zigzag()?).ok_or(r.invalid("longitude"))?;
                y = y.checked_add(r.zigzag()?).ok_or(r.invalid("latitude"))?;
                let (lon, lat) = (x as f64 / units, y as f64 / units);
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(r.invalid("longitude"));
                }
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(r.invalid("latitude"));
                }
                points.push((lon, lat));
            }
            push_pieces(&mut lines, kind, &points);
        }
        if r.pos != body.len() {
            return Err(r.invalid("trailing bytes"));
        }
        Ok(Basemap::from_lines(lines))
    }

    /// A basemap of the given lines, indexed.
    pub fn from_lines(lines: Vec<Polyline>) -> Basemap {
        let mut grid = vec![Vec::new(); GRID_W * GRID_H];
        for (i, line) in lines.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            for cell in cells(&line.bbox) {
                if let Some(c) = grid.get_mut(cell) {
                    c.push(i);
                }
            }
        }
        Basemap { lines, grid }
    }

    /// The lines whose bounding box meets `bbox`, in asset order, each once.
    pub fn lines_in(&self, bbox: &BBox) -> Vec<&Polyline> {
        let mut ids: Vec<u32> = cells(bbox)
            .filter_map(|c| self.grid.get(c))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|i| self.lines.get(i as usize))
            .filter(|l| l.bbox.intersects(bbox))
            .collect()
    }

    /// True when the map has no line (a damaged asset).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Number of points of all lines.
    pub fn point_count(&self) -> usize {
        self.lines.iter().map(|l| l.points.len()).sum()
    }
}

/// Cuts `points` into pieces of at most [`PIECE_POINTS`] points sharing their ends.
fn push_pieces(lines: &mut Vec<Polyline>, kind: LineKind, points: &[(f64, f64)]) {
    let mut start = 0;
    while start + 1 < points.len() {
        let end = (start + PIECE_POINTS).min(points.len());
        let Some(piece) = points.get(start..end) else {
            return;
        };
        lines.push(Polyline {
            kind,
            bbox: BBox::from_points(piece.iter().copied()),
            points: piece.to_vec(),
        });
        start = end - 1;
    }
}

/// Grid cells that `bbox` touches (none for an empty or non-finite box).
fn cells(bbox: &BBox) -> impl Iterator<Item = usize> {
    let col = |lon: f64| {
        ((lon + 180.0) / CELL_DEG)
            .floor()
            .clamp(0.0, (GRID_W - 1) as f64) as usize
    };
    let row = |lat: f64| {
        ((lat + 90.0) / CELL_DEG)
            .floor()
            .clamp(0.0, (GRID_H - 1) as f64) as usize
    };
    let finite = [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat]
        .iter()
        .all(|v| !v.is_nan());
    let (c0, c1, r0, r1) = if bbox.is_empty() || !finite {
        (1, 0, 1, 0)
    } else {
        (
            col(bbox.min_lon),
            col(bbox.max_lon),
            row(bbox.min_lat),
            row(bbox.max_lat),
        )
    };
    (r0..=r1).flat_map(move |r| (c0..=c1).map(move |c| r * GRID_W + c))
}

/// FNV-1a, 32 bits.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, BasemapError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or(BasemapError::Truncated(self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, BasemapError> {
        varint::read(self.bytes, &mut self.pos).map_err(|e| match e {
            VarintError::CutShort => BasemapError::Truncated(self.pos),
            VarintError::TooLong => self.invalid("varint too long"),
        })
    }

    fn zigzag(&mut self) -> Result<i64, BasemapError> {
        self.varint().map(varint::unzigzag)
    }

    fn invalid(&self, what: &'static str) -> BasemapError {
        BasemapError::Invalid { at: self.pos, what }
    }
}
