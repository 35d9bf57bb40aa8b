//! Reading tiles from a local PMTiles (version 3) file, for offline detail without a server:
//! <https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md>.
//!
//! The file holds a 127-byte header, a root directory, optional leaf directories and the tiles.
//! A directory lists runs of tile ids (Hilbert order, zoom by zoom) with the offset and length
//! of their data; an entry with a run length of 0 points to a leaf directory. Directories and
//! tiles may be gzip-compressed. Raster tiles (PNG, JPEG, WebP) are decoded as they are; vector
//! tiles (MVT) are drawn into images on the CPU by [`vector`] with a built-in style.
//! [`PmTiles::tile_image`] gives the image of any tile the map asks for, also deeper than the
//! file's deepest zoom (drawn from the covering tile). Nothing here panics on a damaged file:
//! every read is checked, and every tile is bounded in size. [`write`] writes such files (for
//! the tests and the vector sample).

#[cfg(test)]
mod tests;
#[doc(hidden)]
pub mod write;

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::image::Image;
use super::varint::{self, VarintError};
use super::vector::{self, Label, SubSquare};

/// Header size, bytes.
pub(crate) const HEADER_LEN: usize = 127;
/// Leaf directories followed at most.
const MAX_DEPTH: usize = 4;
/// A directory's size at most, compressed and not (4 MiB hold about a million entries; real
/// files' leaves are far smaller).
const MAX_DIRECTORY: u64 = 4 << 20;
/// Leaf directories kept parsed.
const LEAVES_KEPT: usize = 8;
/// Entries of a leaf directory kept parsed, at most (24 bytes each).
const LEAF_ENTRIES_KEPT: usize = 65_536;
/// Largest directory or tile read, bytes.
const MAX_READ: u64 = 64 << 20;
/// Largest tile after decompression, bytes.
const MAX_TILE: u64 = super::mvt::MAX_TILE_BYTES as u64;
/// Side of the images drawn from vector tiles, pixels.
pub const VECTOR_TILE_SIZE: u32 = 512;
/// Largest side of a raster tile decoded, pixels.
const MAX_RASTER_SIDE: u32 = 4096;
/// Deepest zoom a tile is asked for at.
const MAX_ZOOM: u8 = 30;

/// Tile type byte of the header: vector (MVT).
pub(crate) const TYPE_MVT: u8 = 1;

/// A PMTiles file opened for reading.
#[derive(Debug)]
pub struct PmTiles {
    file: File,
    root: Arc<Vec<Entry>>,
    /// Leaf directories read lately, by offset (newest last), at most [`LEAVES_KEPT`].
    leaves: Vec<(u64, Arc<Vec<Entry>>)>,
    leaf_offset: u64,
    data_offset: u64,
    internal_gzip: bool,
    /// Tile compression: `Some(true)` gzip, `Some(false)` none, `None` unknown (looked at).
    tile_gzip: Option<bool>,
    /// Header tile type: 1 MVT, 2 PNG, 3 JPEG, 4 WebP.
    tile_type: u8,
    /// Largest zoom with tiles.
    pub max_zoom: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tile_id: u64,
    offset: u64,
    length: u32,
    run_length: u32,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

fn byte_at(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// The tile id of `(z, x, y)`: the tiles of lower zooms, then the Hilbert index at `z`.
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let z = u32::from(z.min(31));
    let base = ((1u128 << (2 * z)) - 1) / 3;
    let (mut x, mut y) = (u64::from(x), u64::from(y));
    let mut d: u64 = 0;
    let mut s: u64 = (1u64 << z) >> 1;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                // Only the bits below `s` matter from here on.
                x = !x & (s - 1);
                y = !y & (s - 1);
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    u64::try_from(base).unwrap_or(u64::MAX).saturating_add(d)
}

fn varint(b: &[u8], pos: &mut usize) -> Result<u64, String> {
    varint::read(b, pos).map_err(|e| match e {
        VarintError::CutShort => "directory: cut short".to_string(),
        VarintError::TooLong => "directory: varint too long".to_string(),
    })
}

fn parse_directory(b: &[u8]) -> Result<Vec<Entry>, String> {
    let mut pos = 0;
    let n = usize::try_from(varint(b, &mut pos)?).map_err(|e| e.to_string())?;
    // Every entry takes at least four bytes (four varints).
    if n > b.len() / 4 {
        return Err("directory: more entries than its bytes can hold".to_string());
    }
    let mut entries = vec![
        Entry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut last = 0u64;
    for e in entries.iter_mut() {
        last = last.saturating_add(varint(b, &mut pos)?);
        e.tile_id = last;
    }
    for e in entries.iter_mut() {
        e.run_length = u32::try_from(varint(b, &mut pos)?).map_err(|e| e.to_string())?;
    }
    for e in entries.iter_mut() {
        e.length = u32::try_from(varint(b, &mut pos)?).map_err(|e| e.to_string())?;
    }
    let mut prev: Option<(u64, u32)> = None;
    for e in entries.iter_mut() {
        let v = varint(b, &mut pos)?;
        e.offset = match (v, prev) {
            (0, Some((o, l))) => o.saturating_add(u64::from(l)),
            (v, _) => v.saturating_sub(1),
        };
        prev = Some((e.offset, e.length));
    }
    Ok(entries)
}

/// `b` decompressed; an error past `limit` bytes.
fn gunzip(b: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| format!("gzip: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "PMTiles: a part is larger than {} MiB",
            limit >> 20
        ));
    }
    Ok(out)
}

/// A raster tile decoded, at most [`MAX_RASTER_SIDE`] pixels a side.
fn decode_raster(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("not an image: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_RASTER_SIDE);
    limits.max_image_height = Some(MAX_RASTER_SIDE);
    reader.limits(limits);
    reader.decode().map_err(|e| format!("not an image: {e}"))
}

/// The part `sub` of a raster tile, enlarged to the tile's size.
fn raster_image(bytes: &[u8], sub: SubSquare) -> Result<Image, String> {
    let mut img = decode_raster(bytes)?;
    if sub != SubSquare::WHOLE {
        let (w, h) = (img.width(), img.height());
        let n = f64::from(1u32 << sub.dz.min(vector::MAX_DZ));
        let (cw, ch) = (f64::from(w) / n, f64::from(h) / n);
        let x0 = (f64::from(sub.x) * cw).floor() as u32;
        let y0 = (f64::from(sub.y) * ch).floor() as u32;
        let cw = (cw.ceil() as u32).max(1).min(w.saturating_sub(x0).max(1));
        let ch = (ch.ceil() as u32).max(1).min(h.saturating_sub(y0).max(1));
        img =
            img.crop_imm(x0, y0, cw, ch)
                .resize_exact(w, h, image::imageops::FilterType::Triangle);
    }
    Ok(Image::from_decoded(&img))
}

impl PmTiles {
    /// Opens `path` and reads its header and root directory.
    pub fn open(path: &Path) -> Result<PmTiles, String> {
        let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut h = [0u8; HEADER_LEN];
        file.read_exact(&mut h)
            .map_err(|_| "not a PMTiles file (too short)".to_string())?;
        if h.get(0..7) != Some(b"PMTiles".as_slice()) {
            return Err("not a PMTiles file".to_string());
        }
        if byte_at(&h, 7) != 3 {
            return Err(format!(
                "PMTiles version {} (only version 3 is read)",
                byte_at(&h, 7)
            ));
        }
        let compression = |c: u8, what: &str| match c {
            0 => Ok(None),
            1 => Ok(Some(false)),
            2 => Ok(Some(true)),
            other => Err(format!(
                "{what} compression {other} is not supported (gzip only)"
            )),
        };
        let internal_gzip = compression(byte_at(&h, 97), "directory")?.unwrap_or(false);
        let tile_gzip = compression(byte_at(&h, 98), "tile")?;
        let tile_type = byte_at(&h, 99);
        if !(1..=4).contains(&tile_type) {
            return Err(format!(
                "tile type {tile_type} cannot be drawn (vector MVT, PNG, JPEG or WebP only)"
            ));
        }
        let mut me = PmTiles {
            file,
            root: Arc::new(Vec::new()),
            leaves: Vec::new(),
            leaf_offset: u64_at(&h, 40),
            data_offset: u64_at(&h, 56),
            internal_gzip,
            tile_gzip,
            tile_type,
            max_zoom: byte_at(&h, 101),
        };
        me.root = Arc::new(me.directory(u64_at(&h, 8), u64_at(&h, 16))?);
        Ok(me)
    }

    fn read(&mut self, offset: u64, length: u64) -> Result<Vec<u8>, String> {
        if length > MAX_READ {
            return Err("PMTiles: a part is too large".to_string());
        }
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; usize::try_from(length).map_err(|e| e.to_string())?];
        self.file
            .read_exact(&mut buf)
            .map_err(|_| "PMTiles: file cut short".to_string())?;
        Ok(buf)
    }

    fn directory(&mut self, offset: u64, length: u64) -> Result<Vec<Entry>, String> {
        if length > MAX_DIRECTORY {
            return Err("PMTiles: a directory is too large".to_string());
        }
        let raw = self.read(offset, length)?;
        let bytes = if self.internal_gzip {
            gunzip(&raw, MAX_DIRECTORY)?
        } else {
            raw
        };
        parse_directory(&bytes)
    }

    /// The leaf directory at `offset` (from the file's leaf section), read once while it is
    /// among the [`LEAVES_KEPT`] used last.
    fn leaf(&mut self, offset: u64, length: u64) -> Result<Arc<Vec<Entry>>, String> {
        if let Some(i) = self.leaves.iter().position(|(o, _)| *o == offset) {
            let hit = self.leaves.remove(i);
            let dir = Arc::clone(&hit.1);
            self.leaves.push(hit);
            return Ok(dir);
        }
        let dir = Arc::new(self.directory(offset, length)?);
        // Huge leaves (only a hostile file has them) are not kept, so the cache stays small.
        if dir.len() <= LEAF_ENTRIES_KEPT {
            if self.leaves.len() >= LEAVES_KEPT {
                self.leaves.remove(0);
            }
            self.leaves.push((offset, Arc::clone(&dir)));
        }
        Ok(dir)
    }

    /// The bytes of tile `(z, x, y)` (decompressed), `None` when the file has no such tile.
    pub fn tile(&mut self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        let id = tile_id(z, x, y);
        let mut dir = Arc::clone(&self.root);
        for _ in 0..MAX_DEPTH {
            let i = dir.partition_point(|e| e.tile_id <= id);
            let Some(e) = i.checked_sub(1).and_then(|i| dir.get(i)).copied() else {
                return Ok(None);
            };
            if e.run_length == 0 {
                dir = self.leaf(
                    self.leaf_offset.saturating_add(e.offset),
                    u64::from(e.length),
                )?;
                continue;
            }
            if id >= e.tile_id.saturating_add(u64::from(e.run_length)) {
                return Ok(None);
            }
            let raw = self.read(
                self.data_offset.saturating_add(e.offset),
                u64::from(e.length),
            )?;
            // Unknown compression: gzip if the bytes start like gzip.
            let gzip = self
                .tile_gzip
                .unwrap_or_else(|| raw.starts_with(&[0x1f, 0x8b]));
            return if gzip {
                gunzip(&raw, MAX_TILE).map(Some)
            } else {
                Ok(Some(raw))
            };
        }
        Err("PMTiles: leaf directories nest too deep".to_string())
    }

    /// True for a file of vector (MVT) tiles, drawn with the built-in style.
    pub fn is_vector(&self) -> bool {
        self.tile_type == TYPE_MVT
    }

    /// The image of tile `(z, x, y)`, `None` where the file has no tile. Raster tiles are
    /// decoded; vector tiles are drawn at [`VECTOR_TILE_SIZE`] pixels with the light or the
    /// `dark` style. Deeper than [`PmTiles::max_zoom`], the covering tile of `max_zoom` gives
    /// the image: a vector tile draws that part of itself at full resolution, a raster tile's
    /// part is enlarged. Beside the image come the labels of a vector tile in the image's
    /// pixels ([`Label`]; none for raster tiles).
    pub fn tile_image(
        &mut self,
        z: u8,
        x: u32,
        y: u32,
        dark: bool,
    ) -> Result<Option<(Image, Vec<Label>)>, String> {
        if z > MAX_ZOOM || u64::from(x) >> z != 0 || u64::from(y) >> z != 0 {
            return Ok(None);
        }
        let dz = z.saturating_sub(self.max_zoom);
        if dz > vector::MAX_DZ {
            return Ok(None);
        }
        let mask = (1u32 << dz) - 1;
        let sub = SubSquare {
            dz,
            x: x & mask,
            y: y & mask,
        };
        let Some(bytes) = self.tile(z - dz, x >> dz, y >> dz)? else {
            return Ok(None);
        };
        if self.is_vector() {
            vector::render(&bytes, z - dz, sub, VECTOR_TILE_SIZE, dark).map(Some)
        } else {
            raster_image(&bytes, sub).map(|i| Some((i, Vec::new())))
        }
    }
}
