//! How long the window takes to draw a frame of the map and of the plots with a track of
//! 300,000 positions (one device reporting every second for three and a half days, a slow
//! random walk), headless through egui_kittest: at the zoom that shows the whole track, and
//! zoomed in on a part of it. The tracks are simplified per zoom once, when loading ends;
//! these figures say whether panning and hovering stay interactive (well under 16 ms).
//!
//! `cargo bench --bench map`
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bn407::gui::state::CentralTab;
use bn407::gui::{AnalyzerApp, Command, Settings};
use bn407::pipeline::Input;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

const POINTS: usize = 300_000;

/// `POINTS` tracker reports of one device, a second apart, wandering around Lisbon.
fn reports() -> Vec<u8> {
    let mut out = String::with_capacity(POINTS * 110);
    let (mut lat, mut lon) = (38.72_f64, -9.14_f64);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 2001) as f64 / 1000.0 - 1.0
    };
    for i in 0..POINTS {
        lat += next() * 0.0002;
        lon += next() * 0.0002;
        let t = 1_700_000_000 + i as i64;
        let (d, s) = (t / 86_400, t % 86_400);
        let (hh, mm, ss) = (s / 3600, s % 3600 / 60, s % 60);
        let day = 1 + d % 28;
        let (alat, alon) = (lat.abs(), lon.abs());
        let lat_m = (alat.fract() * 60.0 * 10_000.0).round() / 10_000.0;
        let lon_m = (alon.fract() * 60.0 * 10_000.0).round() / 10_000.0;
        let _ = write!(
            out,
            "imei:864035052277564,tracker,2311{day:02}{hh:02}{mm:02}{ss:02},,F,{hh:02}{mm:02}{ss:02}.000,A,{:02}{:07.4},N,{:03}{:07.4},W,{:.2},0;",
            alat.trunc() as u32,
            lat_m,
            alon.trunc() as u32,
            lon_m,
            (next() + 1.0) * 15.0,
        );
    }
    out.into_bytes()
}

fn loaded(tab: CentralTab) -> Harness<'static, AnalyzerApp> {
    let mut settings = Settings::default();
    settings.tiles.online = false;
    settings.central = tab;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(
            |ui, app: &mut AnalyzerApp| app.ui(ui),
            AnalyzerApp::new(settings, Vec::new()),
        );
    h.state_mut().command(Command::Open(vec![Input::Bytes {
        name: "walk.txt".into(),
        data: std::sync::Arc::new(reports()),
    }]));
    let start = Instant::now();
    h.step();
    while h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(120), "still loading");
        h.step();
    }
    println!(
        "loaded {POINTS} reports and built the track in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let placed: usize = h.state().tracks().tracks().map(|t| t.len()).sum();
    assert_eq!(placed, POINTS);
    h.run_steps(3);
    h
}

/// Prints how many of the track's points the map draws at its zoom.
fn print_drawn(h: &Harness<'_, AnalyzerApp>) {
    let zoom = h.state().map().zoom();
    let drawn: usize = h
        .state()
        .tracks()
        .tracks()
        .map(|t| t.simplified(zoom).len())
        .sum();
    println!("zoom {zoom:.1}: {drawn} of {POINTS} points in the simplified track");
}

/// Benchmarks one frame of the window with the pointer hovering at `at`.
fn bench_hover(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    h: &mut Harness<'_, AnalyzerApp>,
    at: egui::Pos2,
) {
    g.bench_function(name, |b| {
        b.iter(|| {
            h.hover_at(at);
            h.step();
        })
    });
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("map_frame");
    g.sample_size(20);
    let mut h = loaded(CentralTab::Map);
    let rect = h.state().map().rect();
    print_drawn(&h);
    // Hovering makes the map look for the nearest point and set the time cursor.
    bench_hover(&mut g, "whole_track", &mut h, rect.center());
    // Zoom in three levels around the centre.
    for _ in 0..3 {
        h.get_by_label("+").click();
        h.step();
    }
    bench_hover(
        &mut g,
        "zoomed_in",
        &mut h,
        rect.center() + egui::vec2(10.0, 5.0),
    );
    print_drawn(&h);
    drop(h);
    // The same window showing the frame list: what a frame costs without map or plots.
    let mut h = loaded(CentralTab::Frames);
    bench_hover(
        &mut g,
        "frame_list_baseline",
        &mut h,
        egui::pos2(900.0, 300.0),
    );
    drop(h);
    let mut h = loaded(CentralTab::Plots);
    bench_hover(&mut g, "plots", &mut h, egui::pos2(900.0, 300.0));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
