//! The analyzer window (egui/eframe): a Wireshark-like frame list, decode tree and bytes view,
//! devices, flows and findings, a conversation view, a filter bar, and each device's track on
//! an offline map with its time series in plots.
//!
//! One file per panel; each panel is a struct with its own state and one `ui` method. Panels
//! read the shared [`state`] (session, selection) and push [`state::Command`]s that the app
//! applies after drawing. Loading and filtering run in their own threads and send batches over
//! channels, drained at the start of each UI frame. The tracks and time series of the map and
//! plots are fed from the frame store on the UI thread, a few milliseconds' worth a frame; map
//! tiles are fetched (or read from a `.pmtiles` file) by their own threads.

mod app;
mod banner;
mod bytes_view;
pub mod compare;
mod conversation;
pub mod export;
mod filter_bar;
mod filter_job;
mod frame_list;
mod frame_stats;
pub mod live;
mod loader;
mod map;
mod menu;
mod plots;
mod shared;
mod side_panel;
pub mod state;
mod status_bar;
mod theme;
mod tile_layer;
mod track_feed;
mod tree_view;

use std::path::PathBuf;

pub use crate::map::tiles::{OSM_URL, TileStatus};
pub use app::AnalyzerApp;
pub use bytes_view::BytesView;
pub use map::{MapView, PointRef};
pub use plots::{DeviceChoice, PlotsView};
pub use state::{Command, CopyAs, Selection, Settings, TileSettings};

/// Opens the window, loading `files` (none: an empty window); with `against`, the Compare tab
/// compares `files` (A) with `against` (B).
pub fn run(files: Vec<PathBuf>, against: Vec<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("BN-407 Analyzer")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true)
            .with_app_id("bn407-analyzer"),
        ..Default::default()
    };
    eframe::run_native(
        "bn407-analyzer",
        options,
        Box::new(move |cc| {
            let mut app = AnalyzerApp::from_creation(cc, files.clone());
            if !against.is_empty() {
                app.compare_with(files, against);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
