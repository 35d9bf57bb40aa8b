//! PMTiles: tile ids, directories, raster and vector files read back, damaged files refused.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::write::{raster_for_tests, vector_for_tests};
use super::*;
use crate::map::mvt::encode::testing::scene;

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
    raster_for_tests(
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
    let mvt = scene();
    vector_for_tests(&path, &[(14, 100, 200, mvt.clone())]).unwrap();
    let raw = std::fs::read(&path).unwrap();
    assert_eq!((raw[98], raw[99]), (2, 1), "gzip, MVT");
    let mut p = PmTiles::open(&path).unwrap();
    assert!(p.is_vector());
    assert_eq!(p.max_zoom, 14);
    assert_eq!(p.tile(14, 100, 200).unwrap(), Some(mvt));

    let at = |img: &Image, x: usize, y: usize| img.pixel(x, y).unwrap();
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
    let mvt = scene();
    let cut = mvt[..mvt.len() / 2].to_vec();
    // Decompresses to more than a tile may be, from a few kilobytes.
    let big = vec![0u8; crate::map::mvt::MAX_TILE_BYTES + 10];
    vector_for_tests(&path, &[(1, 0, 0, cut), (1, 1, 1, big)]).unwrap();
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
    raster_for_tests(
        &path,
        &[
            (3, 1, 2, png.into_inner()),
            (3, 2, 2, b"not a png".to_vec()),
        ],
    )
    .unwrap();
    let mut p = PmTiles::open(&path).unwrap();
    assert!(!p.is_vector());
    let red = [255, 0, 0, 255];
    let blue = [0, 0, 255, 255];
    let pixels = |t: &Image| -> Vec<[u8; 4]> {
        let [w, h] = t.size;
        (0..w * h).map(|i| t.pixel(i % w, i / w).unwrap()).collect()
    };
    let t = p.tile_image(3, 1, 2, false).unwrap().unwrap().0;
    assert_eq!(t.size, [4, 4]);
    assert_eq!((pixels(&t)[0], pixels(&t)[3]), (red, blue));
    // Deeper: the right half of the top row of quarters, enlarged, is all blue.
    let t = p.tile_image(4, 3, 4, false).unwrap().unwrap().0;
    assert_eq!(t.size, [4, 4]);
    assert!(pixels(&t).iter().all(|&c| c == blue));
    let t = p.tile_image(4, 2, 5, true).unwrap().unwrap().0;
    assert!(pixels(&t).iter().all(|&c| c == red));
    assert!(p.tile_image(3, 2, 2, false).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
