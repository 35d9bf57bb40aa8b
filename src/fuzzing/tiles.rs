//! Target `pmtiles`: PMTiles files and vector tiles, drawn as the map draws them.

/// Target `pmtiles`: the bytes as a PMTiles file (header, directories, tiles), opened and
/// asked for a few tiles drawn as the map would; or, when the first byte is 0, the rest as one
/// vector (MVT) tile drawn directly.
pub fn pmtiles(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    if *first == 0 {
        let _ = mvt_labels(rest, 64);
        return;
    }
    let _ = pmtiles_tiles(data, &[(0, 0, 0), (1, 1, 0), (3, 2, 5), (14, 7801, 6210)]);
}

/// Draws `mvt` as a vector tile of `size` pixels.
#[doc(hidden)]
pub fn mvt_labels(mvt: &[u8], size: u32) -> Result<usize, String> {
    let (_, labels) =
        crate::map::vector::render(mvt, 14, crate::map::vector::SubSquare::WHOLE, size, false)?;
    Ok(labels.len())
}

/// Opens `file` as a PMTiles file and reads the tiles
/// `(z, x, y)`, drawing vector tiles small. The bytes go through a temporary file, as the
/// reader reads files.
#[doc(hidden)]
pub fn pmtiles_tiles(file: &[u8], tiles: &[(u8, u32, u32)]) -> Result<usize, String> {
    let path = std::env::temp_dir().join(format!(
        "bn407-fuzz-{}-{:?}.pmtiles",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, file).map_err(|e| e.to_string())?;
    let opened = crate::map::pmtiles::PmTiles::open(&path);
    let _ = std::fs::remove_file(&path);
    let mut p = opened?;
    let mut found = 0;
    for &(z, x, y) in tiles {
        if let Ok(Some(bytes)) = p.tile(z, x, y) {
            found += 1;
            if p.is_vector() {
                let _ = crate::map::vector::render(
                    &bytes,
                    z,
                    crate::map::vector::SubSquare::WHOLE,
                    64,
                    false,
                );
            }
        }
    }
    Ok(found)
}
