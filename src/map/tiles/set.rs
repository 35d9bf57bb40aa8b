//! The tiles of one source as the map asks for them: what was asked, what arrived, what is
//! ready (as the window's handle, a texture), and what was drawn in the frame; the oldest
//! forgotten past a budget of pixels.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

use super::cache::{MAX_CACHE_BYTES, source_dir};
use super::fetch::OFFLINE;
use super::local::Opened;
use super::{MAX_TILE_ZOOM, Reply, Request, TileKey, TileStatus, attribution, tile_url};
use crate::map::image::Image;
use crate::map::pmtiles::VECTOR_TILE_SIZE;
use crate::map::vector::Label;

/// Tiles asked for and not yet answered, at most.
const MAX_PENDING: usize = 48;
/// Pixels kept at most (300 tiles of 256², 75 of 512²).
const MAX_TILE_PIXELS: usize = 300 * 256 * 256;
/// How many levels up a coarser tile is looked for while a tile is missing.
const BORROW_LEVELS: u8 = 4;
/// Deepest zoom of the 512-pixel tiles a vector file is drawn into (the map's deepest zoom,
/// 26, less one for their size): they stay sharp all the way.
const MAX_VECTOR_ZOOM: u8 = 25;
/// Tiles remembered as drawn in one frame, at most.
const MAX_DRAWN: usize = 256;

/// What the set knows of one tile.
enum Tile<T> {
    /// Asked for.
    Pending,
    /// Ready (the window's handle); the frame it was last drawn in; its labels (vector tiles),
    /// dropped with it.
    Ready(T, u64, Vec<Label>),
    /// Could not be had.
    Failed,
}

/// The tiles of one source: the worker threads' channels, and every tile asked for. `I` is the
/// image the workers make (the window's image type), `T` what the window keeps of a ready tile
/// (a texture).
pub struct TileSet<I, T> {
    url: String,
    /// True for a local `.pmtiles` file.
    local: bool,
    /// What the thread opening a local file found: vector or not, and its deepest zoom.
    opened: Option<Receiver<Opened>>,
    /// A vector `.pmtiles` file.
    vector: bool,
    /// Drawn with the dark style (vector tiles).
    dark: bool,
    /// The deepest zoom the source has tiles for (deeper views enlarge these).
    max_zoom: u8,
    /// Pixels a tile covers on screen at its own zoom (512 for vector tiles).
    tile_size: u32,
    cache: Option<PathBuf>,
    /// Bytes the disk cache keeps of this source at most.
    cache_limit: u64,
    tiles: HashMap<TileKey, Tile<T>>,
    tx: Sender<Request>,
    rx: Receiver<Reply<I>>,
    frame: u64,
    status: TileStatus,
    /// The tiles handed out since the last [`TileSet::update`] (the frame's tiles).
    drawn: Vec<TileKey>,
}

impl<I: Send + 'static, T: Clone> TileSet<I, T> {
    fn with(url: String, local: bool, channels: (Sender<Request>, Receiver<Reply<I>>)) -> Self {
        Self {
            url,
            local,
            opened: None,
            vector: false,
            dark: false,
            max_zoom: MAX_TILE_ZOOM,
            tile_size: 256,
            cache: None,
            cache_limit: MAX_CACHE_BYTES,
            tiles: HashMap::new(),
            tx: channels.0,
            rx: channels.1,
            frame: 0,
            status: TileStatus::default(),
            drawn: Vec::new(),
        }
    }

    /// Online tiles from `url` (a template with `{z}`, `{x}` and `{y}`), cached in `cache`;
    /// starts the worker threads, which make each image with `convert` and call `wake` when a
    /// tile arrives.
    pub fn online(
        url: &str,
        cache: Option<PathBuf>,
        convert: impl Fn(Image) -> I + Send + Sync + 'static,
        wake: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        let mut set = Self::with(url.to_string(), false, super::fetch::spawn(convert, wake));
        set.cache = cache.map(|c| c.join(source_dir(url)));
        set
    }

    /// The tiles of a local `.pmtiles` file (raster, or vector tiles drawn with the built-in
    /// light or `dark` style). A background thread opens the file, then reads and draws the
    /// tiles asked for; a file that cannot be used leaves a set with no tiles whose status says
    /// why.
    pub fn pmtiles(
        path: &Path,
        dark: bool,
        convert: impl Fn(Image) -> I + Send + 'static,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let (tx, rx, opened) = super::local::spawn(path, dark, convert, wake);
        let mut set = Self::with(path.display().to_string(), true, (tx, rx));
        set.opened = Some(opened);
        set.dark = dark;
        set
    }

    /// Takes what the opening thread found out about a local file.
    fn take_opened(&mut self) {
        let Some(rx) = &self.opened else { return };
        match rx.try_recv() {
            Ok(Ok((vector, max_zoom))) => {
                self.vector = vector;
                if vector {
                    // Drawn at 512 pixels, and again from the data deeper than the file goes.
                    self.tile_size = VECTOR_TILE_SIZE;
                    self.max_zoom = MAX_VECTOR_ZOOM;
                } else {
                    self.max_zoom = max_zoom.min(MAX_TILE_ZOOM);
                }
                self.opened = None;
            }
            Ok(Err(e)) => {
                self.status.error = Some(e);
                self.opened = None;
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => self.opened = None,
        }
    }

    /// Keeps at most `bytes` of this source in the disk cache instead of
    /// [`MAX_CACHE_BYTES`](super::cache::MAX_CACHE_BYTES).
    pub fn limit_cache(&mut self, bytes: u64) {
        self.cache_limit = bytes;
    }

    /// True while a local file is being opened.
    pub fn is_opening(&self) -> bool {
        self.opened.is_some()
    }

    /// True for a vector `.pmtiles` file (known once the file is open).
    pub fn is_vector(&self) -> bool {
        self.vector
    }

    /// True for a local `.pmtiles` file (not an online source).
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// True for a local file drawn with the dark style (it is opened again when the theme
    /// changes).
    pub fn dark(&self) -> bool {
        self.dark
    }

    /// The URL template, or the path of a local file.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The deepest zoom the source has tiles for.
    pub fn max_zoom(&self) -> u8 {
        self.max_zoom
    }

    /// Pixels a tile covers on screen at its own zoom.
    pub fn tile_size(&self) -> u32 {
        self.tile_size
    }

    /// What the map must credit for these tiles.
    pub fn attribution(&self) -> String {
        if self.local {
            let name = Path::new(&self.url)
                .file_name()
                .map_or_else(|| self.url.clone(), |n| n.to_string_lossy().into_owned());
            format!("Map: {name}")
        } else {
            attribution(&self.url)
        }
    }

    /// Counts for the map's corner.
    pub fn status(&self) -> &TileStatus {
        &self.status
    }

    /// Takes the tiles that arrived, each made ready with `ready` (a texture of the image);
    /// forgets the tiles drawn longest ago past the budget. Call once per frame, before the
    /// tiles are asked for.
    pub fn update(&mut self, mut ready: impl FnMut(TileKey, I) -> T) {
        self.frame += 1;
        self.take_opened();
        self.drawn.clear();
        while let Ok(Reply {
            key,
            result,
            labels,
            pruned,
        }) = self.rx.try_recv()
        {
            self.status.cache_pruned += pruned;
            match result {
                Ok((image, cached)) => {
                    let handle = ready(key, image);
                    self.tiles
                        .insert(key, Tile::Ready(handle, self.frame, labels));
                    self.status.error = None;
                    if cached {
                        self.status.from_cache += 1;
                    }
                }
                Err(e) => {
                    self.tiles.insert(key, Tile::Failed);
                    // Keep the network's own words rather than "offline" while it rests; a
                    // tile outside a file's area is no error.
                    if !(e.is_empty() || e.starts_with(OFFLINE) && self.status.error.is_some()) {
                        self.status.error = Some(e);
                    }
                }
            }
        }
        self.forget_oldest();
        let mut s = TileStatus {
            from_cache: self.status.from_cache,
            forgotten: self.status.forgotten,
            cache_pruned: self.status.cache_pruned,
            error: self.status.error.take(),
            ..TileStatus::default()
        };
        for t in self.tiles.values() {
            match t {
                Tile::Pending => s.pending += 1,
                Tile::Ready(..) => s.ready += 1,
                Tile::Failed => s.failed += 1,
            }
        }
        self.status = s;
    }

    /// Past [`MAX_TILE_PIXELS`], forgets the tiles drawn longest ago (and the failures, to try
    /// them again) down to half of it.
    fn forget_oldest(&mut self) {
        let max_tiles = MAX_TILE_PIXELS / (self.tile_size as usize).pow(2).max(1);
        if self.tiles.len() <= max_tiles {
            return;
        }
        let mut ages: Vec<(u64, TileKey)> = self
            .tiles
            .iter()
            .filter_map(|(k, t)| match t {
                Tile::Ready(_, f, _) => Some((*f, *k)),
                Tile::Failed => Some((0, *k)),
                Tile::Pending => None,
            })
            .collect();
        ages.sort_unstable();
        let excess = self.tiles.len() - max_tiles / 2;
        for (_, k) in ages.into_iter().take(excess) {
            if let Some(Tile::Ready(..)) = self.tiles.remove(&k) {
                self.status.forgotten += 1;
            }
        }
    }

    /// The labels of the tiles handed out this frame (vector files only), each with its tile:
    /// positions are in the pixels of the tile's image ([`VECTOR_TILE_SIZE`] square), which
    /// covers world `[x, x + 1] / 2^z` by `[y, y + 1] / 2^z`. Call after the tiles were drawn.
    pub fn drawn_labels(&self) -> impl Iterator<Item = (TileKey, &[Label])> {
        self.drawn.iter().filter_map(|k| match self.tiles.get(k) {
            Some(Tile::Ready(_, _, labels)) if !labels.is_empty() => Some((*k, labels.as_slice())),
            _ => None,
        })
    }

    fn ready(&mut self, key: TileKey) -> Option<T> {
        match self.tiles.get_mut(&key) {
            Some(Tile::Ready(handle, last, _)) => {
                *last = self.frame;
                Some(handle.clone())
            }
            _ => None,
        }
    }

    /// The handle of tile `key`, asking for it when it is not there yet (`None` meanwhile, and
    /// for a tile that could not be had).
    pub(super) fn fetched(&mut self, key: TileKey) -> Option<T> {
        if let Some(handle) = self.ready(key) {
            return Some(handle);
        }
        // Asked for already (pending, or failed), or too many asked for at once.
        if self.tiles.contains_key(&key) || self.status.pending >= MAX_PENDING {
            return None;
        }
        let file = self
            .cache
            .as_ref()
            .map(|c| c.join(format!("{}/{}/{}", key.0, key.1, key.2)));
        let req = Request {
            key,
            url: tile_url(&self.url, key),
            file,
            cache_limit: self.cache_limit,
        };
        if self.tx.send(req).is_ok() {
            self.tiles.insert(key, Tile::Pending);
            self.status.pending += 1;
        }
        None
    }

    /// What to draw for tile `(zoom, x, y)`: the tile itself when it is ready (asked for when
    /// not), else the matching part of the nearest coarser tile that is ready (up to
    /// [`BORROW_LEVELS`] levels up), as the handle and the part of its image, `[u0, v0, u1,
    /// v1]` in `0..=1`. Deeper than the source goes, its deepest tiles are enlarged.
    pub fn piece(&mut self, zoom: u8, x: u32, y: u32) -> Option<(T, [f32; 4])> {
        let top = zoom.min(self.max_zoom);
        for level in (top.saturating_sub(BORROW_LEVELS)..=top).rev() {
            let up = u32::from(zoom - level);
            let k = 1u32.checked_shl(up)?;
            let key = (level, x / k, y / k);
            let handle = if level == top {
                self.fetched(key)
            } else {
                self.ready(key)
            };
            if let Some(handle) = handle {
                if self.drawn.len() < MAX_DRAWN && !self.drawn.contains(&key) {
                    self.drawn.push(key);
                }
                let kf = k as f32;
                let (sx, sy) = ((x % k) as f32, (y % k) as f32);
                return Some((handle, [sx / kf, sy / kf, (sx + 1.0) / kf, (sy + 1.0) / kf]));
            }
        }
        None
    }
}
