//! Map tiles for the window, fetched and drawn away from it: online raster tiles
//! (OpenStreetMap by default) with a disk cache so that an area seen once online is there
//! offline later, or the tiles of a local `.pmtiles` file (raster, or vector tiles drawn by
//! [`crate::map::vector`] with the built-in style, light or dark).
//!
//! Tiles are fetched and decoded by background threads ([`fetch`] for the network, [`local`]
//! for a file); the UI thread only asks for the tiles on screen and takes what arrived
//! ([`TileSet`]), so no network access or drawing blocks it. A tile is looked for in the cache
//! ([`cache`]) first, then fetched and written there; a copy older than
//! [`cache::STALE_AFTER`] is fetched again, and still used while offline. After a network
//! failure the network is left alone for [`fetch::RETRY_AFTER`] (cached tiles still load), and
//! the set's [`TileStatus`] says so for the map's corner; where a tile is missing the built-in
//! basemap drawn underneath shows through.

pub mod cache;
pub mod fetch;
pub mod local;
mod set;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use set::TileSet;

use super::vector::Label;

/// The default tile source.
pub const OSM_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// Deepest tile zoom asked for.
pub const MAX_TILE_ZOOM: u8 = 19;

/// A tile's address: zoom, column, row.
pub type TileKey = (u8, u32, u32);

/// Counts for the map's corner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TileStatus {
    /// Tiles ready to draw.
    pub ready: usize,
    /// Tiles being fetched.
    pub pending: usize,
    /// Tiles that could not be had.
    pub failed: usize,
    /// Of the tiles loaded, how many came from the disk cache.
    pub from_cache: usize,
    /// Tiles forgotten (their images dropped) to keep the tiles in memory within their budget
    /// of pixels; asked for again when they come back on screen.
    pub forgotten: usize,
    /// Files removed from the disk cache, oldest first, to keep it within its bound
    /// ([`cache::MAX_CACHE_BYTES`] by default).
    pub cache_pruned: usize,
    /// The last error, if the last attempt failed.
    pub error: Option<String>,
}

/// A tile asked of a worker thread.
pub struct Request {
    /// The tile.
    pub key: TileKey,
    /// Where to fetch it (online sources).
    pub url: String,
    /// Its file in the disk cache (online sources with a cache).
    pub file: Option<PathBuf>,
    /// Bytes the source's folder in the disk cache may hold.
    pub cache_limit: u64,
}

/// A worker thread's answer: the tile's image (made into the window's image type `I` on the
/// worker) and whether it came from the disk cache, or why there is none (empty: the source
/// has no such tile, which is no error).
pub struct Reply<I> {
    /// The tile.
    pub key: TileKey,
    /// The image and whether it came from the disk cache.
    pub result: Result<(I, bool), String>,
    /// The labels of a vector tile, in the image's pixels.
    pub labels: Vec<Label>,
    /// Files the worker removed from the disk cache to keep it within its bound.
    pub pruned: usize,
}

/// The URL of a tile.
pub fn tile_url(template: &str, (z, x, y): TileKey) -> String {
    template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

/// The attribution a source asks for.
pub fn attribution(template: &str) -> String {
    if template.contains("openstreetmap.org") {
        "© OpenStreetMap contributors".to_string()
    } else {
        let host = template
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or(template);
        format!("Tiles: {host}")
    }
}
