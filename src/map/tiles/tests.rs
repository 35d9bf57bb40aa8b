//! Tiles from the network, the disk cache and local files, in the background.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::cache::{STALE_AFTER, source_dir, store};
use super::fetch::OFFLINE;
use super::*;
use crate::map::image::Image;
use crate::map::mvt::encode::testing::{Geom, Layer, tile};
use crate::map::pmtiles::write::{raster_for_tests, vector_for_tests};

/// A set keeping nothing of a ready tile but that it is there.
type Set = TileSet<Image, ()>;

fn online(url: &str, cache: Option<PathBuf>) -> Set {
    TileSet::online(url, cache, |i| i, || {})
}

fn local(path: &std::path::Path) -> Set {
    TileSet::pmtiles(path, false, |i| i, || {})
}

/// Steps `layer` until nothing is pending (at most 10 s).
fn settle(layer: &mut Set) {
    let start = std::time::Instant::now();
    layer.update(|_, _| ());
    while (layer.status().pending > 0 || layer.is_opening())
        && start.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(5));
        layer.update(|_, _| ());
    }
}

#[test]
fn cached_tiles_load_offline_and_missing_ones_fail_without_blocking() {
    let dir = std::env::temp_dir().join(format!("bn407-tiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Nothing listens on port 9 of the loopback: the network fails at once.
    let url = "http://127.0.0.1:9/{z}/{x}/{y}.png";
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(256, 256, image::Rgba([10, 200, 30, 255]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    store(&dir.join(source_dir(url)).join("2/1/3"), png.get_ref());
    let mut layer = online(url, Some(dir.clone()));
    let asked = std::time::Instant::now();
    assert!(layer.fetched((2, 1, 3)).is_none());
    assert!(layer.fetched((2, 0, 0)).is_none());
    assert!(
        asked.elapsed() < Duration::from_millis(50),
        "asking blocked"
    );
    settle(&mut layer);
    assert!(layer.fetched((2, 1, 3)).is_some());
    assert!(layer.fetched((2, 0, 0)).is_none());
    let s = layer.status();
    assert_eq!((s.ready, s.failed, s.from_cache), (1, 1, 1), "{s:?}");
    // A stale copy is tried on the network first, and used when the network fails.
    let file = dir.join(source_dir(url)).join("2/1/3");
    let old = SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut layer = online(url, Some(dir.clone()));
    assert!(layer.fetched((2, 1, 3)).is_none());
    settle(&mut layer);
    assert!(layer.fetched((2, 1, 3)).is_some());
    let s = layer.status();
    assert_eq!((s.ready, s.from_cache), (1, 1), "{s:?}");
    // The network was tried for it (and failed), so it now rests: the next missing tile
    // fails at once as offline, without another attempt.
    assert!(layer.fetched((2, 0, 1)).is_none());
    settle(&mut layer);
    let s = layer.status();
    assert!(
        s.error.as_deref().is_some_and(|e| e.starts_with(OFFLINE)),
        "{s:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pmtiles_file_is_read_in_the_background() {
    let dir = std::env::temp_dir().join(format!("bn407-pm-layer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(256, 256, image::Rgba([200, 20, 30, 255]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let path = dir.join("area.pmtiles");
    raster_for_tests(&path, &[(1, 1, 0, png.into_inner())]).unwrap();
    let mut layer = local(&path);
    settle(&mut layer);
    assert_eq!(layer.max_zoom(), 1);
    assert!(!layer.is_vector());
    assert_eq!(layer.attribution(), "Map: area.pmtiles");
    assert!(layer.fetched((1, 1, 0)).is_none());
    assert!(layer.fetched((1, 0, 0)).is_none());
    settle(&mut layer);
    assert!(layer.fetched((1, 1, 0)).is_some());
    let s = layer.status().clone();
    assert_eq!((s.ready, s.failed, s.error), (1, 1, None));
    // A file that is not PMTiles says so.
    std::fs::write(dir.join("bad.pmtiles"), b"nothing").unwrap();
    let mut bad = local(&dir.join("bad.pmtiles"));
    let start = std::time::Instant::now();
    while bad.status().error.is_none() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
        bad.update(|_, _| ());
    }
    assert!(bad.status().error.is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_vector_tile_brings_its_labels_for_the_frames_it_is_drawn_in() {
    let dir = std::env::temp_dir().join(format!("bn407-pm-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mvt = tile(&[Layer::one(
        "places",
        Geom::Point(1024, 3072),
        vec![("kind", "city"), ("name", "Cidade")],
    )]);
    let path = dir.join("named.pmtiles");
    vector_for_tests(&path, &[(3, 4, 2, mvt)]).unwrap();
    let mut layer = local(&path);
    settle(&mut layer);
    assert!(layer.is_vector());
    let id = (3, 4, 2);
    assert!(layer.piece(id.0, id.1, id.2).is_none());
    settle(&mut layer);
    // Nothing drawn yet this frame: no labels.
    assert_eq!(layer.drawn_labels().count(), 0);
    assert!(layer.piece(id.0, id.1, id.2).is_some());
    let drawn: Vec<_> = layer.drawn_labels().collect();
    assert_eq!(drawn.len(), 1);
    let (key, labels) = drawn[0];
    assert_eq!(key, (3, 4, 2));
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].text, "Cidade");
    assert_eq!(labels[0].pos, [128.0, 384.0]);
    // A tile one level down borrows the tile while its own is drawn: the labels are those
    // of the tile it came from.
    layer.update(|_, _| ());
    assert!(layer.piece(4, 8, 5).is_some());
    let keys: Vec<TileKey> = layer.drawn_labels().map(|(k, _)| k).collect();
    assert_eq!(keys, [(3, 4, 2)]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tile server on the loopback answering every GET with `png`, counting the requests;
/// stops after `max` requests.
fn serve_tiles(png: Vec<u8>, max: usize) -> (String, Arc<AtomicU64>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/{{z}}/{{x}}/{{y}}.png",
        listener.local_addr().unwrap().port()
    );
    let count = Arc::new(AtomicU64::new(0));
    let served = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            // The request line and headers, up to the empty line.
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line == "\r\n" {
                    break;
                }
                line.clear();
            }
            served.fetch_add(1, Ordering::SeqCst);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                png.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&png);
        }
    });
    (url, count)
}

#[test]
fn online_tiles_are_fetched_over_http_and_cached_for_offline_use() {
    let dir = std::env::temp_dir().join(format!("bn407-tiles-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(256, 256, image::Rgba([30, 60, 220, 255]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let (url, served) = serve_tiles(png.into_inner(), 4);
    let mut layer = online(&url, Some(dir.clone()));
    for key in [(3, 4, 2), (3, 5, 2)] {
        assert!(layer.fetched(key).is_none());
    }
    settle(&mut layer);
    let s = layer.status().clone();
    assert_eq!((s.ready, s.failed, s.from_cache, s.error), (2, 0, 0, None));
    assert_eq!(served.load(Ordering::SeqCst), 2);
    // The map gets the image of the tile, and a quarter of it for a tile one level down that
    // is not there yet.
    let (_, uv) = layer.piece(3, 4, 2).unwrap();
    assert_eq!(uv, [0.0, 0.0, 1.0, 1.0]);
    let (_, uv) = layer.piece(4, 9, 5).unwrap();
    assert_eq!(uv, [0.5, 0.5, 1.0, 1.0]);
    // Written to the cache: a new layer (another run) has them without the server.
    assert!(dir.join(source_dir(&url)).join("3/4/2").is_file());
    let mut again = online(&url, Some(dir.clone()));
    assert!(again.fetched((3, 4, 2)).is_none());
    settle(&mut again);
    assert!(again.fetched((3, 4, 2)).is_some());
    assert_eq!(again.status().from_cache, 1);
    // The zoom-4 tile asked for above was the only other request.
    settle(&mut layer);
    assert_eq!(served.load(Ordering::SeqCst), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn urls_and_cache_folders() {
    assert_eq!(
        tile_url(OSM_URL, (3, 4, 5)),
        "https://tile.openstreetmap.org/3/4/5.png"
    );
    assert_eq!(attribution(OSM_URL), "© OpenStreetMap contributors");
    assert_eq!(
        attribution("https://tiles.example.com/{z}/{x}/{y}.png"),
        "Tiles: tiles.example.com"
    );
    assert!(!source_dir(OSM_URL).contains('/'));
}
