//! Measures the window on a capture with the window's own code, headless: each frame runs the
//! app's whole UI logic in an `egui::Context` and tessellates what it drew, as the window does
//! before handing triangles to the GPU. It reports the time to the first rows and to fully
//! loaded (frames, tracks), memory beyond an empty window, and UI frame times (p50, p99) while
//! scrolling the frame list, filtering and showing the map. (Not through egui_kittest: its
//! harness keeps AccessKit on, which the real window only does for a screen reader, and
//! which costs more than the app itself on large lists.)
//!
//! `cargo run --release --example window_bench -- CAPTURE [FRAMES]`
//!
//! `window_bench --live DEVICES RATE SECONDS` measures the window in live mode instead: it
//! starts the window's listener on a loopback port with recording, runs `examples/live_load`
//! (built beside it: `cargo build --release --examples`) as DEVICES units sending RATE reports a
//! second together for SECONDS, draws the window at 60 frames a second meanwhile, and reports
//! the UI frame times, what the units sent against what the window holds, and memory.
//!
//! Memory is the process's resident set (Linux `/proc/self/status`): `VmRSS` after the empty
//! window's first frame is the baseline; the figure is the peak (`VmHWM`) and the resident set
//! once loaded, minus the baseline. Frame times are the wall time of one frame (the app's `ui`,
//! egui's layout and tessellation; no GPU upload or present).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bn407::gui::state::CentralTab;
use bn407::gui::{AnalyzerApp, Command, Settings};
use eframe::egui;

/// The app in a 1400×900 window without a display.
struct Window {
    ctx: egui::Context,
    app: AnalyzerApp,
}

impl Window {
    fn new(app: AnalyzerApp) -> Self {
        Self {
            ctx: egui::Context::default(),
            app,
        }
    }

    /// One frame: the UI and its tessellation.
    fn step(&mut self) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1400.0, 900.0),
            )),
            ..Default::default()
        };
        let app = &mut self.app;
        let out = self.ctx.run_ui(input, |ui| app.ui(ui));
        let triangles = self.ctx.tessellate(out.shapes, out.pixels_per_point);
        std::hint::black_box(triangles);
    }

    /// Steps until nothing runs (a filter, tracks).
    fn settle(&mut self) {
        self.step();
        while self.app.is_busy() {
            std::thread::sleep(Duration::from_millis(1));
            self.step();
        }
    }

    fn state(&self) -> &AnalyzerApp {
        &self.app
    }

    fn state_mut(&mut self) -> &mut AnalyzerApp {
        &mut self.app
    }
}

/// A `/proc/self/status` figure in MiB.
fn status_mib(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time of the whole process so far (all threads), seconds (`/proc/self/stat`, in ticks
/// of 1/100 s): on a shared machine the wall time says how busy the others were too.
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Median and 99th percentile of `t`, milliseconds.
fn p50_p99(mut t: Vec<Duration>) -> (f64, f64) {
    t.sort();
    let at = |q: f64| {
        let i = ((t.len() as f64 - 1.0) * q).round() as usize;
        t.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (at(0.5), at(0.99))
}

/// Steps `n` frames, `each` before every one; the step times.
fn frames(
    h: &mut Window,
    n: usize,
    mut each: impl FnMut(&mut AnalyzerApp, usize),
) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            each(h.state_mut(), i);
            let t = Instant::now();
            h.step();
            t.elapsed()
        })
        .collect()
}

/// Offline settings, and the resident memory of an empty window drawn three times (MiB): the
/// baseline the figures are measured from.
fn offline_baseline() -> (Settings, f64) {
    let mut settings = Settings::default();
    settings.tiles.online = false;
    let mut empty = Window::new(AnalyzerApp::new(settings.clone(), Vec::new()));
    for _ in 0..3 {
        empty.step();
    }
    (settings, status_mib("VmRSS:"))
}

/// The window in live mode under `live_load`'s units (see the module documentation).
fn live(args: &[String]) {
    let arg = |i: usize, default: f64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (devices, rate, seconds) = (arg(2, 10_000.0), arg(3, 50_000.0), arg(4, 20.0));
    let port = 18_000 + (std::process::id() % 1000) as u16;
    let dir = std::env::temp_dir().join(format!("bn407-window-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (settings, base) = offline_baseline();
    let mut h = Window::new(AnalyzerApp::new(settings, Vec::new()));
    let config = bn407::live::LiveConfig {
        port,
        bind: vec![std::net::Ipv4Addr::LOCALHOST.into()],
        udp: false,
        max_connections: devices as usize + 100,
        record: Some(bn407::live::record::RecordConfig::new(
            dir.join("live.pcapng"),
        )),
        ..Default::default()
    };
    h.state_mut().command(Command::StartLive(Box::new(config)));
    for _ in 0..30 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let load = std::env::current_exe().unwrap().with_file_name("live_load");
    let mut child = std::process::Command::new(&load)
        .args([
            format!("127.0.0.1:{port}"),
            devices.to_string(),
            rate.to_string(),
            seconds.to_string(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo build --release --examples)", load.display()));
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let mut steps = Vec::new();
    let mut ended = None;
    // At 60 frames a second, until two seconds after the units stopped.
    while ended.is_none_or(|e: Instant| e.elapsed() < Duration::from_secs(2)) {
        let t = Instant::now();
        h.step();
        steps.push(t.elapsed());
        if ended.is_none() && child.try_wait().ok().flatten().is_some() {
            ended = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let mut sent = String::new();
    if let Some(mut out) = child.stdout.take() {
        use std::io::Read as _;
        out.read_to_string(&mut sent).unwrap();
    }
    child.wait().unwrap();
    let rss = status_mib("VmRSS:") - base;
    let peak = status_mib("VmHWM:") - base;
    let c = h
        .state()
        .live_status()
        .map(|s| s.counters)
        .unwrap_or_default();
    let stored = h.state().frame_count();
    h.state_mut().command(Command::StopLive);
    for _ in 0..10 {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let (p50, p99) = p50_p99(steps.clone());
    let max = steps.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!("units: {}", sent.trim());
    println!(
        "window: {} connections accepted, {} refused; {} frames decoded, {} in the store; {} answers",
        c.accepted, c.refused_limit, c.frames, stored, c.replies
    );
    println!(
        "UI frames while live ({} frames in {wall:.1} s): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.0} ms; {cpu:.1} s of CPU in the window's process",
        steps.len()
    );
    println!("memory beyond an empty window: {rss:.0} MiB resident at the end, peak {peak:.0} MiB");
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "--live") {
        return live(&args);
    }
    let capture = PathBuf::from(args.get(1).expect("usage: window_bench CAPTURE [FRAMES]"));
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(300);
    let size = std::fs::metadata(&capture).map_or(0, |m| m.len()) as f64 / (1 << 20) as f64;
    let (settings, base) = offline_baseline();

    let start = Instant::now();
    let cpu0 = cpu_seconds();
    let mut h = Window::new(AnalyzerApp::new(settings, vec![capture.clone()]));
    let mut first = None;
    let mut load_steps = Vec::new();
    loop {
        let t = Instant::now();
        h.step();
        load_steps.push(t.elapsed());
        if first.is_none() && h.state().row_count() > 0 {
            first = Some(start.elapsed());
        }
        if !h.state().is_busy() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let loaded = start.elapsed();
    let load_cpu = cpu_seconds() - cpu0;
    let frames_n = h.state().frame_count();
    let rss = status_mib("VmRSS:") - base;
    let peak = status_mib("VmHWM:") - base;
    let (lp50, lp99) = p50_p99(load_steps);
    println!("{}: {size:.1} MiB, {frames_n} frames", capture.display());
    println!(
        "load: first rows {:.2} s, fully loaded {:.2} s ({:.0} MB/s; {load_cpu:.2} s of CPU, all threads); UI frames while loading p50 {lp50:.1} ms, p99 {lp99:.1} ms",
        first.unwrap_or(loaded).as_secs_f64(),
        loaded.as_secs_f64(),
        size * 1.048_576 / loaded.as_secs_f64()
    );
    println!(
        "memory beyond an empty window: {rss:.0} MiB resident once loaded ({:.2}x the capture, {:.0} bytes a frame), peak {peak:.0} MiB",
        rss / size.max(1e-9),
        rss * 1_048_576.0 / frames_n.max(1) as f64
    );

    // Scrolling: each frame selects a frame a screenful further on (the list scrolls to it).
    let rows = h.state().row_count().max(1);
    let step = (rows / n.max(1)).max(40);
    let scroll = frames(&mut h, n, |app, i| {
        app.command(Command::SelectFrame((i * step) % rows));
    });
    let (p50, p99) = p50_p99(scroll);
    println!(
        "scrolling the list ({n} frames, {step} rows apart): p50 {p50:.1} ms, p99 {p99:.1} ms"
    );

    // Filtering every frame: time until the filtered list is complete, then until the map's and
    // plots' tracks of the filtered frames are too.
    let t = Instant::now();
    h.state_mut().command(Command::SetFilter(
        "kind == report && speed_kmh > 5".to_string(),
    ));
    h.step();
    while !h.state().filter_complete() {
        std::thread::sleep(Duration::from_millis(1));
        h.step();
    }
    let list = t.elapsed().as_secs_f64();
    h.settle();
    println!(
        "filter `kind == report && speed_kmh > 5` over {frames_n} frames: list {list:.2} s, map and plots {:.2} s, {} rows",
        t.elapsed().as_secs_f64(),
        h.state().row_count()
    );
    h.state_mut().command(Command::SetFilter(String::new()));
    h.settle();

    // The map with every track.
    h.state_mut().command(Command::ShowTab(CentralTab::Map));
    let map = frames(&mut h, n.min(120), |_, _| {});
    let (p50, p99) = p50_p99(map);
    println!(
        "map of every track ({} frames): p50 {p50:.1} ms, p99 {p99:.1} ms",
        n.min(120)
    );
}
