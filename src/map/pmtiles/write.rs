//! Writing PMTiles (version 3) files, for the tests and for the example that makes the vector
//! sample (`examples/make_vector_pmtiles.rs`): one root directory (no leaf directories), tiles in
//! tile-id order (clustered), identical tiles stored once and runs of them in one entry. Not used
//! by the analyzer itself.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::{HEADER_LEN, tile_id};
use crate::map::varint;

/// The root directory and the header must fit in the first 16 KiB (the specification).
const MAX_ROOT: usize = 16_384;

/// What the file says of itself besides its tiles.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Tile type: 1 MVT, 2 PNG, 3 JPEG, 4 WebP.
    pub tile_type: u8,
    /// The tiles are given gzip-compressed (else as they are).
    pub tiles_gzipped: bool,
    /// Directory and metadata gzip-compressed.
    pub gzip_internal: bool,
    /// The metadata (JSON); empty for none.
    pub metadata: &'a [u8],
    /// The area covered, `[west, south, east, north]` degrees (zeros: not said).
    pub bounds: [f64; 4],
    /// The zoom to show first (at the middle of `bounds`).
    pub center_zoom: u8,
}

/// `b` gzip-compressed (best compression).
pub fn gzip(b: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b)?;
    enc.finish()
}

/// The bytes of a PMTiles file holding `tiles` (`(z, x, y, bytes as stored)`).
pub fn to_bytes(tiles: &[(u8, u32, u32, Vec<u8>)], o: &Options<'_>) -> std::io::Result<Vec<u8>> {
    let mut sorted: Vec<(u64, &[u8])> = tiles
        .iter()
        .map(|(z, x, y, b)| (tile_id(*z, *x, *y), b.as_slice()))
        .collect();
    sorted.sort_by_key(|t| t.0);

    // Tile data, identical tiles stored once; directory entries with runs of repeats.
    let mut data = Vec::new();
    let mut stored: HashMap<&[u8], u64> = HashMap::new();
    // (id, offset, length, run length)
    let mut entries: Vec<(u64, u64, u64, u64)> = Vec::new();
    for &(id, bytes) in &sorted {
        let offset = match stored.get(bytes) {
            Some(&o) => o,
            None => {
                let o = data.len() as u64;
                data.extend_from_slice(bytes);
                stored.insert(bytes, o);
                o
            }
        };
        if let Some(last) = entries.last_mut()
            && last.1 == offset
            && last.0 + last.3 == id
        {
            last.3 += 1;
            continue;
        }
        entries.push((id, offset, bytes.len() as u64, 1));
    }
    let mut dir = Vec::new();
    varint::write(&mut dir, entries.len() as u64);
    let mut last_id = 0;
    for e in &entries {
        varint::write(&mut dir, e.0 - last_id);
        last_id = e.0;
    }
    for e in &entries {
        varint::write(&mut dir, e.3);
    }
    for e in &entries {
        varint::write(&mut dir, e.2);
    }
    let mut next = None;
    for e in &entries {
        varint::write(&mut dir, if next == Some(e.1) { 0 } else { e.1 + 1 });
        next = Some(e.1 + e.2);
    }
    let (dir, metadata) = if o.gzip_internal {
        (gzip(&dir)?, gzip(o.metadata)?)
    } else {
        (dir, o.metadata.to_vec())
    };
    if HEADER_LEN + dir.len() > MAX_ROOT {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the root directory must fit in 16 KiB",
        ));
    }

    let e7 = |v: f64| ((v * 1e7).round() as i32).to_le_bytes();
    let root_off = HEADER_LEN as u64;
    let meta_off = root_off + dir.len() as u64;
    let data_off = meta_off + metadata.len() as u64;
    let compression = |gz: bool| if gz { 2 } else { 1 };
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(b"PMTiles");
    h.push(3);
    for v in [
        root_off,
        dir.len() as u64,
        meta_off,
        metadata.len() as u64,
        data_off, // no leaf directories
        0,
        data_off,
        data.len() as u64,
        sorted.len() as u64,
        entries.len() as u64,
        stored.len() as u64,
    ] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.push(1); // clustered
    h.push(compression(o.gzip_internal));
    h.push(compression(o.tiles_gzipped));
    h.push(o.tile_type);
    h.push(tiles.iter().map(|t| t.0).min().unwrap_or(0));
    h.push(tiles.iter().map(|t| t.0).max().unwrap_or(0));
    let [west, south, east, north] = o.bounds;
    for v in [west, south, east, north] {
        h.extend_from_slice(&e7(v));
    }
    h.push(o.center_zoom);
    h.extend_from_slice(&e7((west + east) / 2.0));
    h.extend_from_slice(&e7((south + north) / 2.0));
    debug_assert_eq!(h.len(), HEADER_LEN);

    let mut out = h;
    out.extend_from_slice(&dir);
    out.extend_from_slice(&metadata);
    out.extend_from_slice(&data);
    Ok(out)
}

/// Writes a PMTiles file holding `tiles` (`(z, x, y, bytes as stored)`) to `path`.
pub fn write(
    path: &Path,
    tiles: &[(u8, u32, u32, Vec<u8>)],
    o: &Options<'_>,
) -> std::io::Result<()> {
    std::fs::write(path, to_bytes(tiles, o)?)
}

/// Writes raster tiles (PNG), as they are: for tests.
#[cfg(test)]
pub(crate) fn raster_for_tests(
    path: &Path,
    tiles: &[(u8, u32, u32, Vec<u8>)],
) -> std::io::Result<()> {
    let o = Options {
        tile_type: 2,
        ..Options::default()
    };
    write(path, tiles, &o)
}

/// Writes vector tiles (uncompressed MVT given), stored gzip-compressed: for tests.
#[cfg(test)]
pub(crate) fn vector_for_tests(
    path: &Path,
    tiles: &[(u8, u32, u32, Vec<u8>)],
) -> std::io::Result<()> {
    let tiles = tiles
        .iter()
        .map(|(z, x, y, b)| Ok((*z, *x, *y, gzip(b)?)))
        .collect::<std::io::Result<Vec<_>>>()?;
    let o = Options {
        tile_type: super::TYPE_MVT,
        tiles_gzipped: true,
        ..Options::default()
    };
    write(path, &tiles, &o)
}
