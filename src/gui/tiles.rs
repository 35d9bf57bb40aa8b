//! Online raster tiles for the map (OpenStreetMap by default), with a disk cache so that an
//! area seen once online is there offline later.
//!
//! Tiles are fetched and decoded by two background threads; the UI thread only asks for the
//! tiles on screen and turns decoded images into textures, so no network access blocks or slows
//! drawing. A tile is looked for in the cache directory first
//! (`<user cache dir>/bn407/tiles/<source>/<z>/<x>/<y>`), then fetched and written there; a
//! copy older than [`STALE_AFTER`] is fetched again, and still used while offline. After a
//! network failure the network is left alone for [`RETRY_AFTER`] (cached tiles still load), and
//! the map shows the source's state in a corner; where a tile is missing the built-in basemap
//! drawn underneath shows through.
//!
//! A local `.pmtiles` file ([`TileLayer::open_pmtiles`]) replaces the online source for offline
//! detail: raster tiles as they are, vector (MVT) tiles drawn into images on the CPU by
//! [`super::pmtiles`] with a built-in style, light or dark like the window. A vector tile's
//! names come with its image and are kept with its texture (dropped with it);
//! [`TileLayer::drawn_labels`] gives those of the tiles walkers drew in the frame, for the map
//! to write.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use eframe::egui::{self, ColorImage, Rect, TextureHandle, TextureOptions, pos2};

use super::pmtiles::vector::Label;

/// The default tile source.
pub const OSM_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// A cached tile older than this is fetched again when the network is there (OpenStreetMap's
/// tile policy asks clients to refresh; a stale tile is still used offline).
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long the network is left alone after a failure.
pub const RETRY_AFTER: Duration = Duration::from_secs(30);

/// How a tile that was not fetched because the network is resting fails.
const OFFLINE: &str = "offline";

/// Tiles asked for and not yet answered, at most.
const MAX_PENDING: usize = 48;
/// Texture pixels kept at most (300 tiles of 256², 75 of 512²).
const MAX_TILE_PIXELS: usize = 300 * 256 * 256;
/// How many levels up a coarser tile is looked for while a tile is missing.
const BORROW_LEVELS: u8 = 4;
/// Deepest tile zoom asked for.
pub const MAX_TILE_ZOOM: u8 = 19;
/// Deepest zoom of the 512-pixel tiles a vector file is drawn into (the map's deepest zoom,
/// 26, less one for their size): they stay sharp all the way.
const MAX_VECTOR_ZOOM: u8 = 25;

/// Tiles remembered as drawn in one frame, at most.
const MAX_DRAWN: usize = 256;

/// A tile's address: zoom, column, row.
pub type TileKey = (u8, u32, u32);

/// What the layer knows of one tile.
enum Tile {
    /// Asked for.
    Pending,
    /// On the GPU; the frame it was last drawn in; its labels (vector tiles), dropped with it.
    Ready(TextureHandle, u64, Vec<Label>),
    /// Could not be had.
    Failed,
}

struct Request {
    key: TileKey,
    url: String,
    file: Option<PathBuf>,
}

struct Reply {
    key: TileKey,
    /// The image and whether it came from the disk cache.
    result: Result<(ColorImage, bool), String>,
    /// The labels of a vector tile, in the image's pixels.
    labels: Vec<Label>,
}

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
    /// The last error, if the last attempt failed.
    pub error: Option<String>,
}

/// An online tile source with its cache and worker threads.
pub struct TileLayer {
    url: String,
    /// True for a local `.pmtiles` file.
    local: bool,
    /// What the thread opening a local file found: vector or not, and its deepest zoom.
    opened: Option<Receiver<Result<(bool, u8), String>>>,
    /// A vector `.pmtiles` file.
    vector: bool,
    /// Drawn with the dark style (vector tiles).
    dark: bool,
    /// The deepest zoom the source has tiles for (deeper views enlarge these).
    max_zoom: u8,
    /// Pixels a tile covers on screen at its own zoom (512 for vector tiles).
    tile_size: u32,
    cache: Option<PathBuf>,
    tiles: HashMap<TileKey, Tile>,
    tx: Sender<Request>,
    rx: Receiver<Reply>,
    frame: u64,
    status: TileStatus,
    /// The tiles handed to walkers since the last [`TileLayer::update`] (the frame's tiles).
    drawn: Vec<TileKey>,
}

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
fn source_dir(url: &str) -> String {
    url.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(120)
        .collect()
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

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn decode(bytes: &[u8]) -> Result<ColorImage, String> {
    let img = image::load_from_memory(bytes).map_err(|e| format!("not an image: {e}"))?;
    let rgba = img.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
}

/// The cached copy of a tile, and whether it is older than [`STALE_AFTER`].
fn cached(file: Option<&PathBuf>) -> Option<(Vec<u8>, bool)> {
    let file = file?;
    let bytes = std::fs::read(file).ok()?;
    let stale = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER);
    Some((bytes, stale))
}

/// A tile: from the cache while fresh; else from the network (cached for next time); a stale
/// copy when the network fails or rests, so that offline a tile seen once is always there.
fn fetch(agent: &ureq::Agent, req: &Request, offline_since: &AtomicU64) -> Reply {
    let reply = |result| Reply {
        key: req.key,
        result,
        labels: Vec::new(),
    };
    let copy = cached(req.file.as_ref());
    if let Some((bytes, false)) = &copy {
        return reply(decode(bytes).map(|i| (i, true)));
    }
    let failed_at = offline_since.load(Ordering::Relaxed);
    if failed_at != 0 && now_secs().saturating_sub(failed_at) < RETRY_AFTER.as_secs() {
        return reply(match &copy {
            Some((bytes, _)) => decode(bytes).map(|i| (i, true)),
            None => Err(format!("{OFFLINE} (not in the cache)")),
        });
    }
    let got = agent
        .get(&req.url)
        .call()
        .and_then(|mut r| r.body_mut().with_config().limit(4 << 20).read_to_vec());
    reply(match got {
        Ok(bytes) => {
            offline_since.store(0, Ordering::Relaxed);
            let image = decode(&bytes);
            if image.is_ok()
                && let Some(file) = &req.file
            {
                store(file, &bytes);
            }
            image.map(|i| (i, false))
        }
        Err(e) => {
            offline_since.store(now_secs().max(1), Ordering::Relaxed);
            match &copy {
                Some((bytes, _)) => decode(bytes).map(|i| (i, true)),
                None => Err(e.to_string()),
            }
        }
    })
}

/// Writes a tile to the cache (through a temporary file, so a reader never sees half of one);
/// a cache that cannot be written is no error.
fn store(file: &Path, bytes: &[u8]) {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = file.with_extension("part");
    if std::fs::write(&tmp, bytes).is_ok() {
        let _ = std::fs::rename(&tmp, file);
    }
}

impl TileLayer {
    /// A layer for `url` (a template with `{z}`, `{x}` and `{y}`), caching in `cache`; starts
    /// its worker threads. `wake` is called when a tile arrives.
    pub fn new(url: &str, cache: Option<PathBuf>, wake: impl Fn() + Send + Sync + 'static) -> Self {
        let (tx, req_rx) = channel::<Request>();
        let (reply_tx, rx) = channel();
        let req_rx = Arc::new(Mutex::new(req_rx));
        let wake = Arc::new(wake);
        let offline_since = Arc::new(AtomicU64::new(0));
        for n in 0..2 {
            let req_rx = Arc::clone(&req_rx);
            let reply_tx = reply_tx.clone();
            let wake = Arc::clone(&wake);
            let offline_since = Arc::clone(&offline_since);
            let _ = std::thread::Builder::new()
                .name(format!("bn407-tiles-{n}"))
                .spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .timeout_global(Some(Duration::from_secs(15)))
                        .user_agent(concat!(
                            "bn407-analyzer/",
                            env!("CARGO_PKG_VERSION"),
                            " (BN-407 protocol analyzer)"
                        ))
                        .build()
                        .into();
                    loop {
                        let next = match req_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(req) = next else { return };
                        let reply = fetch(&agent, &req, &offline_since);
                        if reply_tx.send(reply).is_err() {
                            return;
                        }
                        wake();
                    }
                });
        }
        let cache = cache.map(|c| c.join(source_dir(url)));
        Self {
            url: url.to_string(),
            local: false,
            opened: None,
            vector: false,
            dark: false,
            max_zoom: MAX_TILE_ZOOM,
            tile_size: 256,
            cache,
            tiles: HashMap::new(),
            tx,
            rx,
            frame: 0,
            status: TileStatus::default(),
            drawn: Vec::new(),
        }
    }

    /// A layer showing the tiles of a local `.pmtiles` file (raster, or vector tiles drawn
    /// with the built-in light or `dark` style). A background thread opens the file (its
    /// header and root directory can be large), then reads and draws the tiles asked for; a
    /// file that cannot be used leaves a layer with no tiles whose status says why.
    pub fn open_pmtiles(path: &Path, dark: bool, wake: impl Fn() + Send + 'static) -> Self {
        let (tx, req_rx) = channel::<Request>();
        let (reply_tx, rx) = channel();
        let (open_tx, opened) = channel();
        let file = path.to_path_buf();
        let _ = std::thread::Builder::new()
            .name("bn407-pmtiles".into())
            .spawn(move || {
                let mut pm = match super::pmtiles::PmTiles::open(&file) {
                    Ok(pm) => pm,
                    Err(e) => {
                        let _ = open_tx.send(Err(e));
                        wake();
                        return;
                    }
                };
                let _ = open_tx.send(Ok((pm.is_vector(), pm.max_zoom)));
                wake();
                while let Ok(req) = req_rx.recv() {
                    let (z, x, y) = req.key;
                    let mut labels = Vec::new();
                    let result = match pm.tile_image(z, x, y, dark) {
                        Ok(Some((image, l))) => {
                            labels = l;
                            Ok((image, false))
                        }
                        // Outside the file's area: not an error.
                        Ok(None) => Err(String::new()),
                        Err(e) => Err(e),
                    };
                    if reply_tx
                        .send(Reply {
                            key: req.key,
                            result,
                            labels,
                        })
                        .is_err()
                    {
                        return;
                    }
                    wake();
                }
            });
        Self {
            url: path.display().to_string(),
            local: true,
            opened: Some(opened),
            vector: false,
            dark,
            max_zoom: MAX_TILE_ZOOM,
            tile_size: 256,
            cache: None,
            tiles: HashMap::new(),
            tx,
            rx,
            frame: 0,
            status: TileStatus::default(),
            drawn: Vec::new(),
        }
    }

    /// Takes what the opening thread found out about a local file.
    fn take_opened(&mut self) {
        let Some(rx) = &self.opened else { return };
        match rx.try_recv() {
            Ok(Ok((vector, max_zoom))) => {
                self.vector = vector;
                if vector {
                    // Drawn at 512 pixels, and again from the data deeper than the file goes.
                    self.tile_size = super::pmtiles::VECTOR_TILE_SIZE;
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
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => self.opened = None,
        }
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

    /// Takes the tiles that arrived; call once per frame before [`TileLayer::get`].
    pub fn update(&mut self, ctx: &egui::Context) {
        self.frame += 1;
        self.take_opened();
        self.drawn.clear();
        while let Ok(Reply {
            key,
            result,
            labels,
        }) = self.rx.try_recv()
        {
            match result {
                Ok((image, cached)) => {
                    let name = format!("tile-{}-{}-{}", key.0, key.1, key.2);
                    let tex = ctx.load_texture(name, image, TextureOptions::LINEAR);
                    self.tiles.insert(key, Tile::Ready(tex, self.frame, labels));
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
        let max_tiles = MAX_TILE_PIXELS / (self.tile_size as usize).pow(2).max(1);
        if self.tiles.len() > max_tiles {
            // Forget the tiles drawn longest ago (and the failures, to try them again).
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
                self.tiles.remove(&k);
            }
        }
        let mut s = TileStatus {
            from_cache: self.status.from_cache,
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

    /// The labels of the tiles handed to walkers this frame (vector files only), each with its
    /// tile: positions are in the pixels of the tile's image
    /// ([`super::pmtiles::VECTOR_TILE_SIZE`] square), which covers world
    /// `[x, x + 1] / 2^z` by `[y, y + 1] / 2^z`. Call after walkers drew the layer.
    pub fn drawn_labels(&self) -> impl Iterator<Item = (TileKey, &[Label])> {
        self.drawn.iter().filter_map(|k| match self.tiles.get(k) {
            Some(Tile::Ready(_, _, labels)) if !labels.is_empty() => Some((*k, labels.as_slice())),
            _ => None,
        })
    }

    fn ready(&mut self, key: TileKey) -> Option<TextureHandle> {
        match self.tiles.get_mut(&key) {
            Some(Tile::Ready(tex, last, _)) => {
                *last = self.frame;
                Some(tex.clone())
            }
            _ => None,
        }
    }

    /// The texture of tile `key`, asking for it when it is not there yet (`None` meanwhile,
    /// and for a tile that could not be had).
    fn fetched(&mut self, key: TileKey) -> Option<TextureHandle> {
        if let Some(tex) = self.ready(key) {
            return Some(tex);
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
        };
        if self.tx.send(req).is_ok() {
            self.tiles.insert(key, Tile::Pending);
            self.status.pending += 1;
        }
        None
    }

    /// What to draw for `id`: the tile itself when it is ready (asked for when not), else the
    /// matching part of the nearest coarser tile that is ready (up to [`BORROW_LEVELS`] levels
    /// up). Deeper than the source goes, its deepest tiles are enlarged.
    fn piece(&mut self, id: walkers::TileId) -> Option<walkers::TilePiece> {
        let top = id.zoom.min(self.max_zoom);
        for level in (top.saturating_sub(BORROW_LEVELS)..=top).rev() {
            let up = u32::from(id.zoom - level);
            let k = 1u32.checked_shl(up)?;
            let key = (level, id.x / k, id.y / k);
            let tex = if level == top {
                self.fetched(key)
            } else {
                self.ready(key)
            };
            if let Some(tex) = tex {
                if self.drawn.len() < MAX_DRAWN && !self.drawn.contains(&key) {
                    self.drawn.push(key);
                }
                let kf = k as f32;
                let (sx, sy) = ((id.x % k) as f32, (id.y % k) as f32);
                let uv = Rect::from_min_max(
                    pos2(sx / kf, sy / kf),
                    pos2((sx + 1.0) / kf, (sy + 1.0) / kf),
                );
                return Some(walkers::TilePiece::new(walkers::Tile::Raster(tex), uv));
            }
        }
        None
    }
}

/// walkers draws the layer: it works out which tiles cover the map at its zoom and asks for
/// each; this layer answers from its textures and fetches in the background.
impl walkers::Tiles for TileLayer {
    fn at(&mut self, tile_id: walkers::TileId) -> Option<walkers::TilePiece> {
        self.piece(tile_id)
    }

    fn attribution(&self) -> walkers::sources::Attribution {
        // The map draws the credit itself (with the basemap's), see `TileLayer::attribution`.
        walkers::sources::Attribution {
            text: "",
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }

    fn tile_size(&self) -> u32 {
        self.tile_size
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Steps `layer` until nothing is pending (at most 10 s).
    fn settle(layer: &mut TileLayer, ctx: &egui::Context) {
        let start = std::time::Instant::now();
        layer.update(ctx);
        while (layer.status().pending > 0 || layer.opened.is_some())
            && start.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(5));
            layer.update(ctx);
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
        let ctx = egui::Context::default();
        let mut layer = TileLayer::new(url, Some(dir.clone()), || {});
        let asked = std::time::Instant::now();
        assert!(layer.fetched((2, 1, 3)).is_none());
        assert!(layer.fetched((2, 0, 0)).is_none());
        assert!(
            asked.elapsed() < Duration::from_millis(50),
            "asking blocked"
        );
        settle(&mut layer, &ctx);
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
        let mut layer = TileLayer::new(url, Some(dir.clone()), || {});
        assert!(layer.fetched((2, 1, 3)).is_none());
        settle(&mut layer, &ctx);
        assert!(layer.fetched((2, 1, 3)).is_some());
        let s = layer.status();
        assert_eq!((s.ready, s.from_cache), (1, 1), "{s:?}");
        // The network was tried for it (and failed), so it now rests: the next missing tile
        // fails at once as offline, without another attempt.
        assert!(layer.fetched((2, 0, 1)).is_none());
        settle(&mut layer, &ctx);
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
        super::super::pmtiles::write_for_tests(&path, &[(1, 1, 0, png.into_inner())]).unwrap();
        let ctx = egui::Context::default();
        let mut layer = TileLayer::open_pmtiles(&path, false, || {});
        settle(&mut layer, &ctx);
        assert_eq!(layer.max_zoom, 1);
        assert!(!layer.is_vector());
        assert_eq!(layer.attribution(), "Map: area.pmtiles");
        assert!(layer.fetched((1, 1, 0)).is_none());
        assert!(layer.fetched((1, 0, 0)).is_none());
        settle(&mut layer, &ctx);
        assert!(layer.fetched((1, 1, 0)).is_some());
        let s = layer.status().clone();
        assert_eq!((s.ready, s.failed, s.error), (1, 1, None));
        // A file that is not PMTiles says so.
        std::fs::write(dir.join("bad.pmtiles"), b"nothing").unwrap();
        let mut bad = TileLayer::open_pmtiles(&dir.join("bad.pmtiles"), false, || {});
        let start = std::time::Instant::now();
        while bad.status().error.is_none() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
            bad.update(&ctx);
        }
        assert!(bad.status().error.is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_vector_tile_brings_its_labels_for_the_frames_it_is_drawn_in() {
        use super::super::pmtiles::vector::encode::{Geom, Layer, tile};
        use walkers::Tiles as _;
        let dir = std::env::temp_dir().join(format!("bn407-pm-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mvt = tile(&[Layer {
            name: "places",
            extent: 4096,
            features: vec![(
                Geom::Point(1024, 3072),
                vec![("kind", "city"), ("name", "Cidade")],
            )],
        }]);
        let path = dir.join("named.pmtiles");
        super::super::pmtiles::write_vector_for_tests(&path, &[(3, 4, 2, mvt)]).unwrap();
        let ctx = egui::Context::default();
        let mut layer = TileLayer::open_pmtiles(&path, false, || {});
        settle(&mut layer, &ctx);
        assert!(layer.is_vector());
        let id = walkers::TileId {
            x: 4,
            y: 2,
            zoom: 3,
        };
        assert!(layer.at(id).is_none());
        settle(&mut layer, &ctx);
        // Nothing drawn yet this frame: no labels.
        assert_eq!(layer.drawn_labels().count(), 0);
        assert!(layer.at(id).is_some());
        let drawn: Vec<_> = layer.drawn_labels().collect();
        assert_eq!(drawn.len(), 1);
        let (key, labels) = drawn[0];
        assert_eq!(key, (3, 4, 2));
        assert_eq!(labels.len(), 1);
        assert_eq!(labels[0].text, "Cidade");
        assert_eq!(labels[0].pos, [128.0, 384.0]);
        // A tile one level down borrows the tile while its own is drawn: the labels are those
        // of the tile it came from.
        layer.update(&ctx);
        assert!(
            layer
                .at(walkers::TileId {
                    x: 8,
                    y: 5,
                    zoom: 4,
                })
                .is_some()
        );
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
        let ctx = egui::Context::default();
        let mut layer = TileLayer::new(&url, Some(dir.clone()), || {});
        for key in [(3, 4, 2), (3, 5, 2)] {
            assert!(layer.fetched(key).is_none());
        }
        settle(&mut layer, &ctx);
        let s = layer.status().clone();
        assert_eq!((s.ready, s.failed, s.from_cache, s.error), (2, 0, 0, None));
        assert_eq!(served.load(Ordering::SeqCst), 2);
        // walkers gets the texture for the tile, and a quarter of it for a tile one level down
        // that is not there yet.
        use walkers::Tiles as _;
        let piece = layer
            .at(walkers::TileId {
                x: 4,
                y: 2,
                zoom: 3,
            })
            .unwrap();
        assert_eq!(piece.uv, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)));
        let piece = layer
            .at(walkers::TileId {
                x: 9,
                y: 5,
                zoom: 4,
            })
            .unwrap();
        assert_eq!(piece.uv, Rect::from_min_max(pos2(0.5, 0.5), pos2(1.0, 1.0)));
        // Written to the cache: a new layer (another run) has them without the server.
        assert!(dir.join(source_dir(&url)).join("3/4/2").is_file());
        let mut again = TileLayer::new(&url, Some(dir.clone()), || {});
        assert!(again.fetched((3, 4, 2)).is_none());
        settle(&mut again, &ctx);
        assert!(again.fetched((3, 4, 2)).is_some());
        assert_eq!(again.status().from_cache, 1);
        // The zoom-4 tile asked for above was the only other request.
        settle(&mut layer, &ctx);
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
}
