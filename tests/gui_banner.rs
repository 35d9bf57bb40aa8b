//! The findings banner: session findings stand above the frame list, and its button filters the
//! list to the device concerned.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bn407::gui::{AnalyzerApp, Settings};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

fn open(files: &[&str]) -> Harness<'static, AnalyzerApp> {
    let files = files
        .iter()
        .map(|p| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p))
        .collect();
    let mut h = Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 900.0))
        .build_ui_state(
            |ui, app: &mut AnalyzerApp| app.ui(ui),
            AnalyzerApp::new(Settings::default(), files),
        );
    let start = Instant::now();
    h.step();
    while h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(30), "still loading");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_steps(3);
    h
}

#[test]
fn a_device_the_server_never_answered_is_named_above_the_list() {
    let mut h = open(&["samples/no-answer.pcap", "samples/first-report.pcapng"]);
    let total = h.state().row_count();
    assert!(
        h.query_all_by_label_contains("never answered LOAD")
            .next()
            .is_some()
    );
    // Only the unanswered device is named in the banner; its button filters the list to it.
    h.get_by_label("Show its frames").click();
    h.run_steps(2);
    let start = Instant::now();
    while h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_steps(2);
    assert_eq!(h.state().session().filter, "imei == 864035052304178");
    assert_eq!(
        h.state().row_count(),
        6,
        "the six logins, of {total} frames"
    );
}

#[test]
fn no_banner_when_the_session_is_healthy() {
    let h = open(&["samples/first-report.pcapng"]);
    assert!(h.query_all_by_label("Show its frames").next().is_none());
}
