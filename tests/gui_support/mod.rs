//! Helpers shared by the window tests: the app in a kittest harness, with online map tiles off
//! (tests never touch the network), stepped until loading and filtering are over.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bn407::gui::{AnalyzerApp, Settings};
use eframe::egui::{Color32, Shape, epaint::ColorMode};
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
    harness_with(offline(), files)
}

/// The app with `settings` in a 1400×900 harness, loading `files` (not yet stepped).
pub fn harness_with(settings: Settings, files: Vec<PathBuf>) -> Harness<'static, AnalyzerApp> {
    Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 900.0))
        .build_ui_state(
            |ui, app: &mut AnalyzerApp| app.ui(ui),
            AnalyzerApp::new(settings, files),
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

/// Every shape the last frame drew, the nested ones (`Shape::Vec`) in their place, in drawing
/// order.
pub fn shapes_drawn(h: &Harness<'_, AnalyzerApp>) -> Vec<Shape> {
    fn flatten(shape: &Shape, out: &mut Vec<Shape>) {
        match shape {
            Shape::Vec(v) => v.iter().for_each(|s| flatten(s, out)),
            s => out.push(s.clone()),
        }
    }
    let mut out = Vec::new();
    for c in &h.output().shapes {
        flatten(&c.shape, &mut out);
    }
    out
}

/// The names a vector map file's tiles wrote on the map in the last frame, best first: the
/// texts drawn just after their halo (copies in the halo's colour; nothing else the window
/// writes has one).
pub fn map_names_drawn(h: &Harness<'_, AnalyzerApp>) -> Vec<String> {
    let shapes = shapes_drawn(h);
    let halo = |s: &Shape| matches!(s, Shape::Text(t) if t.override_text_color.is_some());
    shapes
        .windows(2)
        .filter_map(|w| match w {
            [before, Shape::Text(t)] if halo(before) && t.override_text_color.is_none() => {
                Some(t.galley.text().to_string())
            }
            _ => None,
        })
        .collect()
}

/// The colours the map's tracks were drawn in in the last frame: of their lines (open paths 2.5
/// pixels wide) and of their points' dots (filled circles of radius 2.5).
pub fn track_colours_drawn(h: &Harness<'_, AnalyzerApp>) -> Vec<Color32> {
    let mut out: Vec<Color32> = shapes_drawn(h)
        .iter()
        .filter_map(|s| match s {
            Shape::Path(p) if !p.closed && p.stroke.width == 2.5 => match p.stroke.color {
                ColorMode::Solid(c) => Some(c),
                _ => None,
            },
            Shape::Circle(c) if c.radius == 2.5 => Some(c.fill),
            _ => None,
        })
        .collect();
    out.sort_by_key(|c| c.to_array());
    out.dedup();
    out
}
