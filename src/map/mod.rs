//! Maps without a window: Web Mercator and bounding boxes, the built-in world basemap, PMTiles
//! files and vector (MVT) tiles read and written, vector tiles drawn into images on the CPU with
//! the built-in street style and their names gathered as labels, and online tiles fetched with a
//! disk cache.
//!
//! **The rule:** nothing under `map` imports `egui`, `eframe` or `walkers` (nor anything of the
//! crate but itself). Images are plain RGBA ([`image::Image`]); the window turns them into
//! textures and hands them to its map widget (`crate::gui::tile_layer`), and draws the labels
//! with its own fonts. So every piece here is tested without a window, and the example that
//! makes the vector sample (`examples/make_vector_pmtiles.rs`) uses the same writers as the
//! tests.

pub mod basemap;
pub mod geo;
pub mod geometry;
pub mod image;
pub mod mvt;
pub mod pmtiles;
pub mod tiles;
pub mod varint;
pub mod vector;
