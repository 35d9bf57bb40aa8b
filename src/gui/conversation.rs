//! The conversation view: the selected frame's device on its flow, both directions in order like
//! a chat (login, LOAD, heartbeat, ON, reports), with the time between messages.

use eframe::egui::{self, Align, Layout, RichText, Sense, Ui, vec2};

use super::state::{Command, View};
use super::theme::Palette;
use crate::model::store::{FrameRef, FrameStore};
use crate::present::summary;
use crate::present::time::fmt_gap;
use crate::protocol::{Direction, Imei};

/// Height of one message row.
const ROW_HEIGHT: f32 = 44.0;

/// The conversation view's state.
#[derive(Debug, Default)]
pub struct ConversationView {
    /// (flow, device, frames in the store when built) -> the frames of that conversation.
    cache: Option<(u32, Option<Imei>, usize, Vec<u32>)>,
}

/// A frame's time: capture time, else the fix time (ms -> ns).
fn time_of(f: &FrameRef<'_>) -> Option<i64> {
    f.ts().or_else(|| {
        f.message()
            .fix
            .and_then(|x| x.time)
            .map(|ms| ms.saturating_mul(1_000_000))
    })
}

impl ConversationView {
    /// The frames of `flow` (and of `device`, when it names one), scanned from where the last
    /// frame stopped (loading goes on meanwhile).
    fn flow_frames(&mut self, store: &FrameStore, flow: u32, device: Option<Imei>) -> &[u32] {
        let same = matches!(&self.cache, Some((f, d, _, _)) if *f == flow && *d == device);
        if !same {
            self.cache = Some((flow, device, 0, Vec::new()));
        }
        let Some((_, _, scanned, frames)) = &mut self.cache else {
            return &[];
        };
        if *scanned < store.len() {
            for i in *scanned..store.len() {
                if let Some(f) = store.get(i)
                    && f.flow() == flow
                    && (device.is_none() || f.imei() == device.as_ref())
                {
                    frames.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
            *scanned = store.len();
        }
        frames
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, view: &mut View<'_>) {
        let store = view.store;
        let anchor = view
            .selection
            .frame
            .and_then(|i| store.get(i))
            .or_else(|| store.get(0));
        let Some(anchor) = anchor else {
            ui.label(RichText::new("No frames.").weak());
            return;
        };
        let flow = anchor.flow();
        let device = anchor.imei().copied();
        let frames = self.flow_frames(store, flow, device);
        ui.label(format!(
            "{} on flow #{}: {} message(s). Device messages on the left, server messages on the right.",
            device.map_or_else(|| "Every device".to_string(), |d| format!("Device {d}")),
            flow,
            frames.len()
        ));
        let palette = Palette::of(ui);
        let selected = view.selection.frame;
        let commands = &mut *view.commands;
        egui::ScrollArea::vertical()
            .id_salt("conversation")
            .auto_shrink(false)
            .show_rows(ui, ROW_HEIGHT, frames.len(), |ui, range| {
                let width = ui.available_width();
                for r in range {
                    let Some(f) = frames.get(r).and_then(|i| store.get(*i as usize)) else {
                        continue;
                    };
                    let prev = r
                        .checked_sub(1)
                        .and_then(|p| frames.get(p))
                        .and_then(|i| store.get(*i as usize));
                    let gap = match (prev.as_ref().and_then(time_of), time_of(&f)) {
                        (Some(a), Some(b)) => fmt_gap(b - a),
                        _ => String::new(),
                    };
                    let resp = bubble(ui, &f, gap, selected == Some(f.index()), &palette, width);
                    if resp.clicked() {
                        commands.push(Command::SelectFrame(f.index()));
                    }
                }
            });
    }
}

/// One message as a bubble: the device's on the left, the server's on the right, the time since
/// the previous message (`gap`) beside it, outlined when `selected`. Its row's response.
fn bubble(
    ui: &mut Ui,
    f: &FrameRef<'_>,
    gap: String,
    selected: bool,
    palette: &Palette,
    width: f32,
) -> egui::Response {
    let to_device = f.direction() == Direction::ToDevice;
    let (msg, bytes) = f.message_and_bytes();
    let text = format!("{} · {}", f.kind().as_str(), summary(&msg, &bytes));
    let (rect, resp) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::click());
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect.shrink2(vec2(4.0, 2.0)))
            .layout(if to_device {
                Layout::right_to_left(Align::Center)
            } else {
                Layout::left_to_right(Align::Center)
            }),
    );
    child.label(RichText::new(gap).small().weak());
    let fill = if to_device {
        palette.server_bubble
    } else {
        palette.device_bubble
    };
    let stroke = if selected {
        egui::Stroke::new(2.0, child.visuals().selection.stroke.color)
    } else {
        egui::Stroke::NONE
    };
    egui::Frame::new()
        .fill(fill)
        .stroke(stroke)
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(8, 4))
        .show(&mut child, |ui| {
            let font = egui::TextStyle::Body.resolve(ui.style());
            let text_w = ui
                .painter()
                .layout_no_wrap(text.clone(), font, egui::Color32::WHITE)
                .size()
                .x;
            ui.set_width(text_w.clamp(60.0, width * 0.7));
            ui.with_layout(Layout::top_down(Align::Min), |ui| {
                ui.label(
                    RichText::new(format!(
                        "#{}  {}",
                        f.index() + 1,
                        if to_device { "server" } else { "device" }
                    ))
                    .small()
                    .weak(),
                );
                ui.add(egui::Label::new(text).truncate());
            });
        });
    resp
}
