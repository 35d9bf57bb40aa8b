//! The disk cache of online tiles: `<user cache dir>/bn407/tiles/<source>/<z>/<x>/<y>`, one
//! file a tile, written whole or not at all.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A cached tile older than this is fetched again when the network is there (OpenStreetMap's
/// tile policy asks clients to refresh; a stale tile is still used offline).
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// Bytes the disk cache keeps of one tile source at most (about 25,000 OpenStreetMap tiles);
/// past it the files written longest ago are removed, down to three quarters of it.
pub const MAX_CACHE_BYTES: u64 = 512 << 20;

/// The user's cache directory for tiles (`$XDG_CACHE_HOME/bn407/tiles`, else
/// `~/.cache/bn407/tiles`; `%LOCALAPPDATA%\bn407\tiles` on Windows).
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("bn407").join("tiles"))
}

/// The folder name of a source in the cache: its URL template with every character that is
/// not a letter or digit replaced.
pub fn source_dir(url: &str) -> String {
    url.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(120)
        .collect()
}

/// The cached copy of a tile, and whether it is older than [`STALE_AFTER`].
pub fn cached(file: Option<&PathBuf>) -> Option<(Vec<u8>, bool)> {
    let file = file?;
    let bytes = std::fs::read(file).ok()?;
    let stale = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER);
    Some((bytes, stale))
}

/// Writes a tile to the cache (through a temporary file, so a reader never sees half of one);
/// a cache that cannot be written is no error.
pub fn store(file: &Path, bytes: &[u8]) {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = file.with_extension("part");
    if std::fs::write(&tmp, bytes).is_ok() {
        let _ = std::fs::rename(&tmp, file);
    }
}

/// Keeps the files under `dir` (a source's folder: `<z>/<x>/<y>`) within `max` bytes: past
/// it, removes the files modified longest ago until three quarters of `max` remain. Returns
/// how many files were removed; a folder that cannot be read or a file that cannot be removed
/// is passed over.
pub fn prune(dir: &Path, max: u64) -> usize {
    let mut files = Vec::new();
    let mut total = 0u64;
    let mut todo = vec![(dir.to_path_buf(), 0u8)];
    while let Some((d, depth)) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() && depth < 2 {
                todo.push((e.path(), depth + 1));
            } else if meta.is_file() {
                let when = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                total += meta.len();
                files.push((when, meta.len(), e.path()));
            }
        }
    }
    if total <= max {
        return 0;
    }
    files.sort_unstable();
    let goal = max / 4 * 3;
    let mut removed = 0;
    for (_, len, path) in files {
        if total <= goal {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(len);
            removed += 1;
        }
    }
    removed
}
