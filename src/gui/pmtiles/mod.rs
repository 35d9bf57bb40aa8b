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
//! every read is checked, and every tile is bounded in size.

pub mod vector;

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use eframe::egui::ColorImage;

use vector::SubSquare;

/// Header size, bytes.
const HEADER_LEN: usize = 127;
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
const MAX_TILE: u64 = vector::MAX_TILE_BYTES as u64;
/// Side of the images drawn from vector tiles, pixels.
pub const VECTOR_TILE_SIZE: u32 = 512;
/// Largest side of a raster tile decoded, pixels.
const MAX_RASTER_SIDE: u32 = 4096;
/// Deepest zoom a tile is asked for at.
const MAX_ZOOM: u8 = 30;

/// Tile type byte of the header: vector (MVT).
const TYPE_MVT: u8 = 1;

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
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos).ok_or("directory: cut short")?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("directory: varint too long".to_string())
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
fn raster_image(bytes: &[u8], sub: SubSquare) -> Result<ColorImage, String> {
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
    let rgba = img.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
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
    /// pixels ([`vector::Label`]; none for raster tiles).
    pub fn tile_image(
        &mut self,
        z: u8,
        x: u32,
        y: u32,
        dark: bool,
    ) -> Result<Option<(ColorImage, Vec<vector::Label>)>, String> {
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

/// Writes a PMTiles file holding `tiles` (`(z, x, y, bytes)`, raster PNG), uncompressed
/// directories, one root directory: for tests.
#[cfg(test)]
pub fn write_for_tests(path: &Path, tiles: &[(u8, u32, u32, Vec<u8>)]) -> std::io::Result<()> {
    write_file_for_tests(path, tiles, 2, false)
}

/// Writes a PMTiles file of vector tiles (`(z, x, y, uncompressed MVT)`), stored
/// gzip-compressed: for tests.
#[cfg(test)]
pub fn write_vector_for_tests(
    path: &Path,
    tiles: &[(u8, u32, u32, Vec<u8>)],
) -> std::io::Result<()> {
    write_file_for_tests(path, tiles, TYPE_MVT, true)
}

/// Writes a PMTiles file of `tile_type`, the tiles gzip-compressed if `gzip`.
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
fn write_file_for_tests(
    path: &Path,
    tiles: &[(u8, u32, u32, Vec<u8>)],
    tile_type: u8,
    gzip: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let tiles: Vec<(u8, u32, u32, Vec<u8>)> = tiles
        .iter()
        .map(|(z, x, y, b)| {
            let b = if gzip {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(b)?;
                enc.finish()?
            } else {
                b.clone()
            };
            Ok((*z, *x, *y, b))
        })
        .collect::<std::io::Result<_>>()?;
    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
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
    let mut sorted: Vec<(u64, &Vec<u8>)> = tiles
        .iter()
        .map(|(z, x, y, b)| (tile_id(*z, *x, *y), b))
        .collect();
    sorted.sort_by_key(|t| t.0);
    let mut dir = Vec::new();
    put_varint(&mut dir, sorted.len() as u64);
    let mut last = 0;
    for (id, _) in &sorted {
        put_varint(&mut dir, id - last);
        last = *id;
    }
    for _ in &sorted {
        put_varint(&mut dir, 1);
    }
    for (_, b) in &sorted {
        put_varint(&mut dir, b.len() as u64);
    }
    let mut data = Vec::new();
    for (_, b) in &sorted {
        put_varint(&mut dir, data.len() as u64 + 1);
        data.extend_from_slice(b);
    }
    let mut h = vec![0u8; HEADER_LEN];
    h[0..7].copy_from_slice(b"PMTiles");
    h[7] = 3;
    let root_off = HEADER_LEN as u64;
    let data_off = root_off + dir.len() as u64;
    h[8..16].copy_from_slice(&root_off.to_le_bytes());
    h[16..24].copy_from_slice(&(dir.len() as u64).to_le_bytes());
    h[40..48].copy_from_slice(&data_off.to_le_bytes());
    h[56..64].copy_from_slice(&data_off.to_le_bytes());
    h[64..72].copy_from_slice(&(data.len() as u64).to_le_bytes());
    h[97] = 1;
    h[98] = if gzip { 2 } else { 1 };
    h[99] = tile_type;
    h[100] = tiles.iter().map(|t| t.0).min().unwrap_or(0);
    h[101] = tiles.iter().map(|t| t.0).max().unwrap_or(0);
    let mut out = h;
    out.extend_from_slice(&dir);
    out.extend_from_slice(&data);
    std::fs::write(path, out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_follow_the_spec() {
        // From the PMTiles specification's examples.
        assert_eq!(tile_id(0, 0, 0), 0);
        assert_eq!(tile_id(1, 0, 0), 1);
        assert_eq!(tile_id(1, 0, 1), 2);
        assert_eq!(tile_id(1, 1, 1), 3);
        assert_eq!(tile_id(1, 1, 0), 4);
        assert_eq!(tile_id(2, 0, 0), 5);
        // Deep enough for every rotation of the Hilbert curve (value from the reference
        // implementation of the specification).
        assert_eq!(tile_id(12, 3423, 1763), 19_078_479);
    }

    #[test]
    fn reads_back_what_was_written_and_refuses_other_files() {
        let dir = std::env::temp_dir().join(format!("bn407-pmtiles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.pmtiles");
        write_for_tests(
            &path,
            &[
                (0, 0, 0, b"zero".to_vec()),
                (2, 1, 3, b"two".to_vec()),
                (1, 1, 0, b"one".to_vec()),
            ],
        )
        .unwrap();
        let mut p = PmTiles::open(&path).unwrap();
        assert_eq!(p.max_zoom, 2);
        assert_eq!(
            p.tile(0, 0, 0).unwrap().as_deref(),
            Some(b"zero".as_slice())
        );
        assert_eq!(p.tile(1, 1, 0).unwrap().as_deref(), Some(b"one".as_slice()));
        assert_eq!(p.tile(2, 1, 3).unwrap().as_deref(), Some(b"two".as_slice()));
        assert_eq!(p.tile(2, 0, 0).unwrap(), None);
        assert_eq!(p.tile(5, 3, 3).unwrap(), None);
        std::fs::write(dir.join("bad.pmtiles"), b"not a map at all, just text....").unwrap();
        assert!(PmTiles::open(&dir.join("bad.pmtiles")).is_err());
        // A tile type that is not MVT, PNG, JPEG or WebP.
        let mut other = std::fs::read(&path).unwrap();
        other[99] = 7;
        std::fs::write(dir.join("other.pmtiles"), other).unwrap();
        let e = PmTiles::open(&dir.join("other.pmtiles")).unwrap_err();
        assert!(e.contains("tile type 7"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("bn407-pmtiles-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn vector_files_open_and_draw_any_zoom() {
        let dir = temp_dir("vector");
        let path = dir.join("v.pmtiles");
        let mvt = vector::encode::scene();
        write_vector_for_tests(&path, &[(14, 100, 200, mvt.clone())]).unwrap();
        let raw = std::fs::read(&path).unwrap();
        assert_eq!((raw[98], raw[99]), (2, 1), "gzip, MVT");
        let mut p = PmTiles::open(&path).unwrap();
        assert!(p.is_vector());
        assert_eq!(p.max_zoom, 14);
        assert_eq!(p.tile(14, 100, 200).unwrap(), Some(mvt));

        let at = |img: &ColorImage, x: usize, y: usize| img.pixels[y * img.size[0] + x];
        let img = p.tile_image(14, 100, 200, false).unwrap().unwrap().0;
        assert_eq!(img.size, [512, 512]);
        let (water, land) = (at(&img, 50, 100), at(&img, 450, 450));
        assert_ne!(water, land);
        assert_eq!(at(&img, 185, 100), water);
        assert_eq!(at(&img, 200, 100), land);
        let dark = p.tile_image(14, 100, 200, true).unwrap().unwrap().0;
        assert_eq!(dark.size, [512, 512]);
        assert_ne!(at(&dark, 50, 100), water);
        assert_ne!(at(&dark, 450, 450), land);

        // Deeper than the file: (15, 200, 401) is the bottom-left quarter of the tile, drawn at
        // full size, its water edge at 1536 / 2048 * 512 = 384 px.
        let q = p.tile_image(15, 200, 401, false).unwrap().unwrap().0;
        assert_eq!(q.size, [512, 512]);
        assert_eq!(at(&q, 375, 50), water);
        assert_eq!(at(&q, 393, 50), land);
        // Zoom 16: column 401 is tile x 1024..2048, the water edge at 256 px; column 402 is
        // 2048..3072, land.
        let q = p.tile_image(16, 401, 803, false).unwrap().unwrap().0;
        assert_eq!(at(&q, 250, 10), water);
        assert_eq!(at(&q, 262, 10), land);
        let q = p.tile_image(16, 402, 803, false).unwrap().unwrap().0;
        assert_eq!(at(&q, 10, 10), land);

        // Where the file has nothing, or the address makes no sense.
        assert!(p.tile_image(14, 101, 200, false).unwrap().is_none());
        assert!(p.tile_image(15, 202, 400, false).unwrap().is_none());
        assert!(p.tile_image(13, 50, 100, false).unwrap().is_none());
        assert!(p.tile_image(2, 4, 0, false).unwrap().is_none());
        assert!(p.tile_image(40, 0, 0, false).unwrap().is_none());
        assert!(
            p.tile_image(255, u32::MAX, u32::MAX, true)
                .unwrap()
                .is_none()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn damaged_and_oversized_vector_tiles_are_errors() {
        let dir = temp_dir("damaged");
        let path = dir.join("v.pmtiles");
        let mvt = vector::encode::scene();
        let cut = mvt[..mvt.len() / 2].to_vec();
        // Decompresses to more than a tile may be, from a few kilobytes.
        let big = vec![0u8; vector::MAX_TILE_BYTES + 10];
        write_vector_for_tests(&path, &[(1, 0, 0, cut), (1, 1, 1, big)]).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < 100_000);
        let mut p = PmTiles::open(&path).unwrap();
        let e = p.tile_image(1, 0, 0, false).unwrap_err();
        assert!(e.contains("cut short"), "{e}");
        let e = p.tile_image(1, 1, 1, false).unwrap_err();
        assert!(e.contains("larger than"), "{e}");
        let e = p.tile_image(3, 7, 7, false).unwrap_err();
        assert!(e.contains("larger than"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn raster_files_decode_and_enlarge() {
        let dir = temp_dir("raster");
        let path = dir.join("r.pmtiles");
        // 4 x 4: the left half red, the right half blue.
        let img = image::RgbaImage::from_fn(4, 4, |x, _| {
            if x < 2 {
                image::Rgba([255, 0, 0, 255])
            } else {
                image::Rgba([0, 0, 255, 255])
            }
        });
        let mut png = Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        write_for_tests(
            &path,
            &[
                (3, 1, 2, png.into_inner()),
                (3, 2, 2, b"not a png".to_vec()),
            ],
        )
        .unwrap();
        let mut p = PmTiles::open(&path).unwrap();
        assert!(!p.is_vector());
        let red = eframe::egui::Color32::from_rgb(255, 0, 0);
        let blue = eframe::egui::Color32::from_rgb(0, 0, 255);
        let t = p.tile_image(3, 1, 2, false).unwrap().unwrap().0;
        assert_eq!(t.size, [4, 4]);
        assert_eq!((t.pixels[0], t.pixels[3]), (red, blue));
        // Deeper: the right half of the top row of quarters, enlarged, is all blue.
        let t = p.tile_image(4, 3, 4, false).unwrap().unwrap().0;
        assert_eq!(t.size, [4, 4]);
        assert!(t.pixels.iter().all(|&c| c == blue));
        let t = p.tile_image(4, 2, 5, true).unwrap().unwrap().0;
        assert!(t.pixels.iter().all(|&c| c == red));
        assert!(p.tile_image(3, 2, 2, false).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
