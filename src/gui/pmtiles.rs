//! Reading raster tiles from a local PMTiles (version 3) file, for offline detail without a
//! server: <https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md>.
//!
//! The file holds a 127-byte header, a root directory, optional leaf directories and the tiles.
//! A directory lists runs of tile ids (Hilbert order, zoom by zoom) with the offset and length
//! of their data; an entry with a run length of 0 points to a leaf directory. Directories may
//! be gzip-compressed. Only raster tiles (PNG, JPEG, WebP) can be drawn; a vector file is
//! refused with a message. Nothing here panics on a damaged file: every read is checked.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Header size, bytes.
const HEADER_LEN: usize = 127;
/// Leaf directories followed at most.
const MAX_DEPTH: usize = 4;
/// Largest directory or tile read, bytes.
const MAX_READ: u64 = 64 << 20;

/// A PMTiles file opened for reading.
#[derive(Debug)]
pub struct PmTiles {
    file: File,
    root: Vec<Entry>,
    leaf_offset: u64,
    data_offset: u64,
    internal_gzip: bool,
    tile_gzip: bool,
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
    if n > b.len() {
        return Err("directory: more entries than bytes".to_string());
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

fn gunzip(b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .take(MAX_READ)
        .read_to_end(&mut out)
        .map_err(|e| format!("gzip: {e}"))?;
    Ok(out)
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
            0 | 1 => Ok(false),
            2 => Ok(true),
            other => Err(format!(
                "{what} compression {other} is not supported (gzip only)"
            )),
        };
        let internal_gzip = compression(byte_at(&h, 97), "directory")?;
        let tile_gzip = compression(byte_at(&h, 98), "tile")?;
        match byte_at(&h, 99) {
            2..=4 => {}
            1 => {
                return Err(
                    "vector tiles (MVT) cannot be drawn yet; use a raster .pmtiles file"
                        .to_string(),
                );
            }
            other => {
                return Err(format!(
                    "tile type {other} cannot be drawn (PNG, JPEG or WebP only)"
                ));
            }
        }
        let mut me = PmTiles {
            file,
            root: Vec::new(),
            leaf_offset: u64_at(&h, 40),
            data_offset: u64_at(&h, 56),
            internal_gzip,
            tile_gzip,
            max_zoom: byte_at(&h, 101),
        };
        me.root = me.directory(u64_at(&h, 8), u64_at(&h, 16))?;
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
        let raw = self.read(offset, length)?;
        let bytes = if self.internal_gzip {
            gunzip(&raw)?
        } else {
            raw
        };
        parse_directory(&bytes)
    }

    /// The bytes of tile `(z, x, y)` (decompressed), `None` when the file has no such tile.
    pub fn tile(&mut self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        let id = tile_id(z, x, y);
        let mut dir = self.root.clone();
        for _ in 0..MAX_DEPTH {
            let i = dir.partition_point(|e| e.tile_id <= id);
            let Some(e) = i.checked_sub(1).and_then(|i| dir.get(i)).copied() else {
                return Ok(None);
            };
            if e.run_length == 0 {
                dir = self.directory(
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
            return if self.tile_gzip {
                gunzip(&raw).map(Some)
            } else {
                Ok(Some(raw))
            };
        }
        Err("PMTiles: leaf directories nest too deep".to_string())
    }
}

/// Writes a PMTiles file holding `tiles` (`(z, x, y, bytes)`, raster PNG), uncompressed
/// directories, one root directory: for tests.
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub fn write_for_tests(path: &Path, tiles: &[(u8, u32, u32, Vec<u8>)]) -> std::io::Result<()> {
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
    h[98] = 1;
    h[99] = 2;
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
        let _ = std::fs::remove_dir_all(&dir);
    }
}
