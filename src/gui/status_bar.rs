//! The status bar: loading progress with a cancel button, the error of an unreadable input,
//! frame counts and the legend of the row colours.

use eframe::egui::{self, RichText, Ui};

use super::state::{Command, View};
use super::theme::{Palette, legend};
use crate::net::NetStats;

/// The status bar's state.
#[derive(Debug, Default)]
pub struct StatusBar {}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    let unit = UNITS.get(u).copied().unwrap_or("B");
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {unit}")
    }
}

impl StatusBar {
    /// Draws the bar.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let s = view.session;
        if let Some(e) = &s.error {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("Error: {e}"))
                        .color(ui.visuals().error_fg_color)
                        .strong(),
                );
            });
        }
        ui.horizontal(|ui| {
            progress(ui, view);
            let total = view.store.len();
            let shown = view.visible.len(total);
            ui.separator();
            ui.label(format!("Frames: {total}"));
            if shown != total {
                ui.label(format!("Displayed: {shown}"));
            }
            if let Some(n) = s.net.as_ref().filter(|n| n.packets > 0) {
                packets(ui, n);
            }
            if let Some(st) = &s.stats {
                ui.label(format!("Devices: {}", st.devices.len()));
                if st.errors > 0 {
                    ui.label(
                        RichText::new(format!("Errors: {}", st.errors))
                            .color(Palette::of(ui).error),
                    );
                }
                if st.warnings > 0 {
                    ui.label(
                        RichText::new(format!("Warnings: {}", st.warnings))
                            .color(Palette::of(ui).warning),
                    );
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let p = Palette::of(ui);
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    legend(ui, &p)
                });
            });
        });
    }
}

/// The loading progress and its Cancel button, else the files' names, else a word on how to
/// start.
fn progress(ui: &mut Ui, view: &mut View<'_>) {
    let s = view.session;
    if let Some(p) = &s.loading {
        let frac = p
            .bytes_total
            .filter(|t| *t > 0)
            .map(|t| p.bytes_read as f32 / t as f32);
        let text = match p.bytes_total {
            Some(t) => format!(
                "{} of {} · {} frames",
                human_bytes(p.bytes_read),
                human_bytes(t),
                p.frames
            ),
            None => format!("{} · {} frames", human_bytes(p.bytes_read), p.frames),
        };
        let bar = egui::ProgressBar::new(frac.unwrap_or(0.0))
            .desired_width(360.0)
            .text(text);
        ui.add(if frac.is_none() {
            bar.animate(true)
        } else {
            bar
        });
        if ui.button("Cancel").clicked() {
            view.commands.push(Command::CancelLoad);
        }
    } else if !s.names.is_empty() {
        let name = s.names.join(", ");
        ui.label(RichText::new(name).strong());
        if s.cancelled {
            ui.label(RichText::new("(stopped: partly loaded)").color(Palette::of(ui).warning));
        }
    } else {
        ui.label(
            RichText::new("Ready. Open a capture or a log (Ctrl+O) or drop files on the window.")
                .weak(),
        );
    }
}

/// The packet count, with its problems and every network counter in the tooltip.
fn packets(ui: &mut Ui, n: &NetStats) {
    let problems = n.gaps + n.malformed + n.truncated + n.tcp_overlap_mismatches;
    let text = format!("Packets: {}", n.packets);
    let label = if problems > 0 {
        RichText::new(format!("{text} ({problems} problems)")).color(Palette::of(ui).warning)
    } else {
        RichText::new(text)
    };
    ui.label(label).on_hover_text(format!(
        "{} packets, {} bytes captured\n{} TCP segments ({} retransmitted, {} overlapping, {} keep-alives)\n{} UDP datagrams, {} log lines\n{} gaps ({} bytes missing)\n{} malformed, {} cut by the snapshot length, {} not IP, {} other IP\n{} IP fragments ({} reassembled, {} dropped)\n{} flows ({} timed out, {} evicted)",
        n.packets,
        n.bytes,
        n.tcp_segments,
        n.tcp_retransmissions,
        n.tcp_overlaps,
        n.tcp_keepalives,
        n.udp_datagrams,
        n.log_lines,
        n.gaps,
        n.gap_bytes,
        n.malformed,
        n.truncated,
        n.non_ip,
        n.ignored,
        n.ip_fragments,
        n.ip_reassembled,
        n.ip_fragments_dropped,
        n.flows,
        n.flows_timed_out,
        n.flows_evicted,
    ));
}
