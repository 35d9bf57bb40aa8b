//! The window's own timing, on request (F12): the time the analyzer's UI code took in each of
//! the last frames (median and 99th percentile), the interval between frames as egui sees it,
//! and the resident memory, in a small overlay. It is how scrolling, filtering and the map are
//! measured on a real display rather than eyeballed; `examples/window_bench` measures the same
//! code headless.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use eframe::egui;

/// Frames remembered.
const KEPT: usize = 240;

/// The last frames' timings.
#[derive(Debug, Default)]
pub struct FrameStats {
    /// The UI code's time in each frame.
    ui: VecDeque<Duration>,
    /// The time between frames (egui's `unstable_dt`), seconds.
    interval: VecDeque<f32>,
    shown: bool,
}

impl FrameStats {
    /// Toggles the overlay on F12.
    pub fn input(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.key_pressed(egui::Key::F12)) {
            self.shown = !self.shown;
        }
    }

    /// Records one frame whose UI code started at `start`.
    pub fn record(&mut self, ctx: &egui::Context, start: Instant) {
        push(&mut self.ui, start.elapsed());
        push(&mut self.interval, ctx.input(|i| i.unstable_dt));
    }

    /// True while the overlay is on.
    pub fn shown(&self) -> bool {
        self.shown
    }

    /// The overlay's text: `UI 3.1 ms p50 · 9.8 ms p99 · frames every 16.7 ms · 212 MiB`.
    pub fn text(&self) -> String {
        let mut ui: Vec<f64> = self.ui.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        let mut iv: Vec<f64> = self.interval.iter().map(|s| f64::from(*s) * 1e3).collect();
        let memory = resident_mib().map_or("memory n/a".to_string(), |m| format!("{m:.0} MiB"));
        format!(
            "UI {:.1} ms p50 · {:.1} ms p99 · frames every {:.1} ms (p50 of {}) · {memory}",
            quantile(&mut ui, 0.5),
            quantile(&mut ui, 0.99),
            quantile(&mut iv, 0.5),
            self.ui.len()
        )
    }

    /// Draws the overlay in the bottom right corner, above the status bar, when it is on, and
    /// keeps frames coming so the figures stay current.
    pub fn show(&self, ctx: &egui::Context) {
        if !self.shown {
            return;
        }
        egui::Area::new(egui::Id::unique("frame-stats"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-8.0, -30.0))
            .interactable(false)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(egui::RichText::new(self.text()).monospace().small());
                });
            });
        ctx.request_repaint_after(Duration::from_millis(250));
    }
}

fn push<T>(q: &mut VecDeque<T>, v: T) {
    if q.len() >= KEPT {
        q.pop_front();
    }
    q.push_back(v);
}

/// The `q` quantile of `v` (sorted here), 0 when empty.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * q).round();
    v.get(i.max(0.0) as usize).copied().unwrap_or(0.0)
}

/// Resident memory of the process, MiB (Linux; none elsewhere).
fn resident_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_the_last_frames() {
        let mut s = FrameStats::default();
        for ms in 1..=300u64 {
            push(&mut s.ui, Duration::from_millis(ms));
        }
        assert_eq!(s.ui.len(), KEPT);
        let text = s.text();
        // 61..=300 kept: the median is 180 or 181, the 99th percentile 298.
        assert!(text.starts_with("UI 18"), "{text}");
        assert!(text.contains("298.0 ms p99"), "{text}");
    }
}
