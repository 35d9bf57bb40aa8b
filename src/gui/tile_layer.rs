//! The map's tile layer: a [`TileSet`] of textures, and the `walkers::Tiles` source that hands
//! them to the map widget. Fetching, files, caching and the budget are the map module's
//! ([`crate::map::tiles`]); here images become textures.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Color32, ColorImage, Rect, TextureHandle, TextureOptions, pos2};

use crate::map::image::Image;
use crate::map::tiles::{TileKey, TileSet, TileStatus};
use crate::map::vector::Label;

/// An image of the map module as egui's image (made on the worker thread).
fn color_image(image: Image) -> ColorImage {
    let pixels = image
        .rgba
        .chunks_exact(4)
        .map(|p| match p {
            [r, g, b, a] if image.premultiplied => Color32::from_rgba_premultiplied(*r, *g, *b, *a),
            [r, g, b, a] => Color32::from_rgba_unmultiplied(*r, *g, *b, *a),
            _ => Color32::TRANSPARENT,
        })
        .collect();
    ColorImage::new(image.size, pixels)
}

/// A tile source of the map, its tiles as textures.
pub struct TileLayer {
    set: TileSet<ColorImage, TextureHandle>,
}

impl TileLayer {
    /// Online tiles from `url` (a template with `{z}`, `{x}` and `{y}`), cached in `cache`;
    /// `wake` is called when a tile arrives.
    pub fn new(url: &str, cache: Option<PathBuf>, wake: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            set: TileSet::online(url, cache, color_image, wake),
        }
    }

    /// The tiles of a local `.pmtiles` file, vector tiles drawn with the light or `dark` style.
    pub fn open_pmtiles(path: &Path, dark: bool, wake: impl Fn() + Send + 'static) -> Self {
        Self {
            set: TileSet::pmtiles(path, dark, color_image, wake),
        }
    }

    /// Makes textures of the tiles that arrived; call once per frame before the map is drawn.
    pub fn update(&mut self, ctx: &egui::Context) {
        self.set.update(|(z, x, y), image| {
            ctx.load_texture(format!("tile-{z}-{x}-{y}"), image, TextureOptions::LINEAR)
        });
    }

    /// True for a vector `.pmtiles` file (known once the file is open).
    pub fn is_vector(&self) -> bool {
        self.set.is_vector()
    }

    /// True for a local `.pmtiles` file (not an online source).
    pub fn is_local(&self) -> bool {
        self.set.is_local()
    }

    /// True for a local file drawn with the dark style.
    pub fn dark(&self) -> bool {
        self.set.dark()
    }

    /// The URL template, or the path of a local file.
    pub fn url(&self) -> &str {
        self.set.url()
    }

    /// What the map must credit for these tiles.
    pub fn attribution(&self) -> String {
        self.set.attribution()
    }

    /// Counts for the map's corner.
    pub fn status(&self) -> &TileStatus {
        self.set.status()
    }

    /// The labels of the tiles walkers drew this frame (see [`TileSet::drawn_labels`]).
    pub fn drawn_labels(&self) -> impl Iterator<Item = (TileKey, &[Label])> {
        self.set.drawn_labels()
    }
}

/// walkers draws the layer: it works out which tiles cover the map at its zoom and asks for
/// each; the set answers from its textures and fetches in the background.
impl walkers::Tiles for TileLayer {
    fn at(&mut self, tile_id: walkers::TileId) -> Option<walkers::TilePiece> {
        let (tex, [u0, v0, u1, v1]) = self.set.piece(tile_id.zoom, tile_id.x, tile_id.y)?;
        let uv = Rect::from_min_max(pos2(u0, v0), pos2(u1, v1));
        Some(walkers::TilePiece::new(walkers::Tile::Raster(tex), uv))
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
        self.set.tile_size()
    }
}
