//! Helpers shared by the window tests: the app in a kittest harness, with online map tiles off
//! (tests never touch the network), stepped until loading and filtering are over.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs,
    dead_code
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bn407::gui::{AnalyzerApp, Settings};
use egui_kittest::Harness;

/// A path inside the project.
pub fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Settings without online tiles.
pub fn offline() -> Settings {
    let mut s = Settings::default();
    s.tiles.online = false;
    s
}

/// The app in a 1400×900 harness, loading `files` (not yet stepped).
pub fn harness(files: Vec<PathBuf>) -> Harness<'static, AnalyzerApp> {
    Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 900.0))
        .build_ui_state(
            |ui, app: &mut AnalyzerApp| app.ui(ui),
            AnalyzerApp::new(offline(), files),
        )
}

/// Steps until loading and filtering are over.
pub fn settle(h: &mut Harness<'_, AnalyzerApp>) {
    let start = Instant::now();
    h.step();
    while h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(30), "still loading");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_steps(3);
}

/// The app with these project files loaded and settled.
pub fn open_all(files: &[&str]) -> Harness<'static, AnalyzerApp> {
    let mut h = harness(files.iter().map(|f| path(f)).collect());
    settle(&mut h);
    h
}
