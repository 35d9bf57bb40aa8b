//! The frame-timing overlay: F12 shows the UI code's frame times and the memory, F12 again
//! hides it.
#![allow(clippy::unwrap_used, missing_docs)]

mod gui_support;

use eframe::egui::Key;
use egui_kittest::kittest::Queryable as _;

#[test]
fn f12_shows_and_hides_the_frame_timings() {
    let mut h = gui_support::open_all(&["samples/first-report.pcapng"]);
    assert_eq!(h.state().frame_stats(), None);
    h.key_press(Key::F12);
    h.run_steps(3);
    let text = h.state().frame_stats().unwrap();
    assert!(text.starts_with("UI ") && text.contains("ms p99"), "{text}");
    assert!(
        text.contains("MiB"),
        "resident memory shown on Linux: {text}"
    );
    // What the overlay shows is what the accessor says.
    assert!(h.query_by_label_contains("ms p99").is_some());
    h.key_press(Key::F12);
    h.run_steps(2);
    assert_eq!(h.state().frame_stats(), None);
    assert!(h.query_by_label_contains("ms p99").is_none());
}
