//! The map tiles' bounds, fed past: the tiles kept in memory (a budget of 300 tiles of 256
//! pixels) and the disk cache of an online source (512 MiB by default, lowered here). Tiles come
//! from a tile server on the loopback; what went over a bound is counted in the source's
//! status, which the map's corner shows.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bn407::map::image::Image;
use bn407::map::tiles::TileSet;
use bn407::map::tiles::cache::{MAX_CACHE_BYTES, source_dir};

/// Tiles in memory at most (256-pixel tiles).
const KEPT: usize = 300;

/// A PNG tile of 256 pixels, different for each seed (so that its size is a real tile's).
fn png(seed: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(256, 256, |x, y| {
        let v = (x * 7 + y * 13 + seed * 31) ^ (x * y);
        image::Rgba([v as u8, (v >> 3) as u8, (v >> 5) as u8, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Serves `tile` for every request on a loopback port, one connection at a time, until the
/// test ends; the URL template.
fn tile_server(tile: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut conn = conn;
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let answer = [
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n",
                    tile.len()
                )
                .into_bytes(),
                tile.clone(),
            ]
            .concat();
            let _ = conn.write_all(&answer);
        }
    });
    format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")
}

/// Bytes and files under `dir`.
fn disk(dir: &Path) -> (u64, usize) {
    let mut todo = vec![dir.to_path_buf()];
    let (mut bytes, mut files) = (0, 0);
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                todo.push(e.path());
            } else {
                bytes += meta.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("tile_caps")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Asks `set` for `n` distinct tiles of zoom 12, a screenful (40) a frame as a map being
/// panned would, waiting for each screenful; after each frame checks the tiles kept.
fn pan(set: &mut TileSet<Image, ()>, n: u32) {
    let mut asked = 0;
    while asked < n {
        set.update(|_, _| ());
        let screen = (asked..(asked + 40).min(n)).collect::<Vec<u32>>();
        for &i in &screen {
            let _ = set.piece(12, 1000 + i % 50, 1000 + i / 50);
        }
        asked += screen.len() as u32;
        let start = Instant::now();
        loop {
            set.update(|_, _| ());
            // Keep drawing this screenful, as the map does while it waits.
            let mut shown = 0;
            for &i in &screen {
                shown += usize::from(set.piece(12, 1000 + i % 50, 1000 + i / 50).is_some());
            }
            if shown == screen.len() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{:?}",
                set.status()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let s = set.status();
        assert!(s.ready <= KEPT, "{s:?}");
        assert_eq!(s.failed, 0, "{s:?}");
    }
    set.update(|_, _| ());
}

/// 1,000 tiles seen while panning: at most 300 stay in memory, the others are forgotten
/// (oldest drawn first) and counted; the map's corner says how many.
#[test]
fn at_most_300_tiles_stay_in_memory_and_the_ones_forgotten_are_counted() {
    let url = tile_server(png(1));
    let mut set: TileSet<Image, ()> = TileSet::online(&url, None, |i| i, || {});
    pan(&mut set, 1000);
    let s = set.status().clone();
    assert!(s.ready <= KEPT && s.ready >= 40, "{s:?}");
    assert_eq!(s.forgotten + s.ready, 1000, "{s:?}");
    assert_eq!(s.cache_pruned, 0);
}

/// 400 tiles written to a disk cache bounded at 100 tiles' worth: the folder never holds
/// much more than its bound (it is pruned every eighth of it written), the files removed are
/// the oldest and are counted, and the tiles still there load without the server.
#[test]
fn the_disk_cache_stays_within_its_bound_and_the_files_removed_are_counted() {
    assert_eq!(MAX_CACHE_BYTES, 512 << 20);
    let tile = png(2);
    let limit = 100 * tile.len() as u64;
    let dir = scratch("disk");
    let url = tile_server(tile.clone());
    let mut set: TileSet<Image, ()> = TileSet::online(&url, Some(dir.clone()), |i| i, || {});
    set.limit_cache(limit);
    pan(&mut set, 400);
    let (bytes, files) = disk(&dir.join(source_dir(&url)));
    let s = set.status().clone();
    assert!(
        bytes <= limit + limit / 8 + tile.len() as u64,
        "{bytes} bytes in the cache, bound {limit}"
    );
    assert!(s.cache_pruned > 0, "{s:?}");
    assert_eq!(s.cache_pruned + files, 400, "{s:?}");
    // The newest tile is still there, the first one is not.
    let file = |i: u32| {
        dir.join(source_dir(&url))
            .join(format!("12/{}/{}", 1000 + i % 50, 1000 + i / 50))
    };
    assert!(file(399).is_file());
    assert!(!file(0).exists());
    let _ = std::fs::remove_dir_all(&dir);
}
